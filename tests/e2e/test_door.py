"""The door on a 390×844 phone, in Chinese, in Chromium: the search and its result on the first screen, the
back-office navigation folded behind a menu button; a delegate found by Chinese name and checked in; the QR
code's URL opened by a phone's camera app, through the login, confirmed with a button (the GET alone never
checks in); undo. CSRF is on.
"""

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_PASSWORD as PASSWORD
from tests.e2e.conftest import PHONE, demo_app
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e

ORGANIZER = "door@isa.example"


@pytest.fixture(scope="module")
def door_app(tmp_path_factory):
    """A migrated database with the demo content, an organizer, and a Chinese delegation at the 11th plenary."""

    from plenary.events.models import Plenary
    from plenary.extensions import db
    from plenary.registration.signup import new_registration
    from plenary.registration.states import RegistrationStatus

    app = demo_app(tmp_path_factory.mktemp("door"), accounts={ORGANIZER: "organizer"})
    with app.app_context():
        plenary = db.session.scalar(sa.select(Plenary).order_by(Plenary.number.desc()))
        people = {}
        for key, first, last, zh, org in (
            ("zhang", "Wei", "Zhang", "张伟", "佛山市人民政府外事局（国际合作与交流处）"),
            ("li", "Lei", "Li", "李雷", "佛山市南海区经济促进局"),
            ("anna", "Anna", "Schmidt", None, "Stadt Köln, Amt für Wirtschaftsförderung und Internationales"),
        ):
            data = {"first_name": first, "last_name": last, "name_zh": zh, "organisation": org, "language": "zh",
                    "email": f"{key}@example.cn", "attendance": "in_person", "honorific": None}  # fmt: skip
            people[key] = new_registration(plenary, data, RegistrationStatus.CONFIRMED)
        people["li"].delegation_head = people["zhang"]
        db.session.commit()
        app.config["DOOR"] = {"slug": plenary.slug, "ids": {k: r.id for k, r in people.items()}}
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def door(door_app):
    with serve(door_app) as url:
        yield url


def log_in(page, door):
    page.fill('input[name="email"]', ORGANIZER)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('form:has(input[name="password"]) [type="submit"]').click()


def checked_in(app, key):
    from plenary.extensions import db
    from plenary.registration.models import Registration

    with app.app_context():
        value = db.session.get(Registration, app.config["DOOR"]["ids"][key]).checked_in_at
        db.session.remove()
    return value


def above_the_fold(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (selector, box)


def test_the_door_on_a_phone_in_chinese(door_app, door, new_page, tmp_path):
    slug = door_app.config["DOOR"]["slug"]
    phone = new_page(viewport=PHONE, locale="zh-CN")
    phone.goto(f"{door}/admin/login?lang=zh")
    log_in(phone, door)
    phone.goto(f"{door}/admin/plenaries/{slug}/checkin?lang=zh")

    # The back office's navigation is folded behind one button; the button opens it.
    expect(phone.locator("#admin-menu")).to_be_hidden()
    expect(phone.locator(".admin-toggler")).to_be_visible()
    assert phone.locator(".admin-bar").bounding_box()["height"] < 70

    # Found by Chinese name; the result with its button on the first screen, nobody checked in by looking.
    phone.fill('input[name="q"]', "张伟")
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    expect(phone.locator(".checkin-ready .checkin-name")).to_contain_text("张伟")
    for selector in ('input[name="q"]', ".checkin-ready .checkin-name", ".checkin-ready .checkin-status",
                     ".checkin-confirm button"):  # fmt: skip
        above_the_fold(phone, selector)
    phone.screenshot(path=str(tmp_path / "door-found.png"))
    phone.screenshot(path="/tmp/h5-door-found.png")
    assert checked_in(door_app, "zhang") is None
    with phone.expect_navigation():
        phone.locator(".checkin-confirm button").click()
    expect(phone.locator(".checkin-arrived .checkin-name")).to_contain_text("张伟")
    expect(phone.locator("#arrivals")).to_contain_text("1")
    above_the_fold(phone, ".checkin-undo button")
    assert checked_in(door_app, "zhang") is not None
    phone.screenshot(path="/tmp/h5-door-arrived.png")

    # Undo a mistake: the count goes back.
    with phone.expect_navigation():
        phone.locator(".checkin-undo button").click()
    assert checked_in(door_app, "zhang") is None
    expect(phone.locator("#arrivals")).to_contain_text("0")

    phone.locator(".admin-toggler").click()
    expect(phone.locator("#admin-menu")).to_be_visible()
    phone.screenshot(path="/tmp/h5-door-menu.png")


def test_the_qr_url_opened_by_a_phone_camera_app(door_app, door, new_page):
    """The camera app opens the URL in a browser that is not logged in: login, back to the person, confirm."""
    from plenary.checkin.services import checkin_url
    from plenary.extensions import db
    from plenary.registration.models import Registration

    with door_app.app_context():
        url = checkin_url(db.session.get(Registration, door_app.config["DOOR"]["ids"]["li"]))
        db.session.remove()
    path = url.split("://", 1)[1].split("/", 1)[1]
    phone = new_page(viewport=PHONE, locale="zh-CN")
    phone.goto(f"{door}/{path}")
    expect(phone).to_have_url(re.compile(r"/admin/login"))
    log_in(phone, door)
    expect(phone).to_have_url(re.compile(r"/checkin\?code="))
    expect(phone.locator(".checkin-ready .checkin-name")).to_contain_text("李雷")
    expect(phone.locator(".checkin-details")).to_contain_text("张伟")  # the head of the delegation
    assert checked_in(door_app, "li") is None  # opening the link is not arriving
    above_the_fold(phone, ".checkin-confirm button")
    # The button has the focus: after a USB scanner's Enter, one more Enter confirms.
    expect(phone.locator(".checkin-confirm button")).to_be_focused()
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    expect(phone.locator(".checkin-arrived")).to_be_visible()
    expect(phone.locator('input[name="q"]')).to_be_focused()  # ready for the next person
    arrived = checked_in(door_app, "li")
    assert arrived is not None and datetime.now(arrived.tzinfo) - arrived < timedelta(minutes=5)


def test_the_menu_opens_without_javascript(door_app, door, new_page):
    slug = door_app.config["DOOR"]["slug"]
    phone = new_page(viewport=PHONE, java_script_enabled=False)
    phone.goto(f"{door}/admin/login")
    log_in(phone, door)
    phone.goto(f"{door}/admin/plenaries/{slug}/checkin?q=anna")
    expect(phone.locator("#admin-menu")).to_be_hidden()
    expect(phone.locator(".checkin-ready .checkin-name")).to_contain_text("Anna Schmidt")
    phone.locator(".admin-toggler").click()
    expect(phone.locator("#admin-menu")).to_be_visible()


@pytest.mark.parametrize("lang", ["de", "zh"])
def test_the_door_has_no_serious_accessibility_violations(door_app, door, new_page, axe_source, lang):
    from tests.e2e.test_browser import describe_violations

    slug = door_app.config["DOOR"]["slug"]
    phone = new_page(viewport=PHONE, bypass_csp=True)  # axe is injected inline
    phone.goto(f"{door}/admin/login?lang={lang}")
    log_in(phone, door)
    phone.goto(f"{door}/admin/plenaries/{slug}/checkin?lang={lang}&q=foshan")
    expect(phone.locator(".checkin-found")).to_be_visible()
    phone.add_script_tag(path=axe_source)
    results = phone.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, describe_violations(serious)
