"""How the back office names what its logs store as codes: audit actions, changed fields and their values,
mail kinds, calendar methods and why a mail is not sent again (the organizer's language; unknown codes as stored).

The audit log (``admin/audit.html``), a registration's history and messages (``admin/registration.html``) and the
outbox pages (``admin/message_macros.html``) read their words here; times stored as ISO text are shown as the
plenary's own times are (Babel, the plenary's zone, the zone named).
"""

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from plenary.admin.blueprint import bp
from plenary.admin.organizer_notice import NOTICE_LABELS
from plenary.audit.services import diff
from plenary.countries import country_names
from plenary.formatting import zoned
from plenary.i18n import LANGUAGE_NAMES, current_language
from plenary.labels import (
    AGENDA_KIND_LABELS,
    ANNOUNCEMENT_KIND_LABELS,
    ATTENDANCE_LABELS,
    ATTENDANCE_SOURCE_LABELS,
    FORMAT_LABELS,
    PERSON_FIELD_LABELS,
    REGISTRATION_STATUS_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
)
from plenary.mail.models import FinalReason
from plenary.questions.labels import ACTION_LABELS as QUESTION_ACTION_LABELS
from plenary.reminders.labels import ACTION_LABELS as REMINDER_ACTION_LABELS
from plenary.survey.labels import ACTION_LABELS as SURVEY_ACTION_LABELS

ACTION_LABELS = {
    "registration.created": _l("Registered"),
    "registration.status": _l("Status or attendance changed"),
    "registration.update": _l("Details changed"),
    "registration.checkin_undone": _l("Check-in undone"),
    "registration.attendance_recorded": _l("Attendance recorded by hand"),
    "registration.attendance_removed": _l("Attendance record removed"),
    "registration.email_change_requested": _l("Change of email address requested"),
    "registration.email_change": _l("Email address changed"),
    "registration.head_cancel": _l("Cancelled by the head of delegation"),
    "registration.head_resend": _l("Link resent at the head of delegation's request"),
    "registration.head_switch": _l("Attendance changed by the head of delegation"),
    "plenary.create": _l("Plenary created"),
    "plenary.update": _l("Plenary changed"),
    "plenary.publish": _l("Plenary published"),
    "plenary.cancel": _l("Plenary called off"),
    "plenary.organizer_notice": _l("Notice of new registrations changed"),
    "plenary.participants": _l("Participant list published or withdrawn"),
    "agenda.create": _l("Agenda item added"),
    "agenda.update": _l("Agenda item changed"),
    "agenda.delete": _l("Agenda item deleted"),
    "agenda.reorder": _l("Agenda reordered"),
    "announcement.create": _l("Announcement created"),
    "announcement.update": _l("Announcement changed"),
    "announcement.publish": _l("Announcement published"),
    "announcement.unpublish": _l("Announcement withdrawn"),
    "member.create": _l("Member added"),
    "member.update": _l("Member changed"),
    "member.retire": _l("Member retired"),
    "member.reinstate": _l("Member reinstated"),
    "account.create": _l("Account created"),
    "account.update": _l("Account changed"),
    "account.password": _l("Password changed"),
    "message.send": _l("Message to attendees sent"),
    "message.retry": _l("Failed deliveries of a message sent again"),
    "outbox.retry": _l("Failed mails sent again"),
    **QUESTION_ACTION_LABELS,
    **REMINDER_ACTION_LABELS,
    **SURVEY_ACTION_LABELS,
}

