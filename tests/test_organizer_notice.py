"""The organizers' notice of new registrations: one per submission, back-office links, the daily digest."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from plenary.events.models import OrganizerNotice, Plenary
from plenary.extensions import db
from plenary.jobs.catalog import organizer_digests
from plenary.mail.models import OutboxMessage
from plenary.registration import digest, privacy, signup
from tests.conftest import login, person

CONTACT = "plenary@example.org"
#: Day 1 of the tests' calendar: tomorrow (registration is open from yesterday for 30 days).
DAY_ZERO = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant (UTC) ``day`` days after today, at ``hour``:``minute``."""
    return DAY_ZERO + timedelta(days=day, hours=hour, minutes=minute)


def local(day: int, hour: int, minute: int = 0, zone: str = "Europe/Berlin") -> datetime:
    """The instant (UTC) when the clock in ``zone`` shows ``hour``:``minute``, ``day`` days after today."""
    date = (DAY_ZERO + timedelta(days=day)).date()
    return datetime(date.year, date.month, date.day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _notices(kind="organizer_new_registration") -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
                                   .order_by(OutboxMessage.id)))  # fmt: skip


def _delegate(email, first, last, **extra) -> dict:
    return {"first_name": first, "last_name": last, "email": email, "attendance": "in_person", "language": "de",
            **extra}  # fmt: skip


def test_a_delegation_of_three_makes_one_notice_listing_each_once_with_links(app, open_plenary):
    app.config["PUBLIC_URL"] = "https://plenary.example.net"
    plenary = open_plenary(capacity_in_person=10)
    head = person("head@example.org", first_name="Hanna", last_name="Adler", name_zh="韩娜")
    delegates = [_delegate("d1@example.org", "Dieter", "Berg"), _delegate("d2@example.org", "Doris", "Clemens")]
    result = signup.register(plenary.id, head, delegates)
    db.session.commit()
    [notice] = _notices()
    assert notice.recipient == CONTACT and notice.language == "de"
    for r in result.created:
        assert f"https://plenary.example.net/admin/registrations/{r.id}" in notice.body_html
        assert f"https://plenary.example.net/admin/registrations/{r.id}" in notice.body_text
    assert "flask --app" not in notice.body_text and "flask --app" not in notice.body_html
    assert "https://plenary.example.net/admin/plenaries/test-plenary/registrations" in notice.body_text
    assert notice.body_text.count("Dieter Berg") == 1 and notice.body_text.count("韩娜") == 1
    assert "Sino-German Industrial Cities Alliance" in notice.body_html or "Industriestädteallianz" in notice.body_html


