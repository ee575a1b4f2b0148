"""The back office on a phone: wide tables scroll inside their box, the page itself never sideways."""

import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
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
    from flask_migrate import upgrade

    from plenary import create_app
    from plenary.auth.models import Role
    from plenary.auth.services import create_user
    from plenary.demo.loader import load_demo
    from plenary.extensions import db

    base = tmp_path_factory.mktemp("office-phone")
    app = create_app({
        "TESTING": True, "SECRET_KEY": "phone", "RATELIMIT_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'office.sqlite'}", "MAIL_FILE_DIR": str(base / "mail"),
    }, instance_path=str(base / "instance"))  # fmt: skip
    with app.app_context():
        upgrade()
        load_demo()
        create_user(ADMIN, Role.ADMIN, PASSWORD)
        db.session.commit()
        db.session.remove()
    with serve(app) as url:
        yield url


@pytest.mark.parametrize("locale", ["de-DE", "zh-CN"])
def test_back_office_pages_do_not_scroll_sideways_on_a_phone(office, new_page, locale):
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(f"{office}/admin/login")
    page.fill('input[name="email"]', ADMIN)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.locator('form:has(input[name="password"]) [type="submit"]').click()
    for path in PAGES:
        response = page.goto(f"{office}{path}")
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide on a {PHONE['width']} px phone"
