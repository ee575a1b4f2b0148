"""The back office names what its logs store as codes: audit actions, fields, values, times, mail kinds, reasons.

The expected words are taken from the catalogue of each language (``_said``), so these tests hold before and
after the translations of new labels are filled in; words that are translated already are also checked literally.
"""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, lazy_gettext

from plenary.admin import audit_labels
from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.audit.services import record
from plenary.checkin.services import undo_check_in
from plenary.extensions import db
from plenary.labels import ATTENDANCE_LABELS, REGISTRATION_STATUS_LABELS
from plenary.mail.models import FinalReason, OutboxMessage
from plenary.registration import changes, email_change, signup
from tests.conftest import login, person

#: Stored codes and machine times that must not reach the page's text.
RAW = ("registration.", "checkin_undone", "email_change_requested", "registration_confirmed", "REQUEST", "CANCEL",
       "superseded by", "in_person", "confirmed →", "checked_in_at")  # fmt: skip
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _text(html: str) -> str:
    """The page's visible text (no tags, no attributes)."""
    body = html.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def _said(app, lang: str, label) -> str:
    with app.test_request_context(), force_locale(lang):
        return str(label)


@pytest.fixture
def story(app, open_plenary):
    """A registration that went through a check-in undone, an email change request, two moves and a cancellation."""
    plenary = open_plenary(capacity_in_person=10)
    registration = signup.register(plenary.id, person("anna@example.org")).created[0]
    db.session.commit()
    arrived = datetime(2031, 10, 15, 7, 30, tzinfo=UTC)
    attendance.record_arrival(registration, AttendanceChannel.HALL, AttendanceSource.DOOR, by="door", at=arrived)
    db.session.commit()
    undo_check_in(plenary.id, registration.id)
    db.session.commit()
    email_change.request_change(registration.id, "anna.neu@example.org")
    db.session.commit()
    changes.switch_attendance(registration.id, "online")
    db.session.commit()
    changes.switch_attendance(registration.id, "in_person")  # the first change's mail is no longer needed
    db.session.commit()
    changes.cancel(registration.id)
    db.session.commit()
    return registration


def _assert_named(app, text: str, lang: str) -> None:
    for code in RAW:
        assert code not in text, (code, text[max(text.find(code) - 200, 0) : text.find(code) + 100])
    found = ISO.search(text)
    assert not found, text[max(found.start() - 300, 0) : found.end() + 100] if found else ""
    for label in (audit_labels.ACTION_LABELS["registration.checkin_undone"],
                  audit_labels.ACTION_LABELS["registration.email_change_requested"],
                  audit_labels.FIELD_LABELS["checked_in_at"], REGISTRATION_STATUS_LABELS["confirmed"],
                  ATTENDANCE_LABELS["in_person"], ATTENDANCE_LABELS["online"]):  # fmt: skip
        assert _said(app, lang, label) in text, label


@pytest.mark.parametrize("lang", ["de", "zh", "en"])
def test_a_registrations_history_and_mails_are_named_in_the_organizers_language(app, accounts, story, lang):
    client = app.test_client()
    login(client, "organizer@isa.example")
    text = _text(client.get(f"/admin/registrations/{story.id}?lang={lang}").get_data(as_text=True))
    _assert_named(app, text, lang)
    # The check-in's time as the plenary's times read (Berlin in summer: 09:30 CEST), the zone named.
    if lang != "en":
        assert "09:30 " + _said(app, lang, lazy_gettext("CEST")) in text
    assert _said(app, lang, audit_labels.MAIL_KIND_LABELS["registration_confirmed"]) in text
    assert _said(app, lang, audit_labels.CALENDAR_METHOD_LABELS["REQUEST"]) in text
    # The first invitation was still queued when the move sent a newer one: not needed, not a failure.
    assert _said(app, lang, audit_labels.FINAL_REASON_LABELS[FinalReason.SUPERSEDED]) in text
    if lang == "de":
        assert "Bestätigt → Storniert" in text and "Vor Ort → Online" in text


@pytest.mark.parametrize("lang", ["de", "zh"])
def test_the_audit_log_names_actions_fields_values_and_objects(app, accounts, story, lang):
    client = app.test_client()
    login(client, "admin@isa.example")
    text = _text(client.get(f"/admin/audit?lang={lang}").get_data(as_text=True))
    _assert_named(app, text, lang)
    assert _said(app, lang, audit_labels.OBJECT_TYPE_LABELS["registration"]) in text
    assert "email change requested by the registrant" not in text  # the English summary only restated the action


@pytest.mark.parametrize("lang", ["en", "de", "zh"])
def test_the_outbox_says_a_superseded_invitation_was_not_needed(app, accounts, story, lang):
    superseded = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.final_reason == "superseded"))
    assert superseded is not None and superseded.status == "failed"
    client = app.test_client()
    login(client, "admin@isa.example")
    text = _text(client.get(f"/admin/outbox?lang={lang}").get_data(as_text=True))
    for label in (audit_labels.FINAL_REASON_LABELS[FinalReason.SUPERSEDED],
                  audit_labels.CALENDAR_METHOD_LABELS["REQUEST"],
                  audit_labels.MAIL_KIND_LABELS["registration_confirmed"]):  # fmt: skip
        assert _said(app, lang, label) in text
    assert "superseded by a newer invitation" not in text and "registration_confirmed" not in text
    assert "REQUEST" not in text and "CANCEL" not in text
    if lang == "en":
        assert "Not needed No longer needed: replaced by a newer invitation" in text
        assert "Registration confirmed with calendar invitation" in text


def test_unknown_codes_fall_back_to_what_is_stored_and_values_are_escaped(app, accounts):
    with app.test_request_context(), force_locale("de"):
        assert audit_labels.action_label("site.test") == "site.test"
        assert audit_labels.mail_kind_label("something_new") == "something_new"
        assert audit_labels.field_label("title.de") == "Titel › Deutsch"
        assert audit_labels.value_text(True) == "Ja" and audit_labels.value_text(None) == "—"
        assert audit_labels.value_text("2031-10-15T07:30:00+00:00", zone="Asia/Shanghai") == "15.10.31, 15:30 Beijing"
        retried = record("outbox.retry", None, object_type="outbox_message", summary="registration_link #7")
        assert audit_labels.summary_text(retried) == f"{audit_labels.mail_kind_label('registration_link')} #7"
        db.session.rollback()
    record("site.test", None, changes={"note": ["<b>alt</b>", "2031-10-15"]})
    db.session.commit()
    client = app.test_client()
    login(client, "admin@isa.example")
    html = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "&lt;b&gt;alt&lt;/b&gt;" in html and "<b>alt" not in html and "15 Oct 2031" in html