def test_hostile_values_are_text_in_the_notice(open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    evil = '"><img src=x onerror=alert(1)>'
    signup.register(plenary.id, person("head@example.org", first_name="<script>x</script>", organisation=evil,
                                       last_name="\u202eRTL" + "x" * 90))  # fmt: skip
    db.session.commit()
    [notice] = _notices()
    assert "<script>x</script>" not in notice.body_html and "&lt;script&gt;x&lt;/script&gt;" in notice.body_html
    assert "<img src=x" not in notice.body_html
    assert "<script>x</script>" in notice.body_text
    assert "\n" not in notice.subject


def test_none_sends_nothing_and_each_is_the_default(app, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    assert plenary.organizer_notice == OrganizerNotice.EACH
    digest.choose_notice(plenary.id, OrganizerNotice.NONE, datetime.now(UTC))
    db.session.commit()
    signup.register(plenary.id, person("a@example.org"))
    db.session.commit()
    assert _notices() == []


def _daily(plenary_id, when):
    digest.choose_notice(plenary_id, OrganizerNotice.DAILY, when)
    db.session.commit()


def _register_at(plenary, email, when):
    with time_machine.travel(when, tick=False):
        signup.register(plenary.id, person(email))
        db.session.commit()


def test_the_daily_digest_lists_the_day_once_in_the_morning_and_skips_quiet_days(app, open_plenary):
    plenary = open_plenary(capacity_in_person=10)  # Europe/Berlin
    _daily(plenary.id, at(1, 9, 0))
    _register_at(plenary, "a@example.org", at(1, 12, 0))
    _register_at(plenary, "b@example.org", at(1, 20, 0))
    assert _notices() == []  # no mail per registration
    assert organizer_digests(local(2, 6, 50), lambda: True) == 0  # before 7 in Berlin
    assert organizer_digests(local(2, 7, 10), lambda: True) == 1
    [sent] = _notices("organizer_digest")
    assert "a@example.org" in sent.body_text and "b@example.org" in sent.body_text
    assert sent.recipient == CONTACT
    # The same morning again (a second worker, a second run): nothing more.
    assert organizer_digests(local(2, 7, 20), lambda: True) == 0
    _register_at(plenary, "c@example.org", at(2, 10, 0))
    assert organizer_digests(local(2, 23, 30), lambda: True) == 0  # still the same day in Berlin
    assert organizer_digests(local(3, 8, 0), lambda: True) == 1
    latest = _notices("organizer_digest")[-1]
    assert "c@example.org" in latest.body_text and "a@example.org" not in latest.body_text
    # A day without registrations: nothing.
    assert organizer_digests(local(4, 8, 0), lambda: True) == 0
    assert len(_notices("organizer_digest")) == 2


def test_the_digest_hour_is_the_plenarys_own_morning(app, make_plenary):
    from tests.conftest import open_registration  # the factory of the registration block only

    plenary = make_plenary(slug="foshan", timezone="Asia/Shanghai", registration=open_registration())
    _daily(plenary.id, at(1, 1, 0))
    _register_at(plenary, "li@example.cn", at(1, 3, 0))
    # Foshan's morning is the night before in UTC (and in Berlin).
    assert organizer_digests(local(2, 6, 30, "Asia/Shanghai"), lambda: True) == 0
    assert organizer_digests(local(2, 7, 30, "Asia/Shanghai"), lambda: True) == 1


def test_erasing_someone_scrubs_the_digest_and_the_delegation_notice_naming_them(app, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    result = signup.register(plenary.id, person("head@example.org"), [_delegate("d1@example.org", "Dieter", "Geheim")])
    db.session.commit()
    privacy.erase(result.created[1].id)
    db.session.commit()
    [notice] = _notices()
    assert "Geheim" not in notice.body_text and "Geheim" not in notice.body_html


@pytest.fixture
def organizer(app, accounts):
    client = app.test_client()
    login(client, "organizer@isa.example")
    client.get("/admin/?lang=en")
    return client


def test_the_setting_is_chosen_on_the_registrations_page(app, accounts, organizer, open_plenary):
    plenary = open_plenary()
    page = organizer.get(f"/admin/plenaries/{plenary.slug}/registrations").get_data(as_text=True)
    assert 'name="organizer_notice" value="daily"' in page
    response = organizer.post(f"/admin/plenaries/{plenary.slug}/organizer-notice", data={"organizer_notice": "daily"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Plenary, plenary.id).organizer_notice == OrganizerNotice.DAILY
    assert organizer.post(f"/admin/plenaries/{plenary.slug}/organizer-notice",
                          data={"organizer_notice": "<script>"}).status_code == 302  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Plenary, plenary.id).organizer_notice == OrganizerNotice.DAILY
    viewer = app.test_client()
    login(viewer, "viewer@isa.example")
    assert viewer.post(f"/admin/plenaries/{plenary.slug}/organizer-notice",
                       data={"organizer_notice": "none"}).status_code == 403  # fmt: skip


def test_two_workers_at_the_same_moment_write_one_digest(app, open_plenary):
    import threading  # only this test runs two workers at once
    from concurrent.futures import ThreadPoolExecutor

    plenary = open_plenary(capacity_in_person=10)
    _daily(plenary.id, at(1, 9, 0))
    _register_at(plenary, "a@example.org", at(1, 12, 0))
    db.session.remove()
    barrier = threading.Barrier(2, timeout=30)
    morning = local(2, 7, 30)

    def worker(_):
        with app.app_context():
            barrier.wait()
            try:
                return organizer_digests(morning, lambda: True)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(worker, range(2)))
    assert sorted(done) == [0, 1]
    assert len(_notices("organizer_digest")) == 1
