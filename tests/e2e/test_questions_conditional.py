"""Browser test: the demo plenary's questions shown and hidden while a person fills in the form
(static/js/questions.js), for the head and for a delegate row added in place by rows.js."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e


def test_questions_for_in_person_hide_when_online_is_chosen(site, new_page):
    page = new_page(viewport=PHONE, locale="zh-CN")
    page.goto(site("/plenaries/11th-plenary/register?lang=zh"))
    arrival = page.locator('[data-question][data-question-mode="in_person"]').first
    expect(arrival).to_be_visible()
    expect(page.get_by_text("抵达日期").first).to_be_visible()
    page.locator('input[name="attendance"][value="online"]').check()
    expect(arrival).to_be_hidden()
    page.locator('input[name="attendance"][value="in_person"]').check()
    expect(arrival).to_be_visible()

    page.locator('[data-rows="delegates"] [name="add_delegate"]').click()
    row_question = page.locator('[data-question^="delegates-0-answers-"][data-question-mode="in_person"]').first
    expect(row_question).to_be_visible()
    page.select_option('select[name="delegates-0-attendance"]', "online")
    expect(row_question).to_be_hidden()
    expect(arrival).to_be_visible()  # the head's stay as they are
