"""Browser tests: delegates, speakers and parties are added and removed in place (static/js/rows.js).

No reload (a marker set on the window survives), the scroll position is kept, focus goes to the
new row's first field, what was typed stays, and the rows keep the server's numbering. Without
JavaScript the same buttons post the form (tests/test_page_polish.py and the view tests).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

ORGANIZER = "rows-organizer@isa.example"
PASSWORD = "rows in place, no reload"


def mark_window(page):
    page.evaluate("window.__noReload = 'still here'")


def still_same_page(page) -> bool:
    return page.evaluate("window.__noReload") == "still here"


def focused_name(page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.getAttribute('name')")


def test_delegates_are_added_and_removed_in_place(site, new_page):
    page = new_page(viewport=PHONE)
    page.goto(site("/plenaries/11th-plenary/register?lang=de"))
    mark_window(page)
    add = page.locator('[data-rows="delegates"] [name="add_delegate"]')
    add.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 300, "the button is far down the phone's page"

    add.click()
    expect(page.locator('[data-rows="delegates"] [data-row]')).to_have_count(1)
    expect(page.locator('[name="delegates-0-salutation"]')).to_be_focused()  # the new row's first field
    assert still_same_page(page)
    assert abs(page.evaluate("window.scrollY") - scrolled) < 200, "the page did not jump to the top"
    page.fill('input[name="delegates-0-first_name"]', "Jonas")
    page.fill('input[name="delegates-0-last_name"]', "Becker")

    page.locator('[data-rows="delegates"] [name="add_delegate"]').click()
    expect(page.locator('[data-rows="delegates"] [data-row]')).to_have_count(2)
    expect(page.locator('[name="delegates-1-salutation"]')).to_be_focused()  # the new row's first field
    page.fill('input[name="delegates-1-first_name"]', "李")
    page.fill('input[name="delegates-1-last_name"]', '"><img src=x onerror=alert(1)>')
    assert page.input_value('input[name="delegates-0-first_name"]') == "Jonas", "what was typed stays"

    # Remove the first: the second moves up and is numbered 1 (names, ids, legend), focus on it.
    page.locator('[data-rows="delegates"] button[name="remove_delegate"][value="0"]').click()
    expect(page.locator('[data-rows="delegates"] [data-row]')).to_have_count(1)
    assert page.input_value('input[name="delegates-0-first_name"]') == "李"
    assert page.input_value('input[name="delegates-0-last_name"]') == '"><img src=x onerror=alert(1)>'
    assert page.locator('input[name="delegates-1-first_name"]').count() == 0
    assert page.locator("#delegates-0-first_name").count() == 1
    expect(page.locator('[name="delegates-0-salutation"]')).to_be_focused()  # the new row's first field
    assert page.locator("img[src=x]").count() == 0, "the hostile value stayed a value"
    assert still_same_page(page)

    page.locator('[data-rows="delegates"] button[name="remove_delegate"]').click()
    expect(page.locator('[data-rows="delegates"] [data-row]')).to_have_count(0)
    expect(page.locator('[data-rows="delegates"] [name="add_delegate"]')).to_be_focused()
    assert still_same_page(page)


def test_delegate_rows_work_without_javascript(site, new_page):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(site("/plenaries/11th-plenary/register?lang=de"))
    with page.expect_navigation():
        page.locator('[name="add_delegate"]').click()
    expect(page.locator('[data-rows="delegates"] [data-row]')).to_have_count(1)


@pytest.fixture
def organizer(site):
    from plenary.auth.models import Role, User
    from plenary.auth.services import create_user
    from plenary.extensions import db

    with site.app.app_context():
        if db.session.scalar(db.select(User).where(User.email == ORGANIZER)) is None:
            create_user(ORGANIZER, Role.ORGANIZER, PASSWORD)
            db.session.commit()
        db.session.remove()
    return ORGANIZER


def test_speakers_and_parties_are_added_in_place(site, new_page, organizer):
    page = new_page()
    page.goto(site("/admin/"))
    page.fill('input[name="email"]', organizer)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('form:has(input[name="password"]) [type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(site("/admin/plenaries/11th-plenary/agenda/new"))
    page.fill('input[name="title-de"]', "Unterzeichnung")
    mark_window(page)
    page.locator('[name="add_speaker"]').click()
    expect(page.locator('[data-rows="speakers"] [data-row]')).to_have_count(1)
    expect(page.locator('input[name="speakers-0-name"]')).to_be_focused()
    page.keyboard.type("Friedhelm Ost")
    page.locator('[name="add_speaker"]').click()
    expect(page.locator('[data-rows="speakers"] [data-row]')).to_have_count(2)
    expect(page.locator('input[name="speakers-1-name"]')).to_be_focused()
    page.keyboard.type("Yi Liu")
    # Move the second up: the server's order, in place.
    page.locator('[data-rows="speakers"] button[name="speaker_up"][value="1"]').click()
    expect(page.locator('input[name="speakers-0-name"]')).to_have_value("Yi Liu")
    expect(page.locator('input[name="speakers-1-name"]')).to_have_value("Friedhelm Ost")

    page.locator('[name="add_party"]').click()
    expect(page.locator('[data-rows="parties"] [data-row]')).to_have_count(1)
    expect(page.locator('input[name="parties-0-de"]')).to_be_focused()
    page.keyboard.type("Stadt Foshan")
    page.locator('[data-rows="speakers"] button[name="remove_speaker"][value="0"]').click()
    expect(page.locator('[data-rows="speakers"] [data-row]')).to_have_count(1)
    expect(page.locator('input[name="speakers-0-name"]')).to_have_value("Friedhelm Ost")
    assert page.input_value('input[name="title-de"]') == "Unterzeichnung", "the rest of the form is untouched"
    assert page.input_value('input[name="parties-0-de"]') == "Stadt Foshan"
    assert still_same_page(page)
