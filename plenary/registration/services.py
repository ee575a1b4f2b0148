"""Registration: sign-up, seats, waitlist, approval, cancellation, erasure.

Every function that may take or free a seat begins with the capacity lock
(``lock_plenary``); all of them flush and never commit — the caller commits, and the
outbox messages they queue are committed with the change that caused them.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from markupsafe import escape

from plenary.audit.services import history as audit_history
from plenary.audit.services import scrub_registration
from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryFormat, PlenaryStatus
from plenary.events.services import RegistrationState, registration_state, reply_address
from plenary.extensions import db
from plenary.mail.delivery import forget_mail_files
from plenary.mail.models import FinalReason, OutboxMessage
from plenary.mail.outbox import queue_message
from plenary.registration.locking import lock_plenary
from plenary.registration.models import ERASED, SEAT_HOLDING, Attendance, Registration, RegistrationStatus, person_name
from plenary.registration.tokens import rotate_token

#: The form fields a person's registration is made of (besides attendance and email).
PERSON_FIELDS = (
    "salutation", "honorific", "first_name", "last_name", "name_zh", "organisation", "position",
    "member_id", "country", "phone", "language", "interpretation", "dietary", "remarks",
)  # fmt: skip


class RegistrationError(Exception):
    """A registration action that cannot be done; ``code`` names why (for the message)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


class RegistrationClosed(RegistrationError):
    """The plenary takes no registrations now (draft, cancelled, outside the window)."""


class CapacityReached(RegistrationError):
    """No seat left in the attendance mode, and no waitlist."""


class InvalidTransition(RegistrationError):
    """The registration's status does not allow the action."""


@dataclass
class SignupResult:
    """What a submission did: new registrations, and people who were already registered."""

    created: list[Registration] = field(default_factory=list)
    already_registered: list[Registration] = field(default_factory=list)


def attendance_modes(plenary: Plenary) -> tuple[str, ...]:
    """The attendance modes a plenary offers."""
    if plenary.format == PlenaryFormat.HYBRID:
        return (Attendance.IN_PERSON, Attendance.ONLINE)
    if plenary.format == PlenaryFormat.ONLINE:
        return (Attendance.ONLINE,)
    return (Attendance.IN_PERSON,)


def capacity(plenary: Plenary, attendance: str) -> int | None:
    """Seats in ``attendance`` mode (None = unlimited)."""
    return plenary.capacity_in_person if attendance == Attendance.IN_PERSON else plenary.capacity_online


