"""Mails read as a person reads them: the venue's address, the time range with both zones, the sender's name
in the message's language, and each instruction said once — every kind of message, in German and Chinese.

The messages are made by the real services (as in tests/test_mail_hostile.py) for a plenary whose venue
has hostile values, and read from the outbox as stored and as built for sending.
"""

import email
import email.policy
import re
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.broadcasts import services as broadcasts
from plenary.broadcasts.compose import Draft
from plenary.certificates.followup import follow_up as certificate_follow_up
from plenary.db import utcnow
from plenary.events.editing import save_plenary
from plenary.extensions import db
from plenary.jobs.catalog import JOBS
from plenary.jobs.registry import run_due
from plenary.mail.compose import build_message
from plenary.mail.models import OutboxMessage
from plenary.questions import follow_up as questions_follow_up
from plenary.questions.services import create_question
from plenary.registration import changes, delegation, email_change, notifications, offers, privacy, signup
from plenary.registration import organizer as organizer_actions
from plenary.registration.models import Registration
from plenary.reminders.schedule import reminder_due_at
from plenary.reminders.sending import remind
from plenary.reminders.services import reminders_of
from plenary.visa import review as visa_review
from tests import visa_helpers
from tests.conftest import open_registration, person, plenary_document
from tests.test_mail_hostile import Elements, forged_html, mail_kinds

VENUE = {
    "name": {"de": 'Rathaus <script>v()</script> & "Saal"', "zh": "市政厅<b onmouseover=x()>大厅</b>"},
    "address": {"de": '"><img src=x onerror=alert(1)> Marktplatz 1', "zh": "岭南大道北 <i>8</i> 号"},
    "city": {"de": "Köln <iframe src=https://evil.example/c>", "zh": "佛山 & 南海"},
}
#: The kinds only a head proposing delegates or organizers get (made elsewhere; not part of this reading).
NOT_READ_HERE = {"organizer_new_registration", "organizer_digest"}  # to the organizers, not a registrant
SENDER_NAMES = {"de": "ISA Plenarversammlung", "en": "ISA Plenary Assembly", "zh": "中德工业城市联盟全体大会"}


@pytest.fixture
def app(make_app):
    """The app (replacing conftest's) with a display name of the sender per language."""
    app = make_app(MAIL_SENDER_NAMES=SENDER_NAMES, MAIL_DEFAULT_SENDER="ISA <plenary@isa.example>", VISA_LETTERS=True,
                   VISA_KEY=visa_helpers.KEY)  # fmt: skip
    with app.app_context():
        yield app


def venue_document(**overrides) -> dict:
    """The test plenary (Berlin, 09:00–12:30 CEST) with the hostile venue."""
    return plenary_document(venue=VENUE, **overrides)


