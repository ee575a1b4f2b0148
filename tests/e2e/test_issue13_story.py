"""Issue 13's story, as the participants live it: through a real SMTP server (aiosmtpd) and Debian's Chromium.

The demo's 11th plenary (hybrid, in Foshan), CSRF on. 王芳 (Wang Fang, Luoyang; online, Chinese) gets the
day-before reminder with her personal join link, opens it too early (the waiting page, in Chinese, in Beijing
time), then inside the window (redirected to the meeting, her attendance recorded). Jonas Becker (in the hall,
German) gets the reminder with the venue and his check-in QR code, and the door checks him in by the QR code's
URL on a phone. Thomas Schneider (online, German) never joins. After the plenary the follow-up writes to all
three: the two who came get the thank-you with their certificate (link and PDF), Thomas the message for those
who could not attend, with the documents of the day.

The browser pages run against the real clock (the plenary is moved to start two hours or twenty minutes from
now); the jobs run under time-machine at the reminder's due time and after the plenary. Screenshots of every
step go to $STORY_SHOTS (default: pytest's tmp_path).
"""

import os
import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, demo_app, log_in
from tests.e2e.server import serve
from tests.smtp_server import SMTPServer

pytestmark = pytest.mark.e2e

ORGANIZER = "story13@isa.example"
SLUG = "11th-plenary"
WANG = "wang.fang@luoyang.example"
THOMAS = "thomas.schneider@ingolstadt.example"
JONAS = "jonas.becker@story.example"
#: The plenary's meeting addresses must never reach a mail or a page; only the join link's redirect names one.
ADDRESSES = ("meet.isa-alliance.example", "meeting.tencent.example", "meeting=tencent")


@pytest.fixture(scope="module")
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def story(tmp_path_factory, smtp):
    """The demo, mail by SMTP to ``smtp``; Jonas Becker registered in the hall; everyone of the 11th plenary
    registered three weeks ago; a recording as its public document of the day. Yields (app, base URL)."""
    from plenary.db import utcnow
    from plenary.events.models import Plenary
    from plenary.extensions import db
    from plenary.followup.documents import DocumentInput, add_document
    from plenary.followup.models import DocumentKind, DocumentVisibility
    from plenary.registration import signup
    from plenary.registration.models import Registration
    from tests.conftest import person

    app = demo_app(tmp_path_factory.mktemp("story13"), accounts={ORGANIZER: "organizer"},
                   MAIL_SERVER=smtp.host, MAIL_PORT=smtp.port, MAIL_TIMEOUT=20,
                   OUTBOX_DELIVER_AFTER_REQUEST=False)  # fmt: skip
    with app.app_context():
        plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == SLUG))
        plenary.capacity_in_person = None
        db.session.commit()
        jonas = person(JONAS, first_name="Jonas", last_name="Becker", language="de", country="DE",
                       organisation="Stadt Ingolstadt", attendance="in_person")  # fmt: skip
        signup.register(plenary.id, jonas)
        db.session.commit()
        weeks_ago = utcnow() - timedelta(days=21)
        db.session.execute(sa.update(Registration).where(Registration.plenary_id == plenary.id)
                           .values(created_at=weeks_ago, confirmed_at=weeks_ago))  # fmt: skip
        add_document(plenary.id, DocumentInput(
            title={"de": "Aufzeichnung der Sitzung", "en": "Recording", "zh": "会议录像"},
            kind=DocumentKind.RECORDING, visibility=DocumentVisibility.PUBLIC,
            url="https://video.isa-alliance.example/plenary-11/recording"))  # fmt: skip
        db.session.commit()
        db.session.remove()
    with serve(app) as url:
        app.config["PUBLIC_URL"] = url  # links in mails lead to this server
        yield app, url


def _shots(tmp_path) -> Path:
    shots = Path(os.environ.get("STORY_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _registration(app, email: str):
    from plenary.extensions import db
    from plenary.registration.models import Registration

    with app.app_context():
        found = db.session.scalar(sa.select(Registration).where(Registration.email == email))
        db.session.expunge(found)
        db.session.remove()
    return found


def _move(app, starts_in: timedelta, meeting: str | None = None) -> None:
    """Let the 11th plenary start ``starts_in`` from now and last three hours (``meeting``: the China address)."""
    from plenary.db import utcnow
    from plenary.events.models import Plenary
    from plenary.extensions import db

    with app.app_context():
        plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == SLUG))
        start = utcnow().replace(microsecond=0) + starts_in
        plenary.starts_at, plenary.ends_at = start, start + timedelta(hours=3)
        if meeting:
            plenary.online_url_cn = meeting
        db.session.commit()
        db.session.remove()


def _run_jobs(app, names: tuple[str, ...], at) -> dict:
    import time_machine

    from plenary.extensions import db
    from plenary.jobs.catalog import JOBS
    from plenary.jobs.registry import run_due

    with time_machine.travel(at, tick=True), app.app_context():
        done = run_due([job for job in JOBS if job.name in names])
        db.session.remove()
    return done


def _mails(smtp: SMTPServer, address: str, subject_part: str) -> list[EmailMessage]:
    return [m for m in smtp.received_by(address) if subject_part in str(m["Subject"])]