def seats_taken(plenary_id: int, attendance: str) -> int:
    """Registrations holding a seat in ``attendance`` mode (call under the capacity lock)."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.plenary_id == plenary_id,
            Registration.attendance == attendance,
            Registration.status.in_(SEAT_HOLDING),
        )
    )


def _seat_free(plenary: Plenary, attendance: str) -> bool:
    limit = capacity(plenary, attendance)
    return limit is None or seats_taken(plenary.id, attendance) < limit


def check_open(plenary: Plenary | None, now: datetime | None = None) -> Plenary:
    """Raise RegistrationClosed unless ``plenary`` takes registrations now."""
    if plenary is None or plenary.status == PlenaryStatus.DRAFT:
        raise RegistrationClosed("not_found")
    state = registration_state(plenary, now)
    if state != RegistrationState.OPEN:
        raise RegistrationClosed(str(state))
    return plenary


def find_registration(plenary_id: int, email: str) -> Registration | None:
    """The registration of ``email`` (normalised) for a plenary, if any."""
    return db.session.scalar(
        sa.select(Registration).where(Registration.plenary_id == plenary_id, Registration.email == email)
    )


def register(plenary_id: int, head: dict, delegates: list[dict] | None = None) -> SignupResult:
    """Register a person and, optionally, their delegation; all or nothing.

    ``head`` and each delegate are dicts of PERSON_FIELDS plus ``email`` (normalised),
    ``attendance``, and for the head the consents. Under the capacity lock each person
    gets a seat (confirmed, or pending when the plenary requires approval), else a place
    on the waitlist, else the whole submission is refused (CapacityReached).

    Nothing about an existing registration reaches anyone but its owner, and nobody joins a
    registration that is not theirs: the public form cannot tell who sent it. So capacity is
    decided for everyone typed before any address is looked up (the answer is the same for
    known and new addresses), and the typed delegates are registered exactly as if the head
    were new: each gets the same messages naming the head as typed (``registered_by_name``),
    so a delegate's mailbox cannot tell whether the head's address was known. A known head's
    registration is not changed and nobody is attached to it; the head is told at their own
    address who was registered naming them (they can add delegates on their personal page,
    ``add_delegates``). A known delegate is sent their own link and stays outside this delegation.
    """
    plenary = check_open(lock_plenary(plenary_id))
    people = _distinct([head, *(delegates or [])])
    statuses = _plan_seats(plenary, people)
    result = SignupResult()
    typed_head = person_name(head.get("first_name"), head.get("last_name"), head.get("honorific"))
    known_head = find_registration(plenary.id, head["email"])
    if known_head is not None:
        result.already_registered.append(known_head)
        _join(plenary, None, people[1:], statuses[1:], result, registered_by=typed_head)
        if len(people) > 1:
            _queue(known_head, "registration_delegates_proposed", proposed=[_typed_name(p) for p in people[1:]])
        else:
            _queue(known_head, "registration_link")
        db.session.flush()
        return result
    head_registration = _create(plenary, head, statuses[0], consents=True)
    result.created.append(head_registration)
    _join(plenary, head_registration, people[1:], statuses[1:], result, registered_by=typed_head)
    db.session.flush()
    return result


def can_add_delegates(registration: Registration) -> bool:
    """True if ``registration`` may add members to its delegation: active, and not itself a delegate."""
    return (
        registration.status in (*SEAT_HOLDING, RegistrationStatus.WAITLISTED)
        and registration.delegation_head_id is None
        and registration.registered_by_name is None  # registered by someone else: not a head either
        and registration.anonymised_at is None
        and registration_state(registration.plenary) == RegistrationState.OPEN
    )


def add_delegates(head_id: int, delegates: list[dict]) -> SignupResult:
    """Register further members of one's delegation from one's personal page (the head's own link).

    Each delegate dict has first_name, last_name, email (normalised), position and attendance; the
    organisation, member city, country and language are the head's. The rules of ``register``
    apply: capacity first for everyone, and a known address gets its own link and is not attached.
    """
    head, plenary = _locked_registration(head_id)
    check_open(plenary)
    if not can_add_delegates(head):
        raise InvalidTransition("not_head", status=head.status)
    modes = attendance_modes(plenary)
    people = [
        {"first_name": d["first_name"], "last_name": d["last_name"], "email": d["email"], "position": d.get("position"),
         "attendance": d["attendance"] if d.get("attendance") in modes else head.attendance,
         "organisation": head.organisation, "member_id": head.member_id, "country": head.country,
         "language": head.language}
        for d in delegates
    ]  # fmt: skip
    people = _distinct([{"email": head.email}, *people])[1:]
    result = SignupResult()
    _join(plenary, head, people, _plan_seats(plenary, people), result, registered_by=head.display_name)
    db.session.flush()
    return result


def _distinct(people: list[dict]) -> list[dict]:
    """The people of a submission, each address once (the first wins; the head comes first)."""
    seen, kept = set(), []
    for person in people:
        if person["email"] not in seen:
            seen.add(person["email"])
            kept.append(person)
    return kept


def _plan_seats(plenary: Plenary, people: list[dict]) -> list[str]:
    """The status each person would get, in order, as if every address were new (under the lock).

    Raises CapacityReached if one of them fits neither a seat nor the waitlist. Known addresses
    count like new ones, so neither the answer nor the others' statuses tell who is registered.
    """
    claimed: dict[str, int] = {}
    statuses = []
    for person in people:
        attendance = person["attendance"]
        if attendance not in attendance_modes(plenary):
            raise RegistrationError("attendance_not_offered", attendance=attendance)
        limit = capacity(plenary, attendance)
        if limit is None or seats_taken(plenary.id, attendance) + claimed.get(attendance, 0) < limit:
            _race_window()
            claimed[attendance] = claimed.get(attendance, 0) + 1
            status = RegistrationStatus.PENDING if plenary.requires_approval else RegistrationStatus.CONFIRMED
        elif plenary.waitlist:
            status = RegistrationStatus.WAITLISTED
        else:
            raise CapacityReached("full", attendance=attendance)
        statuses.append(status)
    return statuses


def _join(plenary: Plenary, head: Registration | None, people: list[dict], statuses: list[str],
          result: SignupResult, registered_by: str) -> None:  # fmt: skip
    """Register ``people`` as ``head``'s delegates (None: attached to nobody), naming ``registered_by``
    to them; a known address gets its own link and is not attached."""
    for person, status in zip(people, statuses, strict=True):
        existing = find_registration(plenary.id, person["email"])
        if existing is not None:
            # Their registration stays theirs: not attached, and nothing about it shown to the head.
            result.already_registered.append(existing)
            _queue(existing, "registration_link")
            continue
        result.created.append(_create(plenary, person, status, delegation_head=head, registered_by=registered_by))


def _create(plenary: Plenary, person: dict, status: str, consents: bool = False,
            delegation_head: Registration | None = None, registered_by: str | None = None) -> Registration:  # fmt: skip
    """Add one registration with its token, its message and the organizers' notice."""
    now = utcnow()
    registration = Registration(plenary=plenary, status=status, attendance=person["attendance"], email=person["email"])
    for name in PERSON_FIELDS:
        if name in person:
            setattr(registration, name, person[name])
    if consents:
        registration.consent_privacy_at = now if person.get("consent_privacy") else None
        registration.consent_listing = bool(person.get("consent_listing"))
        registration.consent_listing_at = now if registration.consent_listing else None
    else:
        # Registered by the head of delegation: their own consent is not on record (their
        # message tells them who registered them and links the privacy notice).
        registration.delegation_head = delegation_head
        registration.registered_by_name = registered_by
    if status == RegistrationStatus.WAITLISTED:
        registration.waitlisted_at = now
    db.session.add(registration)
    db.session.flush()  # the id orders the waitlist and seeds the token
    rotate_token(registration)
    _queue(registration, _status_message(status))
    _notify_organizers(registration)
    return registration


def _typed_name(person: dict) -> str:
    """A proposed delegate's name as typed (for the head's message; nothing looked up)."""
    return " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)


def _race_window() -> None:
    """Test-only: wait REGISTRATION_RACE_WINDOW_SECONDS (if > 0) between finding a free seat and taking it.

    tests/test_registration_concurrency.py sets it to make the race reliably visible when the
    capacity lock is off, and to show that the lock holds even with the gap; it is 0 (no wait)
    otherwise. Only a seat being taken waits: that is the decision the race corrupts, and under
    the lock the burst then lasts seats × window rather than people × window.
    """
    seconds = current_app.config["REGISTRATION_RACE_WINDOW_SECONDS"]
    if seconds > 0:
        time.sleep(seconds)


def _status_message(status: str) -> str:
    return {
        RegistrationStatus.PENDING: "registration_received",
        RegistrationStatus.CONFIRMED: "registration_confirmed",
        RegistrationStatus.WAITLISTED: "registration_waitlisted",
    }[status]


def promote_from_waitlist(plenary: Plenary, attendance: str) -> list[Registration]:
    """Give free seats of ``attendance`` mode to the waitlist, first come first served (under the lock)."""
    promoted = []
    if plenary.status == PlenaryStatus.CANCELLED:
        return promoted  # nobody moves up into a plenary that will not take place
    while _seat_free(plenary, attendance):
        candidate = db.session.scalar(
            sa.select(Registration)
            .where(
                Registration.plenary_id == plenary.id,
                Registration.attendance == attendance,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
            .order_by(Registration.waitlisted_at, Registration.id)
            .limit(1)
        )
        if candidate is None:
            break
        candidate.status = RegistrationStatus.PENDING if plenary.requires_approval else RegistrationStatus.CONFIRMED
        db.session.flush()
        _queue(candidate, "registration_promoted")
        promoted.append(candidate)
    return promoted


def fill_free_seats(plenary_id: int) -> list[Registration]:
    """Promote waitlisted people into seats that exist now (e.g. after capacity was raised)."""
    plenary = lock_plenary(plenary_id)
    promoted = []
    for attendance in attendance_modes(plenary):
        promoted += promote_from_waitlist(plenary, attendance)
    return promoted


def _locked_registration(registration_id: int) -> tuple[Registration, Plenary]:
    """Load a registration for a change, with its plenary's capacity lock taken first."""
    plenary_id = db.session.scalar(sa.select(Registration.plenary_id).where(Registration.id == registration_id))
    if plenary_id is None:
        raise RegistrationError("not_found")
    plenary = lock_plenary(plenary_id)
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    return registration, plenary


def cancel(registration_id: int) -> Registration:
    """Cancel a registration; a freed seat goes to the waitlist."""
    registration, plenary = _locked_registration(registration_id)
    if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED):
        raise InvalidTransition("not_active", status=registration.status)
    return _end(registration, plenary, RegistrationStatus.CANCELLED, "registration_cancelled")


def _end(registration: Registration, plenary: Plenary, status: str, message: str) -> Registration:
    """Give a registration its final ``status``, tell the person, pass a freed seat on (under the lock)."""
    freed = registration.holds_seat
    was_invited = registration.status == RegistrationStatus.CONFIRMED
    registration.status = status
    db.session.flush()
    if was_invited:
        # A CANCEL naming only this attendee; it must outrank their invitation's SEQUENCE.
        plenary.sequence += 1
        queue_registration_message(registration, message, "CANCEL", uninvite=True)
    else:
        _queue(registration, message)
    if freed:
        promote_from_waitlist(plenary, registration.attendance)
    return registration


def approve(registration_id: int) -> Registration:
    """Confirm a registration that waits for approval."""
    registration, plenary = _locked_registration(registration_id)
    if registration.status != RegistrationStatus.PENDING or plenary.status == PlenaryStatus.CANCELLED:
        raise InvalidTransition("not_pending", status=registration.status)
    registration.status = RegistrationStatus.CONFIRMED
    db.session.flush()
    _queue(registration, "registration_approved")
    return registration


def reject(registration_id: int) -> Registration:
    """Turn down a pending or waitlisted registration; a freed seat goes to the waitlist."""
    registration, plenary = _locked_registration(registration_id)
    if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED):
        raise InvalidTransition("not_rejectable", status=registration.status)
    return _end(registration, plenary, RegistrationStatus.REJECTED, "registration_rejected")