def every_kind(lang: str, make) -> list[OutboxMessage]:
    """Every kind of message to a person writing in ``lang``, made by the services; the outbox rows."""
    data = {"language": lang, "salutation": "ms", "name_zh": "张丽" if lang == "zh" else None}
    plenary = make(venue_document(registration=open_registration(capacity_in_person=1)))
    [anna] = signup.register(plenary.id, person("anna@example.org", **data)).created  # confirmed
    [wait] = signup.register(plenary.id, person("wait@example.org", **data)).created  # waitlisted
    db.session.commit()
    notifications.notify(anna, "registration_link")
    db.session.commit()
    signup.register(plenary.id, person("anna@example.org", **data), [person("neu@example.org", **data)])
    db.session.commit()
    changes.switch_attendance(anna.id, "online")  # updated; wait is promoted to the hall
    db.session.commit()
    changes.cancel(anna.id)
    db.session.commit()
    draft = Draft(subject={k: "Hinweis" for k in ("de", "en", "zh")}, body={k: "Text" for k in ("de", "en", "zh")},
                  markdown=False)  # fmt: skip
    broadcasts.send(plenary.id, draft, author="organizer@isa.example")
    db.session.commit()
    run_due(JOBS[:1])
    moved = venue_document(registration=open_registration(capacity_in_person=1), ends_at="2031-10-15T17:30:00+02:00")
    save_plenary(moved)
    db.session.commit()
    save_plenary({**moved, "status": "cancelled"})
    db.session.commit()

    second = make(venue_document(slug="second", number=43,
                                 registration=open_registration(capacity_in_person=1, requires_approval=True)))
    [head, ms, other] = signup.register(second.id, person("h@example.org", **data),
                                        [person("m@example.org", **data), person("o@example.org", **data)]).created
    db.session.commit()
    organizer_actions.approve(head.id)
    db.session.commit()
    organizer_actions.reject(ms.id)
    db.session.commit()
    delegation.resend_colleague_link(head.id, other.id)
    db.session.commit()
    delegation.cancel_colleague(head.id, other.id)
    db.session.commit()
    email_change.request_change(head.id, "h2@example.org")
    db.session.commit()
    confirm = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "registration_email_confirm",
                                                               OutboxMessage.language == lang))  # fmt: skip
    email_change.confirm_change(re.search(r"/registrations/email/([^\s?]+)", confirm.body_text).group(1))
    db.session.commit()

    # Offers with a deadline: offered, reminded, lapsed; the next one moves up the waiting list.
    offering = make(venue_document(slug="offers", number=45,
                                   registration=open_registration(capacity_in_person=1, offer_hours=72)))  # fmt: skip
    seated, offered, *_waiting = signup.register(
        offering.id, person("s@example.org", **data),
        [person(f"w{i}@example.org", **data) for i in range(4)]).created  # fmt: skip
    db.session.commit()
    changes.cancel(seated.id)  # the seat is offered to the first waiting; the others move up
    db.session.commit()
    deadline = db.session.get(Registration, offered.id).offer_expires_at
    offers.remind(offered.id, deadline - timedelta(hours=1))
    db.session.commit()
    offers.lapse(offered.id, deadline + timedelta(minutes=1))
    db.session.commit()

    # Issue 12: follow-up questions, visa letters (sent back, declined, approved), the certificate's thank-you
    # (and, issue 13, the message to those confirmed who did not come).
    papers = make(venue_document(slug="papers", number=46, registration=open_registration(capacity_in_person=10)))
    create_question(papers, {"kind": "short_text", "required": True, "label": {"de": "Flug", "en": "Flight",
                    "zh": "航班"}, "help": {}, "ask_head": True, "ask_delegates": True, "attendance": None,
                    "condition": None, "follow_up": True, "choices": []})  # fmt: skip
    db.session.commit()
    visa_helpers.offering(papers)
    asking = [signup.register(papers.id, person(f"v{n}@example.org", **data | {"country": "CN"})).created[0]
              for n in range(3)]  # fmt: skip
    db.session.commit()
    questions_follow_up.ask_confirmed(utcnow())
    visas = [visa_helpers.request_letter(registration) for registration in asking]
    visa_review.ask_correction(visas[0], "Bitte den Geburtsort prüfen.")
    visa_review.decline(visas[1], "Kein Aufenthalt.")
    visa_review.approve(visas[2])
    db.session.commit()
    attendance.record_arrival(asking[2], AttendanceChannel.HALL, AttendanceSource.DOOR, by="door@isa.example")
    db.session.commit()
    certificate_follow_up(asking[2], papers.ends_at + timedelta(hours=13))
    certificate_follow_up(asking[0], papers.ends_at + timedelta(hours=13))  # confirmed, not there: follow_up_absent
    db.session.commit()

    # Issue 13: the reminder before a plenary (the default texts), to someone in the hall.
    reminding = make(venue_document(slug="reminding", number=47, registration=open_registration()))
    [reminded] = signup.register(reminding.id, person("r@example.org", **data)).created
    db.session.commit()
    reminder = reminders_of(reminding.id)[0]
    remind(reminding.id, reminder.id, reminded.id, reminder_due_at(reminding, reminder) + timedelta(minutes=5))
    db.session.commit()

    third = make(venue_document(slug="third", number=44, registration=open_registration()))
    [gone] = signup.register(third.id, person("gone@example.org", **data)).created
    db.session.commit()
    privacy.erase(gone.id)
    db.session.commit()
    query = sa.select(OutboxMessage).where(OutboxMessage.recipient.is_not(None), OutboxMessage.language == lang)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


@pytest.fixture
def outbox(app):
    """Factory: every kind of message in ``lang``."""

    def make_plenary(document):
        plenary = save_plenary(document).plenary
        db.session.commit()
        return plenary

    return lambda lang: every_kind(lang, make_plenary)


#: The time range as the reader reads it (the plenary moves to end at 17:30 before its last messages).
WHEN = {
    "de": re.compile(r"Mittwoch, 15\. Oktober 2031, 09:00–(12|17):30 MESZ(?: · |\n)?15:00–(18|23):30 Beijing"),
    "zh": re.compile(r"2031年10月15日星期三 09:00–(12|17):30 柏林夏令时(?: · |\n)?15:00–(18|23):30 北京时间"),
}
IN_PERSON = {"de": "Teilnahme: Vor Ort", "zh": "参会方式：线下"}


