"""The back office on a phone: wide tables scroll inside their box, the page itself never sideways."""

import pytest

from tests.e2e.conftest import PHONE, demo_app, log_in
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e

ADMIN = "admin@isa.example"
PAGES = [
    "/admin/",
    "/admin/outbox",
    "/admin/announcements",
    "/admin/plenaries/11th-plenary",
    "/admin/plenaries/11th-plenary/messages",
    "/admin/plenaries/11th-plenary/registrations",
    "/admin/accounts",
    "/admin/audit",
    "/admin/members",
]


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("office-phone"), accounts={ADMIN: "admin"}, csrf=False)
    with serve(app) as url:
        yield url


@pytest.mark.parametrize("locale", ["de-DE", "zh-CN"])
def test_back_office_pages_do_not_scroll_sideways_on_a_phone(office, new_page, locale):
    page = new_page(viewport=PHONE, locale=locale)
    log_in(page, office, ADMIN)
    for path in PAGES:
        response = page.goto(f"{office}{path}")
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide on a {PHONE['width']} px phone"