def switch_attendance(registration_id: int, attendance: str) -> Registration:
    """Move a registration to the other attendance mode if it has a seat (or waitlist place) there."""
    registration, plenary = _locked_registration(registration_id)
    if registration.status not in (*SEAT_HOLDING, RegistrationStatus.WAITLISTED) or (
        plenary.status == PlenaryStatus.CANCELLED
    ):
        raise InvalidTransition("not_active", status=registration.status)
    if attendance not in attendance_modes(plenary):
        raise RegistrationError("attendance_not_offered", attendance=attendance)
    if attendance == registration.attendance:
        return registration
    old_mode, freed = registration.attendance, registration.holds_seat
    if _seat_free(plenary, attendance):
        if registration.status == RegistrationStatus.WAITLISTED:
            registration.status = (
                RegistrationStatus.PENDING if plenary.requires_approval else RegistrationStatus.CONFIRMED
            )
    elif registration.status == RegistrationStatus.WAITLISTED and plenary.waitlist:
        registration.waitlisted_at = utcnow()  # joins the other mode's queue at its end
    else:
        raise CapacityReached("full", attendance=attendance)
    registration.attendance = attendance
    db.session.flush()
    if registration.status == RegistrationStatus.CONFIRMED:
        plenary.sequence += 1  # their copy changes (place or online link): an update for them
    _queue(registration, "registration_updated")
    if freed:
        promote_from_waitlist(plenary, old_mode)
    return registration