def _text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def _local_path(url: str, base: str) -> str:
    """A link from a mail on this server (the path and query of ``url``)."""
    return base + "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_days_around_the_plenary(story, smtp, new_page, tmp_path):
    from plenary.attendance.models import AttendanceRecord
    from plenary.checkin.services import checkin_url
    from plenary.events.models import Plenary
    from plenary.extensions import db
    from plenary.reminders.models import PlenaryReminder
    from plenary.reminders.schedule import reminder_due_at

    app, base = story
    shots = _shots(tmp_path)
    wang, jonas, thomas = (_registration(app, email) for email in (WANG, JONAS, THOMAS))
    assert (wang.attendance, wang.country, wang.language) == ("online", "CN", "zh")

    # 1. The day before: the reminder, each in their language with what they need.
    _move(app, timedelta(hours=2))
    with app.app_context():
        plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == SLUG))
        day_before = db.session.scalar(sa.select(PlenaryReminder).where(
            PlenaryReminder.plenary_id == plenary.id, PlenaryReminder.days_before == 1))  # fmt: skip
        due = reminder_due_at(plenary, day_before)
        db.session.remove()
    done = _run_jobs(app, ("send-reminders", "outbox"), due + timedelta(minutes=1))
    assert done["send-reminders"] >= 3 and done["outbox"] >= 3
    [reminder] = _mails(smtp, WANG, "提醒")
    text, html = _text(reminder), _html(reminder)
    assert "北京时间" in text
    [join_link] = re.findall(r"https?://\S+/join/[A-Za-z0-9_-]+\?lang=zh", text)
    assert join_link in html.replace("&amp;", "&")
    assert not any(address in text + html for address in ADDRESSES)
    [in_person] = _mails(smtp, JONAS, "Erinnerung")
    text = _text(in_person)
    assert "/join/" not in text and "Veranstaltungsort" in text and "Beijing" in text
    assert any(part.get_content_type() == "image/png" for part in in_person.walk()), "the check-in QR code"
    assert not any(address in text + _html(in_person) for address in ADDRESSES)
    assert _mails(smtp, THOMAS, "Erinnerung"), "the other online delegate is reminded too"
    again = _run_jobs(app, ("send-reminders", "outbox"), due + timedelta(minutes=5))
    assert again["send-reminders"] == 0 and len(_mails(smtp, WANG, "提醒")) == 1, "once per person"

    # 2. Two hours early, on her phone: the waiting page, in Chinese, in Beijing time; no meeting yet.
    phone = new_page(viewport=PHONE, locale="zh-CN")
    phone.goto(_local_path(join_link, base))
    waiting = phone.inner_text("main")
    assert "北京时间" in waiting and "线上会议尚未开始" in waiting
    assert not any(address in phone.content() for address in ADDRESSES)
    phone.screenshot(path=str(shots / "01-waiting-zh-390.png"), full_page=True)

    # 3. Twenty minutes before the start: inside the window; redirected to the meeting (a local stand-in).
    meeting = f"{base}/plenaries/{SLUG}?meeting=tencent"
    _move(app, timedelta(minutes=20), meeting=meeting)
    phone.goto(_local_path(join_link, base))
    assert phone.url == meeting
    phone.screenshot(path=str(shots / "02-redirected-zh-390.png"))

    # 4. The door, on a phone in German: Jonas checked in through his QR code's URL.
    door = new_page(viewport=PHONE)
    log_in(door, base, ORGANIZER)
    with app.app_context():
        url = checkin_url(db.session.get(type(jonas), jonas.id))
        db.session.remove()
    door.goto(_local_path(url, base))
    expect(door.locator(".checkin-ready .checkin-name")).to_contain_text("Becker")
    with door.expect_navigation():
        door.locator(".checkin-confirm button").click()
    door.screenshot(path=str(shots / "03-door-de-390.png"))
    with app.app_context():
        records = {(r.registration_id, r.channel, r.source) for r in db.session.scalars(sa.select(AttendanceRecord))}
        db.session.remove()
    assert (wang.id, "online", "join_link") in records and (jonas.id, "hall", "door") in records
    assert not any(r[0] == thomas.id for r in records)

    # 5. After the plenary: the follow-up, once each; those who came with their certificate.
    with app.app_context():
        end = db.session.scalar(sa.select(Plenary.ends_at).where(Plenary.slug == SLUG))
        db.session.remove()
    after = end + timedelta(hours=app.config["FOLLOW_UP_HOURS"], minutes=5)
    done = _run_jobs(app, ("follow-up", "outbox"), after)
    assert done["follow-up"] >= 3
    for email, lang_word in ((WANG, "参会证明"), (JONAS, "Teilnahmebestätigung")):
        [thanks] = [m for m in smtp.received_by(email) if any(
            p.get_content_type() == "application/pdf" for p in m.walk())]  # fmt: skip
        text = _text(thanks)
        assert lang_word in text and "/verify/" in text, email
        assert "video.isa-alliance.example/plenary-11/recording" in text
    [sorry] = [m for m in smtp.received_by(THOMAS) if "video.isa-alliance.example" in _text(m)]
    assert not any(p.get_content_type() == "application/pdf" for p in sorry.walk())
    assert "/verify/" not in _text(sorry)
    assert _run_jobs(app, ("follow-up", "outbox"), after + timedelta(minutes=30))["follow-up"] == 0

    # 6. Her personal page afterwards, in Chinese: the certificate and the documents of the day.
    from plenary.registration.tokens import token_for

    with app.app_context():
        token = token_for(db.session.get(type(wang), wang.id))
        db.session.remove()
    phone.goto(f"{base}/registrations/{token}")
    content = phone.inner_text("main")
    assert "会议录像" in content
    phone.screenshot(path=str(shots / "04-personal-after-zh-390.png"), full_page=True)
