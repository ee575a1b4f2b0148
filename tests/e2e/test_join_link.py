"""A join link in a real browser (Chromium): a delegate in China opens hers two hours early and sees the waiting
page in Chinese with Beijing time; inside the window the same link records her and takes her to the meeting
(a local page standing in for Tencent Meeting)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import PHONE, demo_app
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def join_app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("join"), OUTBOX_DELIVER_AFTER_REQUEST=False)


@pytest.fixture(scope="module")
def join_site(join_app):
    with serve(join_app) as url:
        yield url


def _move_plenary(app, starts_in: timedelta, meeting: str | None = None):
    """Start the 11th plenary ``starts_in`` from now (real time: the server runs in its own thread)."""
    from plenary.db import utcnow
    from plenary.events.models import Plenary
    from plenary.extensions import db

    with app.app_context():
        plenary = db.session.scalar(sa.select(Plenary).where(Plenary.number == 11))
        start = utcnow().replace(microsecond=0) + starts_in
        plenary.starts_at, plenary.ends_at = start, start + timedelta(hours=3)
        if meeting:
            plenary.online_url_cn = meeting
        db.session.commit()
        db.session.remove()


def _wang(app):
    from plenary.extensions import db
    from plenary.join.tokens import join_token_for
    from plenary.registration.models import Registration

    with app.app_context():
        wang = db.session.scalar(sa.select(Registration).where(Registration.email == "wang.fang@luoyang.example"))
        token = join_token_for(wang)
        db.session.remove()
    return wang.id, token


def test_the_personal_page_shows_the_join_link(join_app, join_site, new_page, tmp_path):
    from plenary.extensions import db
    from plenary.registration.models import Registration
    from plenary.registration.tokens import token_for

    _move_plenary(join_app, timedelta(days=3))
    _registration_id, token = _wang(join_app)
    with join_app.app_context():
        personal = token_for(db.session.scalar(sa.select(Registration).where(
            Registration.email == "wang.fang@luoyang.example")))  # fmt: skip
        db.session.remove()
    page = new_page(viewport=PHONE, locale="zh-CN")
    page.goto(f"{join_site}/registrations/{personal}")
    link = page.locator(".join-link a.btn")
    assert link.get_attribute("href").endswith(f"/join/{token}?lang=zh")
    assert "北京时间" in page.inner_text(".join-link") and "tencent" not in page.content()
    page.screenshot(path=str(tmp_path / "personal-zh-390.png"), full_page=True)


def test_early_then_inside_the_window(join_app, join_site, new_page, tmp_path):
    from plenary.attendance.models import AttendanceRecord
    from plenary.extensions import db

    registration_id, token = _wang(join_app)
    _move_plenary(join_app, timedelta(hours=2))
    for viewport, locale, lang in ((None, "zh-CN", None), (PHONE, "zh-CN", None), (PHONE, "de-DE", "de")):
        page = new_page(viewport=viewport, locale=locale)
        page.goto(f"{join_site}/join/{token}" + (f"?lang={lang}" if lang else ""))
        text = page.inner_text("main")
        if lang is None:  # her language, whatever the browser asks for
            assert page.locator("html").get_attribute("lang") == "zh-Hans"
            assert "北京时间" in text and "线上会议尚未开始" in text
        else:
            assert "Die Online-Sitzung ist noch nicht geöffnet" in text and "Beijing" in text
        assert "tencent" not in page.content() and "meet.isa-alliance" not in page.content()
        assert page.locator("a[href$='/invite.ics']").count() == 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= (viewport or {"width": 1366})["width"]
        page.screenshot(
            path=str(tmp_path / f"waiting-{lang or 'zh'}-{(viewport or {}).get('width', 1366)}.png"), full_page=True
        )
    with join_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceRecord).where(
            AttendanceRecord.registration_id == registration_id)) == 0  # fmt: skip
        db.session.remove()

    # 20 minutes before the start: inside the window. The meeting is a local page here.
    meeting = f"{join_site}/plenaries/11th-plenary?meeting=tencent"
    _move_plenary(join_app, timedelta(minutes=20), meeting=meeting)
    page = new_page(locale="zh-CN")
    page.goto(f"{join_site}/join/{token}")
    assert page.url == meeting
    with join_app.app_context():
        [record] = db.session.scalars(sa.select(AttendanceRecord).where(
            AttendanceRecord.registration_id == registration_id)).all()  # fmt: skip
        assert (record.channel, record.source) == ("online", "join_link")
        db.session.remove()


def test_the_countdown_counts_days_when_the_plenary_is_weeks_away(join_app, join_site, new_page):
    """Weeks ahead the waiting page says "in 59 days" in the reader's language (the page's words, not the script's);
    under a day it counts h:mm:ss."""
    _registration_id, token = _wang(join_app)
    _move_plenary(join_app, timedelta(days=59, hours=5))
    for lang, words in (("zh", "59 天后开放"), ("de", "Öffnet in 59 Tagen"), ("en", "Opens in 59 days")):
        page = new_page(locale="de-DE")
        page.goto(f"{join_site}/join/{token}?lang={lang}")
        countdown = page.locator(".join-countdown")
        countdown.filter(has_text=words).wait_for()
        assert ":" not in countdown.inner_text()
    _move_plenary(join_app, timedelta(days=1, hours=12))
    page = new_page(locale="de-DE")
    page.goto(f"{join_site}/join/{token}?lang=de")
    page.locator(".join-countdown").filter(has_text="Öffnet in 1 Tag").wait_for()
    assert "Tagen" not in page.inner_text(".join-countdown")
    _move_plenary(join_app, timedelta(hours=5))
    page = new_page(locale="de-DE")
    page.goto(f"{join_site}/join/{token}?lang=de")
    page.locator(".join-countdown").filter(has_text=":").wait_for()
    assert re.fullmatch(r"Öffnet in 4:\d\d:\d\d", page.inner_text(".join-countdown").strip())