def reactivate(registration_id: int) -> Registration:
    """Register a cancelled registration again (from its personal page), subject to capacity."""
    registration, plenary = _locked_registration(registration_id)
    check_open(plenary)
    if registration.status != RegistrationStatus.CANCELLED or registration.anonymised_at is not None:
        raise InvalidTransition("not_cancelled", status=registration.status)
    if _seat_free(plenary, registration.attendance):
        status = RegistrationStatus.PENDING if plenary.requires_approval else RegistrationStatus.CONFIRMED
    elif plenary.waitlist:
        status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = utcnow()  # the back of the queue, not one's old place
    else:
        raise CapacityReached("full", attendance=registration.attendance)
    registration.status = status
    db.session.flush()
    _queue(registration, _status_message(status))
    _notify_organizers(registration)
    return registration


def update_details(registration_id: int, data: dict) -> Registration:
    """Change a registration's personal details (not its email, status or attendance)."""
    # Under the plenary's lock like every write, so SQLite never has to upgrade a read snapshot.
    registration, _plenary = _locked_registration(registration_id)
    if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED):
        raise InvalidTransition("not_active", status=registration.status)
    for name in PERSON_FIELDS:
        if name in data:
            setattr(registration, name, data[name])
    if "consent_listing" in data and bool(data["consent_listing"]) != registration.consent_listing:
        registration.consent_listing = bool(data["consent_listing"])
        registration.consent_listing_at = utcnow()
    db.session.flush()
    return registration


