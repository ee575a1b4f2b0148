"""Personal data: erasure (the person's own, and the retention purge) and the download of one's data.

Which columns are personal is declared once, on the model (``info=`` marks, see
``registration.models.PERSONAL``): erasure blanks every PERSONAL column; the download shows the
PERSONAL and FACT ones. tests/test_personal_data.py fails for a column of any model without a mark.
"""

from datetime import datetime

import sqlalchemy as sa
from markupsafe import escape

from plenary.attendance.services import download as attendance_download
from plenary.audit.services import history as audit_history
from plenary.audit.services import scrub_registration
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.mail.files import forget_mail_files
from plenary.mail.models import FinalReason, OutboxMessage
from plenary.personal import personal_columns
from plenary.questions.answering import answers_for_download
from plenary.registration.locking import lock_plenary, locked_registration
from plenary.registration.models import ERASED, Registration
from plenary.registration.notifications import farewell
from plenary.registration.seats import promote_from_waitlist
from plenary.registration.signals import registration_erased
from plenary.registration.states import RegistrationStatus, change_status
from plenary.survey.services import response_for_download
from plenary.visa.services import download as visa_download


def erase(registration_id: int) -> Registration:
    """Anonymise a registration (the right to erasure): free its seat, drop personal data and mails.

    A confirmed person has the plenary in their calendar: one last message, whose CANCEL takes it out.
    """
    registration, plenary = locked_registration(registration_id)
    freed = registration.holds_seat
    invited = registration.email if registration.status == RegistrationStatus.CONFIRMED else None
    if registration.status != RegistrationStatus.REJECTED:  # a rejected registration stays rejected
        change_status(registration, "erase", RegistrationStatus.CANCELLED)
    anonymise(registration)
    db.session.flush()
    if invited:
        farewell(registration, invited)
    if freed:
        promote_from_waitlist(plenary, registration.attendance)
    return registration


def erased_value(column: sa.Column):
    """What an erased personal column holds: NULL where it may, else False (flags) or ERASED (texts)."""
    if column.nullable:
        return None
    return False if isinstance(column.type, sa.Boolean) else ERASED


def anonymise(registration: Registration) -> None:
    """Blank every personal column; forget the link and the messages' personal contents (and what other areas hold:
    ``registration_erased``)."""
    registration_erased.send(registration)  # while the data is still readable
    _forget_name_in_delegates_messages(registration)  # while the name is still known
    columns = sa.inspect(Registration).columns
    for name in personal_columns(Registration):
        setattr(registration, name, erased_value(columns[name]))
    registration.anonymised_at = utcnow()
    scrub = sa.or_(
        OutboxMessage.registration_id == registration.id,
        # The organizers' notices about this person's delegates name them as head of delegation.
        OutboxMessage.registration_id.in_(
            sa.select(Registration.id).where(Registration.delegation_head_id == registration.id)
        ) & (OutboxMessage.kind == "organizer_new_registration"),
        # A delegation's one notice is attached to its head and names every delegate.
        (OutboxMessage.registration_id == registration.delegation_head_id)
        & (OutboxMessage.kind == "organizer_new_registration"),
        # The daily digests that may list them: sent to the plenary's contact address since they registered.
        (OutboxMessage.kind == "organizer_digest") & (OutboxMessage.recipient == registration.plenary.contact_email)
        & (OutboxMessage.created_at >= registration.created_at),
    )
    forget_mail_files(list(db.session.scalars(sa.select(OutboxMessage.id).where(scrub))))
    scrub_registration(registration.id)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(scrub)
        .values(
            recipient=None, reply_to=None, subject=ERASED, body_text=ERASED, body_html=ERASED, calendar_ics=None,
            render_context=None,  # what the worker would have written it from (it may hold typed names)
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
        anonymise(registration)
    db.session.flush()
    return len(rows)


def downloaded_columns() -> list[str]:
    """Registration's columns in the download of one's data, in table order: the marked PERSONAL and FACT ones."""
    return [c.key for c in sa.inspect(Registration).columns if c.info.get("download", c.info.get("personal"))]


#: Columns the download shows in a readable form instead of the stored one.
_READABLE = {
    "member_id": ("member_city", lambda r: r.member.name if r.member else None),
    "registered_by_name": ("registered_by", lambda r: r.registered_by),
}


def personal_data(registration: Registration) -> dict:
    """Everything stored about a person, for the download of one's data (GDPR Art. 15/20).

    Their details and consents, attendance (hall and online), the history of their status (from the audit log, without
    the organizers' accounts) and every message sent to them, with its texts. Not the people they
    registered as delegates: those registrations are their owners' (and an address that was already
    registered is never attached, so a list would tell who else is registered).
    """
    plenary = registration.plenary
    data: dict = {"plenary": {"slug": plenary.slug, "number": plenary.number, "title": plenary.title}}
    for name in downloaded_columns():
        if name in _READABLE:
            key, value = _READABLE[name]
            data[key] = value(registration)
        else:
            data[name] = _plain(getattr(registration, name))
    data["attendance"] = attendance_download(registration)
    data["answers"] = answers_for_download(registration)  # to the organizers' questions (plenary/questions/)
    data["survey"] = response_for_download(registration)  # the survey after the plenary (plenary/survey/)
    data["visa_request"] = visa_download(registration)  # with their own passport data (plenary/visa/)
    data["history"] = [
        {"at": _iso(entry.at), "action": entry.action, "by": entry.actor_kind, "changes": entry.changes}
        for entry in audit_history("registration", registration.id)
    ]
    data["messages"] = [
        {"kind": m.kind, "subject": m.subject, "created_at": _iso(m.created_at), "status": m.status,
         "sent_at": _iso(m.sent_at), "recipient": m.recipient, "calendar_method": m.calendar_method,
         "text": m.body_text, "html": m.body_html}
        for m in db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.registration_id == registration.id, OutboxMessage.kind.not_like("organizer_%"))
            .order_by(OutboxMessage.id)
        )
    ]  # fmt: skip
    return data


def _plain(value):
    """A value as JSON writes it: times in ISO 8601, statuses as their text."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, RegistrationStatus) else value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
