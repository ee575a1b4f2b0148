"""Seats and offers in a real browser (Chromium): the full hall said at the choice, an offer accepted on a phone.

A Chinese delegate on a 390 px phone finds the hall of the demo's 11th plenary full at the attendance
choice itself and registers online instead; later a seat in the hall is freed and offered to the first
waiting delegate, who is reminded and accepts it on her personal page before the deadline.
"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, demo_app
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def offer_app(tmp_path_factory):
    """The demo on its own database; the 11th plenary's hall is full, freed seats are offered for 72 hours."""

    from plenary.events.models import Plenary
    from plenary.extensions import db
    from plenary.registration import signup
    from plenary.registration.models import Registration
    from tests.conftest import person

    app = demo_app(tmp_path_factory.mktemp("offer"), OUTBOX_DELIVER_AFTER_REQUEST=False)
    with app.app_context():
        plenary = db.session.scalar(sa.select(Plenary).where(Plenary.number == 11))
        taken = db.session.scalar(sa.select(sa.func.count()).where(
            Registration.plenary_id == plenary.id, Registration.attendance == "in_person", Registration.holds_seat))
        plenary.capacity_in_person, plenary.offer_hours, plenary.waitlist = taken + 1, 72, True
        db.session.commit()
        # The last seat goes to a delegate from Cologne: the hall is full.
        signup.register(plenary.id, person("koeln@example.org"))
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def offer_site(offer_app):
    with serve(offer_app) as url:
        yield url


def test_full_hall_at_the_choice_then_an_offer_reminded_and_accepted(offer_app, offer_site, new_page, tmp_path):
    from plenary.extensions import db
    from plenary.registration import changes, offers, signup
    from plenary.registration.models import Registration
    from plenary.registration.tokens import token_for
    from tests.conftest import person

    phone = new_page(viewport=PHONE, locale="zh-CN")
    phone.goto(f"{offer_site}/plenaries/11th-plenary/register?lang=zh")
    hall = phone.locator('input[name="attendance"][value="in_person"]')
    note = phone.locator(f"#{hall.get_attribute('id')}-seats")
    expect(note).to_be_visible()
    note.scroll_into_view_if_needed()
    assert "seat-full" in hall.locator("xpath=..").get_attribute("class")  # said at the choice, before submitting
    phone.screenshot(path=str(tmp_path / "form-full-hall-zh.png"))
    phone.check('input[name="attendance"][value="online"]')
    phone.fill("#first_name", "伟")
    phone.fill("#last_name", "张")
    phone.fill("#organisation", "佛山市人民政府")
    phone.fill("#email", "zhang.wei@example.cn")
    phone.check("#language-2")
    phone.check("#consent_privacy")
    phone.locator("#submit").click()
    expect(phone).to_have_url(re.compile(r"/register/sent$"))

    with offer_app.app_context():
        online = db.session.scalar(sa.select(Registration).where(Registration.email == "zhang.wei@example.cn"))
        assert (online.attendance, online.status) == ("online", "confirmed")  # online, never the waiting list
        plenary_id = online.plenary_id
        waiting = signup.register(plenary_id, person("li.na@example.cn", first_name="娜", last_name="李",
                                                     language="zh")).created[0]  # fmt: skip
        db.session.commit()
        assert waiting.status == "waitlisted"
        seated = db.session.scalar(sa.select(Registration).where(
            Registration.plenary_id == plenary_id, Registration.attendance == "in_person",
            Registration.status == "confirmed").limit(1))  # fmt: skip
        changes.cancel(seated.id)  # the seat is offered to Li Na
        db.session.commit()
        offered = db.session.get(Registration, waiting.id)
        assert offered.status == "offered"
        assert offers.remind(offered.id, offered.offer_expires_at - timedelta(hours=1))  # the worker's reminder
        db.session.commit()
        kinds = db.session.scalars(sa.select(sa.text("kind")).select_from(sa.text("outbox_message"))
                                   .where(sa.text(f"registration_id = {offered.id}"))).all()  # fmt: skip
        assert kinds[-2:] == ["registration_offered", "registration_offer_reminder"]
        token = token_for(offered)
        db.session.remove()

    li = new_page(viewport=PHONE, locale="zh-CN")
    li.goto(f"{offer_site}/registrations/{token}")
    expect(li.locator(".offer-deadline time").first).to_be_visible()
    li.screenshot(path=str(tmp_path / "offer-zh.png"), full_page=True)
    li.locator('form[action$="/offer/accept"] button').click()
    expect(li).to_have_url(re.compile(r"done=accepted"))
    expect(li.locator(".status-badge.status-confirmed")).to_be_visible()
    with offer_app.app_context():
        assert db.session.get(Registration, waiting.id).status == "confirmed"
        db.session.remove()