def resend_link(registration: Registration) -> OutboxMessage:
    """Send the personal link again."""
    return _queue(registration, "registration_link")



def _farewell(registration: Registration, address: str) -> OutboxMessage:
    """The erased person's last message (it names nobody; delivery forgets the address once it is out)."""
    from plenary.calendar.invitations import invitation

    plenary = registration.plenary
    plenary.sequence += 1  # the CANCEL must outrank their invitation
    return queue_message("registration_erased", address, registration.language, {"plenary": plenary},
                         registration_id=registration.id, reply_to=reply_address(plenary),
                         calendar=("CANCEL", invitation(registration, "CANCEL", uninvite=True, address=address)))


def erase(registration_id: int) -> Registration:
    """Anonymise a registration (the right to erasure): free its seat, drop personal data and mails.

    A confirmed person has the plenary in their calendar: one last message, whose CANCEL takes it out.
    """
    registration, plenary = _locked_registration(registration_id)
    freed = registration.holds_seat
    invited = registration.email if registration.status == RegistrationStatus.CONFIRMED else None
    if registration.status not in (RegistrationStatus.REJECTED,):
        registration.status = RegistrationStatus.CANCELLED
    _anonymise(registration)
    db.session.flush()
    if invited:
        _farewell(registration, invited)
    if freed:
        promote_from_waitlist(plenary, registration.attendance)
    return registration


def _anonymise(registration: Registration) -> None:
    """Replace every personal field; forget the link and the messages' personal contents."""
    _forget_name_in_delegates_messages(registration)  # while the name is still known
    registration.first_name = ERASED
    registration.last_name = ERASED
    for name in ("salutation", "honorific", "name_zh", "organisation", "position", "phone", "email", "dietary",
                 "remarks", "member_id", "country", "token_hash", "registered_by_name"):  # fmt: skip
        setattr(registration, name, None)
    registration.consent_listing = False
    registration.anonymised_at = utcnow()
    scrub = sa.or_(
        OutboxMessage.registration_id == registration.id,
        # The organizers' notices about this person's delegates name them as head of delegation.
        OutboxMessage.registration_id.in_(
            sa.select(Registration.id).where(Registration.delegation_head_id == registration.id)
        ) & (OutboxMessage.kind == "organizer_new_registration"),
    )
    forget_mail_files(list(db.session.scalars(sa.select(OutboxMessage.id).where(scrub))))
    scrub_registration(registration.id)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(scrub)
        .values(
            recipient=None, reply_to=None, subject=ERASED, body_text=ERASED, body_html=ERASED, calendar_ics=None,
            # What was sent stays "sent" (history); what was still waiting will never go out.
            status=sa.case((OutboxMessage.status == "pending", "failed"), else_=OutboxMessage.status),
            last_error=sa.case((OutboxMessage.status == "pending", "erased"), else_=OutboxMessage.last_error),
            final_reason=sa.case((OutboxMessage.status == "pending", FinalReason.ERASED.value),
                                 else_=OutboxMessage.final_reason),
        )  # fmt: skip
    )