def parts(message: OutboxMessage) -> tuple[str, str]:
    """The text part and the HTML part's text of ``message`` as it goes out (personal values filled in)."""
    built = email.message_from_bytes(build_message(message).email.as_bytes(), policy=email.policy.default)
    text = built.get_body(preferencelist=("plain",)).get_content()
    return text, "\n".join(Elements(built.get_body(preferencelist=("html",)).get_content()).data)


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (split after . ! ? : and their Chinese forms, and at line ends), normalised.

    Labels and names ("Plenarversammlung", "42. Plenarversammlung") are not sentences: only what is longer
    than 30 bytes in UTF-8 (some five German words, ten Chinese characters) counts.
    """
    found = (" ".join(s.split()) for s in re.split(r"(?<=[.!?:。！？：])\s+|\n", text))
    return [s for s in found if len(s.encode("utf-8")) > 30]


@pytest.mark.parametrize("lang", ["de", "zh"])
def test_every_kind_carries_the_time_range_venue_and_sender_name(outbox, lang):
    messages = [m for m in outbox(lang) if m.kind not in NOT_READ_HERE]
    assert {m.kind for m in messages} == mail_kinds() - NOT_READ_HERE
    venue = {key: VENUE[key][lang] for key in VENUE}
    in_person = 0
    for message in messages:
        text, html_text = parts(message)
        where = f"{message.kind} ({lang})"
        for body in (text, html_text.replace("\n", "")):  # the HTML's text without its element breaks
            assert WHEN[lang].search(body), f"{where}: no time range with both zones"
        assert forged_html(message.body_html) == [], where
        if IN_PERSON[lang] in text:
            in_person += 1
            for value in venue.values():
                assert value in text, f"{where}: {value!r} missing from the text part"
                assert value in html_text, f"{where}: {value!r} not shown as text in the HTML"
                assert value not in message.body_html, f"{where}: {value!r} unescaped in the HTML source"
        sender = email.message_from_bytes(build_message(message).email.as_bytes(), policy=email.policy.default)
        assert sender["From"].addresses[0].display_name == SENDER_NAMES[lang], where
        assert sender["From"].addresses[0].addr_spec == "plenary@isa.example", where
    assert in_person >= 8  # most kinds go to someone in the hall


@pytest.mark.parametrize("lang", ["de", "zh"])
def test_every_kind_says_each_thing_once(outbox, lang):
    for message in outbox(lang):
        for part, body in zip(("text", "html"), parts(message), strict=True):
            repeated = [s for s, n in Counter(sentences(body)).items() if n > 1]
            assert repeated == [], f"{message.kind} ({lang}, {part}): said twice: {repeated}"
        if message.kind == "registration_confirmed":
            # In the hall: the check-in block says what to show at the entrance; no second instruction.
            text, _ = parts(message)
            assert "Empfang" not in text and "签到处" not in text


def test_a_language_without_a_sender_name_keeps_the_default_senders(app, make_plenary):
    from plenary.mail.compose import sender_name

    app.config["MAIL_SENDER_NAMES"] = {"de": "  ", "zh": "联盟\r\nBcc: x@evil.example"}
    assert sender_name("de") is None and sender_name("en") is None
    plenary = make_plenary(registration=open_registration())
    signup.register(plenary.id, person("li@example.org", language="zh"))
    signup.register(plenary.id, person("anna@example.org"))
    db.session.commit()
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == "registration_confirmed")
    froms = {}
    for message in db.session.scalars(query):
        parsed = email.message_from_bytes(build_message(message).email.as_bytes(), policy=email.policy.default)
        assert "Bcc" not in parsed  # the line break made no header of its own
        froms[message.language] = parsed["From"]
    assert froms["de"].addresses[0].display_name == "ISA"  # MAIL_DEFAULT_SENDER's
    assert froms["zh"].addresses[0].display_name == "联盟 Bcc: x@evil.example"  # one line, the header's text


def test_a_time_range_names_another_day_where_a_zone_is_on_one(plain_app):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from plenary.formatting import time_ranges

    starts, ends = datetime(2031, 11, 14, 22, 0, tzinfo=UTC), datetime(2031, 11, 15, 0, 30, tzinfo=UTC)
    with force_locale("en_GB"):
        home, partner = map(str, time_ranges(starts, ends, "Asia/Shanghai"))
    assert home == "Saturday, 15 November 2031, 06:00–08:30 Beijing"
    assert partner == "14 Nov 2031, 23:00–15 Nov 2031, 01:30 CET"  # Berlin: the evening before, past midnight