FIELD_LABELS = {
    **PERSON_FIELD_LABELS,
    "member_id": _l("Member city or region"),
    "language": _l("Language of our messages"),
    "consent_listing": _l("List of participants"),
    "checked_in_at": _l("Checked in"),
    "checked_in_by": _l("Checked in by"),
    "attended_hall": _l("Attended in the hall"),
    "attended_online": _l("Attended online"),
    "attendance_source": _l("Recorded by"),
    "participants_published": _l("Participant list"),
    "organizer_notice": _l("Notice of new registrations"),
    "name": _l("Name"),
    "role": _l("Role"),
    "active": _l("Active"),
    "password": _l("Password"),
    "messages": _l("Messages"),
    "title": _l("Title"),
    # A plenary's document (plenary.create, plenary.update), worded as its form's fields.
    "number": _l("Number"),
    "slug": _l("Address name (slug)"),
    "summary": _l("Summary"),
    "description": _l("Description (Markdown)"),
    "timezone": _l("Time zone"),
    "format": _l("Format"),
    "venue": _l("Venue"),
    "address": _l("Address"),
    "city": _l("City"),
    "online_url": _l("Online meeting link (private)"),
    "online_url_cn": _l("Online meeting link for mainland China (private)"),
    "contact_email": _l("Contact email"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "registration": _l("Registration"),
    "opens_at": _l("Registration opens"),
    "closes_at": _l("Registration closes"),
    "capacity_in_person": _l("Seats in person"),
    "capacity_online": _l("Places online"),
    "waitlist": _l("Waiting list when full"),
    "offer_hours": _l("Hours to accept an offered place"),
    "requires_approval": _l("Registrations need approval"),
    "venue.name": _l("Venue"),
    "agenda": _l("Agenda"),
    "kind": _l("Kind"),
    "duration_minutes": _l("Duration in minutes"),
    "speakers": _l("Speakers"),
    "document_title": _l("Document title"),
    "document_url": _l("Document address (URL)"),
}

#: Names that mean a person's name at the top of a document, and are not labelled inside one (a venue's "name").
TOP_LEVEL_ONLY = frozenset({"name", "status"})

#: The values of a field that are codes, by field (and, where the same name means another thing, object type).
VALUE_LABELS = {
    ("registration", "status"): REGISTRATION_STATUS_LABELS,
    ("plenary", "status"): STATUS_LABELS,
    ("outbox_message", "status"): {"pending": _l("Waiting"), "sent": _l("Sent"), "failed": _l("Failed")},
    ("plenary", "kind"): AGENDA_KIND_LABELS,
    ("announcement", "kind"): ANNOUNCEMENT_KIND_LABELS,
    (None, "attendance"): ATTENDANCE_LABELS,
    (None, "attendance_source"): ATTENDANCE_SOURCE_LABELS,
    (None, "format"): FORMAT_LABELS,
    (None, "role"): ROLE_LABELS,
    (None, "organizer_notice"): NOTICE_LABELS,
}

OBJECT_TYPE_LABELS = {
    "registration": _l("Registration"),
    "plenary": _l("Plenary"),
    "announcement": _l("Announcement"),
    "member": _l("Member"),
    "user": _l("Account"),
    "broadcast": _l("Message"),
    "outbox_message": _l("Mail"),
    "outbox": _l("Outbox"),
    "site": _l("Site"),
}

#: Every mail kind (templates/mail/<kind>.txt) has one; tests/test_admin_registrations.py checks.
MAIL_KIND_LABELS = {
    "plenary_reminder": _l("Reminder before the plenary"),
    "broadcast": _l("Message to attendees"),
    "organizer_digest": _l("Daily summary for the organizers"),
    "organizer_new_registration": _l("New registration, to the organizers"),
    "plenary_cancelled": _l("Plenary called off"),
    "plenary_updated": _l("Plenary changed"),
    "registration_received": _l("Registration received"),
    "registration_confirmed": _l("Registration confirmed"),
    "registration_approved": _l("Registration approved"),
    "registration_rejected": _l("Registration not accepted"),
    "registration_cancelled": _l("Registration cancelled"),
    "registration_cancelled_by_head": _l("Cancelled by the head of delegation"),
    "registration_updated": _l("Registration changed"),
    "registration_waitlisted": _l("On the waiting list"),
    "registration_waitlist_moved": _l("Moved up the waiting list"),
    "registration_offered": _l("Place offered"),
    "registration_offer_reminder": _l("Reminder of the offered place"),
    "registration_offer_lapsed": _l("Offered place lapsed"),
    "registration_promoted": _l("Place from the waiting list"),
    "registration_delegates_proposed": _l("Colleagues proposed"),
    "registration_link": _l("Personal link"),
    "registration_link_resent": _l("Personal link sent again"),
    "registration_email_confirm": _l("Confirm the new email address"),
    "registration_email_requested": _l("Change of email address requested"),
    "registration_email_changed": _l("Email address changed"),
    "registration_email_moved": _l("Email address changed (to the old address)"),
    "registration_erased": _l("Data erased"),
    "questions_follow_up": _l("Questions about the participation"),
    "visa_approved": _l("Visa letter issued"),
    "visa_correction": _l("Visa letter request: correction asked"),
    "visa_declined": _l("Visa letter declined"),
    "certificate_follow_up": _l("Thank-you with the certificate"),
    "follow_up_absent": _l("After the plenary, to those absent"),
}

CALENDAR_METHOD_LABELS = {
    "REQUEST": _l("with calendar invitation"),
    "CANCEL": _l("with calendar cancellation"),
}

#: Why a mail is not tried again; a superseded invitation did not fail, it was no longer needed.
FINAL_REASON_LABELS = {
    FinalReason.ERASED: _l("Not sent: the person's data was erased"),
    FinalReason.SUPERSEDED: _l("No longer needed: replaced by a newer invitation"),
    FinalReason.UNDELIVERABLE: _l("Cannot be delivered: no recipient"),
    FinalReason.REFUSED: _l("Refused for good by the mail server"),
    FinalReason.EXHAUSTED: _l("Given up after repeated failures"),
}

#: Final reasons that say all there is: the stored error text (English, technical) is not shown beside them.
SELF_EXPLAINING = frozenset({FinalReason.ERASED, FinalReason.SUPERSEDED, FinalReason.UNDELIVERABLE})

_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ITEM = re.compile(r"(\w+)\[(.*)\]")


def action_label(action: str) -> str:
    """An audit action in the organizer's language ("registration.checkin_undone" → "Check-in undone")."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str) -> str:
    """What kind of thing an entry is about ("registration" → "Anmeldung"), unknown ones as stored."""
    label = OBJECT_TYPE_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def _segment(part: str, inner: bool = False) -> str:
    if inner and part in TOP_LEVEL_ONLY:
        return part
    if part in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[part]
    item = _ITEM.fullmatch(part)
    if item:
        return f"{_segment(item.group(1))} “{item.group(2)}”"
    label = FIELD_LABELS.get(part)
    return str(label) if label is not None else part


def field_label(key: str) -> str:
    """A changed field's name; a path ("title.de") named part by part, unknown parts as stored."""
    label = FIELD_LABELS.get(key)
    if label is not None:
        return str(label)
    return " › ".join(_segment(part, inner=i > 0) for i, part in enumerate(key.split(".")))


def moment_text(moment: datetime, zone: str) -> str:
    """A moment as the back office shows times: date, time and the zone's name, in ``zone``."""
    z = zoned(moment, zone)
    return f"{gettext('%(date)s, %(time)s', date=z.date('short'), time=z.time())} {z.label}"


def _as_time(text: str, zone: str) -> str | None:
    if _ISO_MOMENT.fullmatch(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment_text(moment if moment.tzinfo else moment.replace(tzinfo=UTC), zone)
    if _ISO_DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return format_date(day, "medium", locale=get_locale())
    return None


def value_text(value: Any, key: str = "", object_type: str | None = None, zone: str = "Europe/Berlin") -> str:
    """A logged value as the organizer reads it: codes named, times in ``zone``, yes/no, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    field = key.rsplit(".", 1)[-1]
    if isinstance(value, str):
        labels = VALUE_LABELS.get((object_type, field)) or VALUE_LABELS.get((None, field)) or {}
        if value in labels:
            return str(labels[value])
        if field == "language" and value in LANGUAGE_NAMES:
            return LANGUAGE_NAMES[value]
        if field == "country":
            return dict(country_names(current_language())).get(value, value)
        return _as_time(value, zone) or value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def change_rows(changes: dict | None, object_type: str | None, zone: str) -> list[tuple[str, str, str]]:
    """An entry's changes as (field, before, after) texts; a value that is no [before, after] pair is the after."""
    rows = []
    for key, change in (changes or {}).items():
        before, after = change if isinstance(change, list) and len(change) == 2 else (None, change)
        if _document(before) and _document(after) and (before or after):
            # A whole block that came or went (a new plenary's "registration"): field by field, not as JSON.
            rows += change_rows(diff(before or {}, after or {}, key), object_type, zone)
            continue
        items = after if before is None else before if after is None else None
        if _items(items):
            # Agenda items that came or went with their plenary: each item field by field.
            for item in items:
                path = f"{key}[{_item_name(item)}]"
                rows += change_rows(diff({}, item, path) if after is items else diff(item, {}, path), object_type, zone)
            continue
        rows.append((field_label(key), value_text(before, key, object_type, zone),
                     value_text(after, key, object_type, zone)))  # fmt: skip
    return rows


def _document(value: Any) -> bool:
    return value is None or (isinstance(value, dict) and bool(value))


def _items(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, dict) and i.get("uid") for i in value)


def _item_name(item: dict) -> str:
    title = item.get("title")
    if isinstance(title, dict):
        title = title.get(current_language()) or title.get("de") or next(iter(title.values()), None)
    return str(title or item.get("uid"))[:60]


#: Summaries the services log in English that only restate the action (or its changes): not shown beside its label.
RESTATING = frozenset({
    "attendance changed by the head of delegation", "cancelled by the head of delegation", "details edited",
    "email address changed by the registrant", "email change requested by the registrant",
    "link resent at the head of delegation's request", "organizers' notice of new registrations",
    "participant list published", "participant list withdrawn",
})  # fmt: skip
_RETRIED_ONE = re.compile(r"([a-z_]+) #(\d+)")
_RETRIED_MANY = re.compile(r"(\d+) failed messages")


def summary_text(entry) -> str:
    """An entry's summary as shown: none where it restates the action, a mail's kind and a count in words."""
    summary = entry.summary or ""
    if summary in RESTATING or summary == f"#{entry.object_id}":
        return ""
    if entry.action == "outbox.retry":
        one, many = _RETRIED_ONE.fullmatch(summary), _RETRIED_MANY.fullmatch(summary)
        if one:
            return f"{mail_kind_label(one.group(1))} #{one.group(2)}"
        if many:
            return ngettext("%(num)s failed mail", "%(num)s failed mails", int(many.group(1)))
    return summary


def mail_kind_label(kind: str) -> str:
    """A mail's kind in the organizer's language ("registration_confirmed" → "Registration confirmed")."""
    label = MAIL_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


@bp.app_context_processor
def mail_labels() -> dict:
    """What the back office's mail tables (outbox, a message, a registration) use of this module."""
    return {
        "MAIL_KIND_LABELS": MAIL_KIND_LABELS, "CALENDAR_METHOD_LABELS": CALENDAR_METHOD_LABELS,
        "FINAL_REASON_LABELS": FINAL_REASON_LABELS, "SELF_EXPLAINING": SELF_EXPLAINING,
        "mail_kind_label": mail_kind_label, "object_label": object_label,
    }  # fmt: skip