def _forget_name_in_delegates_messages(head: Registration) -> None:
    """A head's erasure: the messages to their delegates ("X has registered you …") keep no trace of X.

    Those messages are the delegates' own (history, or still to be sent), so they stay; only the head's
    name is replaced, in the stored texts (plain and HTML-escaped), and the file backend's .eml copies of
    the changed messages are deleted (they may hold the name in any transfer encoding).
    """
    if head.anonymised_at is not None or not head.delegates:
        return
    # The name as the messages wrote it (as typed), and as it is now (the head may have changed it since).
    names = {head.display_name, *(d.registered_by_name for d in head.delegates if d.registered_by_name)}
    names = sorted(names, key=len, reverse=True)  # a longer form first, so no shorter one leaves a remnant
    for delegate in head.delegates:
        if delegate.registered_by_name is not None:
            delegate.registered_by_name = ERASED  # their page and data then say "registered by —"
    changed = []
    for message in db.session.scalars(
        sa.select(OutboxMessage)
        .join(Registration, Registration.id == OutboxMessage.registration_id)
        .where(Registration.delegation_head_id == head.id, OutboxMessage.kind.not_like("organizer_%"))
    ):
        before = (message.subject, message.body_text, message.body_html)
        for name in names:
            message.subject = message.subject.replace(name, ERASED)
            message.body_text = message.body_text.replace(name, ERASED)
            message.body_html = message.body_html.replace(str(escape(name)), ERASED).replace(name, ERASED)
        if (message.subject, message.body_text, message.body_html) != before:
            changed.append(message.id)
    forget_mail_files(changed)


def plenaries_ended_before(before: datetime) -> list[int]:
    """Ids of plenaries that ended before ``before`` and still hold personal data."""
    return list(db.session.scalars(
        sa.select(Plenary.id)
        .where(Plenary.ends_at < before)
        .where(sa.exists().where(Registration.plenary_id == Plenary.id, Registration.anonymised_at.is_(None)))
        .order_by(Plenary.id)
    ))  # fmt: skip


def purge_plenary(plenary_id: int) -> int:
    """Anonymise every registration of one plenary (under its lock); return how many."""
    lock_plenary(plenary_id)
    rows = db.session.scalars(
        sa.select(Registration).where(Registration.plenary_id == plenary_id, Registration.anonymised_at.is_(None))
    ).all()
    for registration in rows:
        _anonymise(registration)
    db.session.flush()
    return len(rows)


def personal_data(registration: Registration) -> dict:
    """Everything stored about a person, for the download of one's data (GDPR Art. 15/20).

    Their details and consents, check-in, the history of their status (from the audit log, without
    the organizers' accounts) and every message sent to them, with its texts. Not the people they
    registered as delegates: those registrations are their owners' (and an address that was already
    registered is never attached, so a list would tell who else is registered).
    """
    plenary = registration.plenary
    return {
        "plenary": {"slug": plenary.slug, "number": plenary.number, "title": plenary.title},
        "status": registration.status,
        "attendance": registration.attendance,
        **{name: getattr(registration, name) for name in PERSON_FIELDS if name != "member_id"},
        "member_city": registration.member.name if registration.member else None,
        "email": registration.email,
        "consent_privacy_at": _iso(registration.consent_privacy_at),
        "consent_listing": registration.consent_listing,
        "consent_listing_at": _iso(registration.consent_listing_at),
        "registered_by": registration.registered_by,
        "created_at": _iso(registration.created_at),
        "updated_at": _iso(registration.updated_at),
        "waitlisted_at": _iso(registration.waitlisted_at),
        "checked_in_at": _iso(registration.checked_in_at),
        "history": [
            {"at": _iso(entry.at), "action": entry.action, "by": entry.actor_kind, "changes": entry.changes}
            for entry in audit_history("registration", registration.id)
        ],
        "messages": [
            {"kind": m.kind, "subject": m.subject, "created_at": _iso(m.created_at), "status": m.status,
             "sent_at": _iso(m.sent_at), "recipient": m.recipient, "calendar_method": m.calendar_method,
             "text": m.body_text, "html": m.body_html}
            for m in db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.registration_id == registration.id, OutboxMessage.kind.not_like("organizer_%"))
                .order_by(OutboxMessage.id)
            )
        ],  # fmt: skip
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


