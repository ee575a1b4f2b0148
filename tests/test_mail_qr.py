"""The check-in QR code in confirmation messages: an inline PNG (multipart/related) in the HTML, the code in the text.

Delivered through a real SMTP server (aiosmtpd on loopback, tests/smtp_server.py) and parsed as a
mail client would.
"""

import email
import email.policy

import pytest
import sqlalchemy as sa

from plenary.checkin.services import checkin_code, checkin_url, qr_png_for_code
from plenary.extensions import db
from plenary.mail.delivery import deliver_due
from plenary.mail.models import OutboxMessage
from plenary.mail.outbox import CHECKIN_CODE_PLACEHOLDER, CHECKIN_START
from plenary.registration import changes, organizer, signup
from tests.conftest import person

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def app(smtp_app):
    """The app sending by SMTP to ``smtp`` (conftest)."""
    return smtp_app


def register(plenary, address, **overrides):
    """Register one person, commit, and return the registration."""
    registration = signup.register(plenary.id, person(address, **overrides)).created[0]
    db.session.commit()
    return registration


def received(smtp, address, subject_part=""):
    """The one message ``address`` received (whose subject contains ``subject_part``)."""
    [message] = [m for m in smtp.received_by(address) if subject_part in str(m["Subject"])]
    # Parsed again from bytes, as a mail client reads what it was sent.
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def qr_parts(message):
    """The image/png parts of a message."""
    return [part for part in message.walk() if part.get_content_type() == "image/png"]


def test_confirmation_carries_the_qr_code_inline_and_the_calendar_intact(app, open_plenary, smtp):
    plenary = open_plenary(capacity_in_person=5)
    registration = register(plenary, "li@example.cn", language="zh", first_name="雷", last_name="李")
    stored = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "registration_confirmed"))
    code = checkin_code(registration)
    # Stored: markers and placeholders only (the code and the image are made at delivery).
    assert CHECKIN_START in stored.body_html and "cid:checkin-qr" in stored.body_html
    assert CHECKIN_CODE_PLACEHOLDER in stored.body_text and code not in stored.body_text

    assert len(deliver_due().sent) == 2
    message = received(smtp, "li@example.cn")

    # multipart/mixed → [multipart/alternative → [text/plain, multipart/related → [text/html, image/png],
    # text/calendar; method=REQUEST], invite.ics (application/ics)]
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    plain, related, calendar_part = alternative.get_payload()
    assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html" and image.get_content_type() == "image/png"
    assert calendar_part.get_content_type() == "text/calendar" and calendar_part.get_param("method") == "REQUEST"
    # The copy is application/ics (CalConnect iMIP practice), so clients show one invitation, not two.
    assert attachment.get_filename() == "invite.ics" and attachment.get_content_type() == "application/ics"
    assert "METHOD:REQUEST" in attachment.get_payload(decode=True).decode()
    assert "BEGIN:VCALENDAR" in calendar_part.get_content()

    # The HTML refers to the image by its Content-ID; a mail client finds it.
    html = message.get_body(preferencelist=("html",)).get_content()
    content_id = image["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html and content_id.endswith("@plenary.example.org")
    assert image.get_content_disposition() == "inline"
    assert [p for p in message.walk() if p["Content-ID"] == f"<{content_id}>"] == [image]
    assert CHECKIN_START not in html and "<!--/checkin-->" not in html and CHECKIN_CODE_PLACEHOLDER not in html

    # A valid PNG that segno made from the registration's check-in code (not the personal token).
    png = image.get_payload(decode=True)
    assert png.startswith(PNG_SIGNATURE) and png == qr_png_for_code(checkin_url(registration))
    assert code.split("-")[0] == str(registration.id)

    # The text part shows the code with a line saying to show it at the entrance.
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert code in text and CHECKIN_CODE_PLACEHOLDER not in text and CHECKIN_START not in text


def test_english_text_says_to_show_the_code_at_the_entrance(app, open_plenary, smtp):
    plenary = open_plenary()
    registration = register(plenary, "anna@example.org", language="en")
    deliver_due()
    text = received(smtp, "anna@example.org").get_body(preferencelist=("plain",)).get_content()
    assert f"Your check-in code: {checkin_code(registration)}" in text
    assert "at the entrance" in text


def test_online_and_waitlisted_people_get_no_qr_code(app, open_plenary, smtp):
    plenary = open_plenary(capacity_in_person=1)
    register(plenary, "seat@example.org", language="en")
    register(plenary, "online@example.org", language="en", attendance="online")
    waiting = register(plenary, "waiting@example.org", language="en")
    assert waiting.status == "waitlisted"
    deliver_due()
    for address in ("online@example.org", "waiting@example.org"):
        message = received(smtp, address)
        assert qr_parts(message) == []
        html = message.get_body(preferencelist=("html",)).get_content()
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "cid:" not in html and "check-in code" not in text and CHECKIN_START not in html
    assert len(qr_parts(received(smtp, "seat@example.org"))) == 1


def test_promotion_and_approval_carry_the_qr_code(app, open_plenary, smtp):
    plenary = open_plenary(capacity_in_person=1)
    first = register(plenary, "first@example.org", language="en")
    waiting = register(plenary, "second@example.org", language="en")
    changes.cancel(first.id)
    db.session.commit()
    assert waiting.status == "confirmed"
    deliver_due()
    promoted = received(smtp, "second@example.org", "A place for you")
    [image] = qr_parts(promoted)
    assert image.get_payload(decode=True) == qr_png_for_code(checkin_url(waiting))


def test_approved_registration_gets_the_qr_code_pending_does_not(app, open_plenary, smtp):
    plenary = open_plenary(requires_approval=True)
    registration = register(plenary, "wait@example.org", language="de")
    organizer.approve(registration.id)
    db.session.commit()
    deliver_due()
    stored = {m.kind: m.id for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient == "wait@example.org"))}  # fmt: skip
    assert set(stored) == {"registration_received", "registration_approved"}
    by_id = {m["Message-ID"]: m for m in smtp.received_by("wait@example.org")}
    pending = by_id[f"<outbox-{stored['registration_received']}@plenary.example.org>"]
    approved = by_id[f"<outbox-{stored['registration_approved']}@plenary.example.org>"]
    assert qr_parts(pending) == []
    [image] = qr_parts(approved)
    assert image.get_payload(decode=True) == qr_png_for_code(checkin_url(registration))


