"""The organizers' decisions on a request, each with its mail to the person (in their language).

Approval issues the letter (``plenary.visa.letter``) and mails it as an attachment; asking for a correction and
declining mail the organizers' note. Flushes, never commits.
"""

from plenary.documents import services as documents
from plenary.documents.models import DocumentKind, IssuedDocument
from plenary.events.services import reply_address
from plenary.mail.outbox import queue_message
from plenary.registration.models import Registration
from plenary.registration.states import Attendance
from plenary.visa import letter, services
from plenary.visa.models import VisaRequest


def _tell(visa: VisaRequest, kind: str, attachment_ref: str | None = None) -> None:
    registration = visa.registration
    if not registration.email:
        return
    queue_message(
        kind,
        registration.email,
        registration.language,
        {"registration": registration, "plenary": registration.plenary, "visa": visa},
        registration_id=registration.id,
        reply_to=reply_address(registration.plenary),
        attachment_ref=attachment_ref,
    )


def approve(visa: VisaRequest) -> IssuedDocument:
    """Approve the request: issue the letter and mail it to the person."""
    services.mark_approved(visa)
    document = letter.issue_letter(visa)
    _tell(visa, "visa_approved", attachment_ref=documents.attachment_ref(document))
    return document


def ask_correction(visa: VisaRequest, note: str) -> VisaRequest:
    """Send the request back with what to correct, and tell the person."""
    services.ask_correction(visa, note)
    _tell(visa, "visa_correction")
    return visa


def decline(visa: VisaRequest, reason: str) -> VisaRequest:
    """Decline the request with a reason, and tell the person."""
    services.decline(visa, reason)
    _tell(visa, "visa_declined")
    return visa


def current_letter(registration: Registration) -> IssuedDocument | None:
    """The registration's valid letter, if any."""
    document = documents.current(DocumentKind.VISA_LETTER, registration)
    return document if document is not None and documents.is_valid(document) else None


def registration_ended(registration: Registration) -> None:
    """The registration was cancelled or rejected: its request is withdrawn, its passport data deleted at once.

    The letter itself is withdrawn by the documents' own receiver of the same signal, with the reason the
    action gives (cancelled, rejected, erased) — so not here, where it would come first with the wrong reason.
    """
    services.withdraw_request(registration)


def attendance_changed(registration: Registration, attendance: str) -> None:
    """The person no longer attends in person: their request and letter are withdrawn, the passport data deleted."""
    if attendance == Attendance.IN_PERSON:
        return
    services.withdraw_request(registration)
    document = documents.current(DocumentKind.VISA_LETTER, registration)
    if document is not None:
        documents.withdraw(document, "online")


def letter_available(registration: Registration, document: IssuedDocument | None) -> bool:
    """True if the valid letter's PDF can still be made (its passport data is there and readable)."""
    visa = services.request_for(registration)
    return document is not None and visa is not None and services.passport_state(visa) == services.PASSPORT_PRESENT


def registration_erased(registration: Registration) -> None:
    """The person erased their data: the passport data goes at once (the request was withdrawn as it ended)."""
    services.withdraw_request(registration)
    visa = services.request_for(registration)
    if visa is not None:
        services.purge(visa)
        visa.mission_other = None
        visa.note = None
        visa.entry_date = visa.exit_date = None
    # The letter itself is withdrawn (and its statement blanked) by the documents' own receiver.