#: Messages that carry the calendar invitation (METHOD:REQUEST) when the person is confirmed.
INVITING_KINDS = ("registration_confirmed", "registration_promoted", "registration_approved", "registration_updated",
                  "registration_link")  # fmt: skip


def _queue(registration: Registration, kind: str, **context) -> OutboxMessage:
    """Queue message ``kind`` to the registrant, in their language, with the invitation if confirmed."""
    invite = (
        kind in INVITING_KINDS
        and registration.status == RegistrationStatus.CONFIRMED
        and registration.plenary.status != PlenaryStatus.CANCELLED  # never a REQUEST for a cancelled plenary
    )
    if invite and _was_cancelled_before(registration):
        registration.plenary.sequence += 1  # a new REQUEST must outrank the CANCEL they received
    return queue_registration_message(registration, kind, "REQUEST" if invite else None, context=context)


def _was_cancelled_before(registration: Registration) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            OutboxMessage.registration_id == registration.id, OutboxMessage.calendar_method == "CANCEL"
        )
    ) > 0


def queue_registration_message(
    registration: Registration, kind: str, calendar_method: str | None, uninvite: bool = False,
    context: dict | None = None,
) -> OutboxMessage:
    """Queue message ``kind`` to the registrant; ``calendar_method`` attaches REQUEST or CANCEL (iMIP).

    ``context``: further template values of that kind (the delegates someone proposed).
    """
    from plenary.calendar.invitations import invitation

    if calendar_method:
        # A newer invitation makes any still-queued older one obsolete: never deliver them out of order.
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.registration_id == registration.id, OutboxMessage.status == "pending",
                   OutboxMessage.calendar_method.is_not(None))
            .values(status="failed", final_reason=FinalReason.SUPERSEDED,
                    last_error="superseded by a newer invitation")
        )  # fmt: skip
    return queue_message(
        kind,
        registration.email,
        registration.language,
        {"registration": registration, "plenary": registration.plenary, **(context or {})},
        registration_id=registration.id,
        reply_to=reply_address(registration.plenary),
        calendar=(calendar_method, invitation(registration, calendar_method, uninvite)) if calendar_method else None,
    )


def _notify_organizers(registration: Registration) -> None:
    """Tell the plenary's contact address about a new registration (in ORGANIZER_MAIL_LANGUAGE)."""
    address = registration.plenary.contact_email
    if address:
        queue_message(
            "organizer_new_registration",
            address,
            current_app.config["ORGANIZER_MAIL_LANGUAGE"],
            {"registration": registration, "plenary": registration.plenary},
            registration_id=registration.id,  # so that erasure scrubs it too
            reply_to=registration.email,
        )


# --- The organizers' actions (back office) -------------------------------------------------------


class EmailTaken(RegistrationError):
    """Another registration of the same plenary already uses this email address."""


