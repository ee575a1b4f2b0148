"""The issue's whole story in a real browser and through a real SMTP server.

A delegate registers for the demo's 11th plenary in Chinese while the mail server is down,
the message waits in the outbox and arrives once the server is back, in Chinese, with a
working personal link; she cancels there, and the first person on the waiting list is
promoted and told, in their own language.
"""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, demo_app
from tests.e2e.server import serve
from tests.smtp_server import SMTPServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mail_server():
    """A real SMTP server on loopback, *not yet started*: the flow begins in an outage."""
    server = SMTPServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def flow_app(tmp_path_factory, mail_server):
    """The demo on its own database, its 11th plenary in Foshan with a single seat left (the demo's attendees hold
    the others)."""

    from plenary.events.models import Plenary
    from plenary.extensions import db
    from plenary.registration.models import Registration

    app = demo_app(tmp_path_factory.mktemp("flow"), MAIL_SERVER=mail_server.host, MAIL_PORT=mail_server.port,
                   MAIL_TIMEOUT=2)  # fmt: skip
    with app.app_context():
        eleventh = db.session.scalar(sa.select(Plenary.id).where(Plenary.number == 11))
        taken = db.session.scalar(sa.select(sa.func.count()).where(
            Registration.plenary_id == eleventh, Registration.attendance == "in_person", Registration.holds_seat))
        db.session.execute(sa.update(Plenary).where(Plenary.id == eleventh).values(capacity_in_person=taken + 1))
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def flow_site(flow_app):
    with serve(flow_app) as url:
        yield url


def _register(page, url: str, lang: str, first: str, last: str, email: str) -> None:
    page.goto(f"{url}/plenaries/11th-plenary?lang={lang}")
    page.locator("a.register-button").click()
    page.fill("#first_name", first)
    page.fill("#last_name", last)
    page.fill("#organisation", "佛山市人民政府" if lang == "zh" else "Stadt Köln")
    page.fill("#email", email)
    page.check('input[name="attendance"][value="in_person"]')  # they want the hall, full or not
    page.check(f"#language-{['de', 'en', 'zh'].index(lang)}")
    page.check("#consent_privacy")
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(r"/register/sent$"))


def _deliver_due(app, later: bool = False) -> None:
    from plenary.db import utcnow
    from plenary.mail.delivery import deliver_due

    with app.app_context():
        deliver_due(now=utcnow() + (timedelta(hours=1) if later else timedelta()))


def _wait_for(read, done, seconds: float = 15.0):
    """Poll ``read()`` until ``done(value)``; return the value (fails after ``seconds``)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"still not done after {seconds} s: {value}"
        time.sleep(0.05)


def _outbox(app) -> list[tuple[str, str, int]]:
    from plenary.extensions import db
    from plenary.mail.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(
            sa.select(OutboxMessage.kind, OutboxMessage.status, OutboxMessage.attempts).order_by(OutboxMessage.id)
        ).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def test_register_in_chinese_survive_an_outage_cancel_and_promote(flow_app, flow_site, mail_server, new_page):
    # 1. The SMTP server is down. A Chinese delegate registers on a phone, in Chinese.
    zhang = new_page(viewport=PHONE, locale="zh-CN")
    _register(zhang, flow_site, "zh", "伟", "张", "zhang.wei@example.cn")
    expect(zhang.locator("h1")).to_have_text("请查收电子邮件")
    # A German delegate registers too; the only seat is taken, so she is waitlisted.
    anna = new_page(locale="de-DE")
    _register(anna, flow_site, "de", "Anna", "Schmidt", "anna.schmidt@example.org")

    # Nothing was lost: every message waits in the outbox after its failed first attempt
    # (made right after each response, in the server's thread: wait for it, boundedly).
    waiting = _wait_for(lambda: _outbox(flow_app), lambda rows: len(rows) == 4 and all(r[2] == 1 for r in rows))
    assert [(kind, status) for kind, status, _ in waiting] == [
        ("registration_confirmed", "pending"), ("organizer_new_registration", "pending"),
        ("registration_waitlisted", "pending"), ("organizer_new_registration", "pending"),
    ]  # fmt: skip
    assert all(attempts == 1 for _, _, attempts in waiting)
    assert mail_server.received == []

    # 2. The server comes back; the worker's next round (after the backoff) delivers everything once.
    mail_server.start()
    _deliver_due(flow_app, later=True)
    assert [status for _, status, _ in _outbox(flow_app)] == ["sent"] * 4
    (message,) = mail_server.received_by("zhang.wei@example.cn")
    assert message["Subject"] == "报名已确认：中德工业城市联盟第十一届全体大会"
    text = message.get_body(("plain",)).get_content()
    assert "尊敬的张伟：" in text
    # The plenary's date and time, in Beijing and in Berlin (computed from the stored instant).
    from babel.dates import format_date

    from plenary.events.models import Plenary
    from plenary.extensions import db

    with flow_app.app_context():
        starts = db.session.scalar(sa.select(Plenary.starts_at).where(Plenary.number == 11))
        db.session.remove()
    beijing, berlin = starts.astimezone(ZoneInfo("Asia/Shanghai")), starts.astimezone(ZoneInfo("Europe/Berlin"))
    date = format_date(beijing, "full", locale="zh_Hans_CN")
    assert re.search(rf"{date} {beijing:%H:%M}–\d\d:\d\d 北京时间", text), text  # the range, start to end
    assert re.search(rf"{berlin:%H:%M}–\d\d:\d\d 柏林", text), text
    link = re.search(r"https?://\S+/registrations/\S+", text).group(0)
    assert link.startswith("http://127.0.0.1:5000/registrations/")  # PUBLIC_URL, never the Host header
    (anna_waitlisted,) = mail_server.received_by("anna.schmidt@example.org")
    assert "Warteliste" in anna_waitlisted["Subject"]

    # 3. The link works (on the test server's address): the personal page, in Chinese.
    zhang.goto(flow_site + link.split("127.0.0.1:5000", 1)[1])
    expect(zhang.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(zhang.locator(".status-badge")).to_have_text("已确认")

    # 4. She cancels (the page asks first).
    zhang.get_by_role("link", name="取消报名").click()
    expect(zhang.locator("h1")).to_contain_text("取消")
    zhang.locator("form button[type=submit]").click()
    expect(zhang.locator(".status-badge")).to_have_text("已取消")

    # 5. The seat goes to the waiting list: Anna is promoted and told, in German (delivered right after
    #    the cancellation's response).
    _wait_for(lambda: _outbox(flow_app), lambda rows: all(status == "sent" for _, status, _ in rows))
    cancelled = mail_server.received_by("zhang.wei@example.cn")[-1]
    assert cancelled["Subject"].startswith("报名已取消")
    promoted = mail_server.received_by("anna.schmidt@example.org")[-1]
    assert promoted["Subject"].startswith("Ein Platz für Sie")
    anna_link = re.search(r"https?://\S+/registrations/\S+", promoted.get_body(("plain",)).get_content()).group(0)
    anna.goto(flow_site + anna_link.split("127.0.0.1:5000", 1)[1])
    expect(anna.locator(".status-badge")).to_have_text("Bestätigt")
    # Every message went out exactly once.
    counts = mail_server.recipient_counts()
    assert counts["zhang.wei@example.cn"] == 2 and counts["anna.schmidt@example.org"] == 2