def test_no_qr_code_once_the_registration_no_longer_admits(app, open_plenary, smtp):
    """Queued while confirmed, delivered after a switch to online: the block is dropped, no image."""
    plenary = open_plenary()
    registration = register(plenary, "late@example.org", language="en")
    registration.attendance = "online"  # as if switched before the message went out (no new message here)
    db.session.commit()
    deliver_due()
    message = received(smtp, "late@example.org")
    assert qr_parts(message) == []
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "cid:" not in html and CHECKIN_START not in html and checkin_code(registration) not in text
    assert "\n\n\n" not in text
    # The calendar invitation is still there.
    assert any(p.get_content_type() == "text/calendar" for p in message.walk())


def test_calendar_update_carries_the_qr_code_for_confirmed_in_person_people(app, open_plenary, smtp):
    from plenary.events.editing import save_plenary
    from plenary.events.exchange import export_plenary

    plenary = open_plenary(capacity_in_person=5)
    here = register(plenary, "here@example.org", language="en")
    register(plenary, "there@example.org", language="en", attendance="online")
    deliver_due()
    document = export_plenary(plenary, include_private=True)
    document["ends_at"] = "2031-10-15T13:30:00+02:00"  # half an hour longer
    save_plenary(document)
    db.session.commit()
    deliver_due()
    update = received(smtp, "here@example.org", "Changed")
    [image] = qr_parts(update)
    assert image.get_payload(decode=True) == qr_png_for_code(checkin_url(here))
    assert any(p.get_content_type() == "text/calendar" and p.get_param("method") == "REQUEST" for p in update.walk())
    assert qr_parts(received(smtp, "there@example.org", "Changed")) == []