def promote(registration_id: int, above_capacity: bool = False) -> Registration:
    """Give one waitlisted registration a seat (pending if the plenary requires approval) and tell them.

    Refused (CapacityReached) when no seat is free in its mode, unless ``above_capacity``.
    """
    registration, plenary = _locked_registration(registration_id)
    if registration.status != RegistrationStatus.WAITLISTED or plenary.status == PlenaryStatus.CANCELLED:
        raise InvalidTransition("not_waitlisted", status=registration.status)
    if not above_capacity and not _seat_free(plenary, registration.attendance):
        raise CapacityReached("full", attendance=registration.attendance)
    registration.status = RegistrationStatus.PENDING if plenary.requires_approval else RegistrationStatus.CONFIRMED
    db.session.flush()
    _queue(registration, "registration_promoted")
    return registration


def resend_confirmation(registration_id: int) -> OutboxMessage:
    """Send a person their messages again: the confirmation with its invitation if confirmed, else their link."""
    registration, plenary = _locked_registration(registration_id)  # the invitation may raise the SEQUENCE
    if registration.anonymised_at is not None or not registration.email:
        raise InvalidTransition("anonymised", status=registration.status)
    if plenary.status == PlenaryStatus.CANCELLED:
        raise InvalidTransition("plenary_cancelled", status=registration.status)
    if registration.status == RegistrationStatus.CONFIRMED:
        return _queue(registration, "registration_confirmed")
    return _queue(registration, "registration_link")


def _email_taken(plenary_id: int, email: str, registration_id: int | None = None) -> bool:
    other = find_registration(plenary_id, email)
    return other is not None and other.id != registration_id


def organizer_update(registration_id: int, data: dict) -> Registration:
    """Change a registration's details as an organizer: PERSON_FIELDS, ``consent_listing`` and ``email``.

    The email must stay unique per plenary (EmailTaken). Anonymised registrations cannot be edited.
    """
    registration, plenary = _locked_registration(registration_id)
    if registration.anonymised_at is not None:
        raise InvalidTransition("anonymised", status=registration.status)
    email = data.get("email")
    if email and email != registration.email:
        if _email_taken(plenary.id, email, registration.id):
            raise EmailTaken("email_taken")
        registration.email = email
    for name in PERSON_FIELDS:
        if name in data:
            setattr(registration, name, data[name])
    if "consent_listing" in data and bool(data["consent_listing"]) != registration.consent_listing:
        registration.consent_listing = bool(data["consent_listing"])
        registration.consent_listing_at = utcnow() if registration.consent_listing else None
    db.session.flush()
    return registration


def register_by_hand(plenary_id: int, data: dict, send_messages: bool = True) -> Registration:
    """Register one person on an organizer's behalf (someone who phoned): the capacity rules, not the window.

    ``data``: PERSON_FIELDS, ``email``, ``attendance``, ``consent_listing``. Under the capacity lock
    the person gets a seat (confirmed, or pending when approval is required), else a waitlist place,
    else CapacityReached. A known address is refused (EmailTaken); a cancelled plenary too.
    """
    plenary = lock_plenary(plenary_id)
    if plenary is None or plenary.status == PlenaryStatus.CANCELLED:
        raise RegistrationClosed("cancelled")
    attendance = data["attendance"]
    if attendance not in attendance_modes(plenary):
        raise RegistrationError("attendance_not_offered", attendance=attendance)
    if _email_taken(plenary.id, data["email"]):
        raise EmailTaken("email_taken")
    if _seat_free(plenary, attendance):
        status = RegistrationStatus.PENDING if plenary.requires_approval else RegistrationStatus.CONFIRMED
    elif plenary.waitlist:
        status = RegistrationStatus.WAITLISTED
    else:
        raise CapacityReached("full", attendance=attendance)
    now = utcnow()
    registration = Registration(plenary=plenary, status=status, attendance=attendance, email=data["email"])
    for name in PERSON_FIELDS:
        if name in data:
            setattr(registration, name, data[name])
    # Their consent to the privacy notice is not on record (they did not fill in the form themselves).
    registration.consent_listing = bool(data.get("consent_listing"))
    registration.consent_listing_at = now if registration.consent_listing else None
    if status == RegistrationStatus.WAITLISTED:
        registration.waitlisted_at = now
    db.session.add(registration)
    db.session.flush()
    rotate_token(registration)
    if send_messages:
        _queue(registration, _status_message(status))
    db.session.flush()
    return registration
