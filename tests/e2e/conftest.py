"""Fixtures for the browser tests: the demo site on a local port, and Debian's Chromium.

Self-contained on purpose (it does not use tests/conftest.py): a fresh SQLite file is
migrated and filled with the demo content, the app is served by Werkzeug in a daemon
thread, and Playwright drives the system Chromium (``playwright install`` is not needed).
"""

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AXE_PATH = os.path.join(PROJECT_ROOT, "node_modules", "axe-core", "axe.min.js")

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


class LiveServer:
    """The running demo site: its base URL, host and the Flask app behind it."""

    def __init__(self, app, url: str):
        self.app = app
        self.url = url
        self.netloc = urlsplit(url).netloc

    def __call__(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on the test server."""
        return self.url + path


#: The password of every account ``demo_app`` makes.
E2E_PASSWORD = "correct horse battery staple"


def demo_app(base, accounts: dict[str, str] | None = None, csrf: bool = True, **config):
    """An app on a migrated SQLite file in the folder ``base``: the demo content and ``accounts`` (email → role).

    CSRF protection is on unless ``csrf=False``; ``config`` adds or overrides settings. Further setup is
    the caller's, in its own app context.
    """
    from flask_migrate import upgrade

    from plenary import create_app
    from plenary.auth.models import Role
    from plenary.auth.services import create_user
    from plenary.demo.loader import load_demo
    from plenary.extensions import db

    app = create_app({
        "TESTING": True, "SECRET_KEY": f"e2e-{base.name}", "WTF_CSRF_ENABLED": csrf, "RATELIMIT_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'plenary.sqlite'}", "MAIL_FILE_DIR": str(base / "mail"),
        # The stories read a step's mail right after it, with no worker beside the live server: the server sends
        # it after the response (the setting production leaves off; the worker's way: tests/test_outbox_wakeup.py).
        "OUTBOX_DELIVER_AFTER_REQUEST": True,
        **config,
    }, instance_path=str(base / "instance"))  # fmt: skip
    with app.app_context():
        upgrade()
        load_demo()
        for email, role in (accounts or {}).items():
            create_user(email, Role(role), E2E_PASSWORD)
        db.session.commit()
        db.session.remove()
    return app


def log_in(page, base_url: str, email: str, password: str = E2E_PASSWORD) -> None:
    """Log ``page`` in to the back office as ``email`` (from the login page)."""
    page.goto(f"{base_url}/admin/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.locator('form:has(input[name="password"]) [type="submit"]').click()


@pytest.fixture(scope="session")
def e2e_app(tmp_path_factory):
    """The app on a migrated SQLite file holding the demo content."""
    from flask_migrate import upgrade

    from plenary import create_app
    from plenary.demo.loader import load_demo
    from plenary.extensions import db

    db_file = tmp_path_factory.mktemp("e2e-db") / "plenary.sqlite"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "e2e",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
            "WTF_CSRF_ENABLED": False,
            "MAIL_FILE_DIR": str(tmp_path_factory.mktemp("e2e-mail")),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(e2e_app) -> Iterator[str]:
    """Serve the demo site on a free local port; yields the base URL (http://127.0.0.1:PORT)."""
    from tests.e2e.server import serve

    with serve(e2e_app) as url:
        yield url


@pytest.fixture(scope="session")
def site(e2e_app, live_server) -> LiveServer:
    """The live server as an object: ``site("/path")`` gives an absolute URL."""
    return LiveServer(e2e_app, live_server)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (sync API); skips when it is not installed."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"{CHROMIUM} not found: the browser tests drive Debian's Chromium "
            "(scripts/test installs it with `apt-get install chromium fonts-wqy-zenhei`)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser):
    """Factory: ``new_page(viewport=PHONE, locale="de-DE")`` opens a page in a fresh context.

    Every context starts without cookies, with German as the browser's language
    (so an unadorned URL is German, as for most visitors) and with Berlin's clock.
    """
    contexts = []

    def open_page(viewport: dict | None = None, locale: str = "de-DE", **options):
        context = browser.new_context(
            viewport=viewport or DESKTOP, locale=locale, timezone_id="Europe/Berlin", **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop-sized (1366×900) page in a fresh context."""
    return new_page()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """Path of axe-core's axe.min.js; skips when node_modules is missing."""
    if not os.path.exists(AXE_PATH):
        pytest.skip(f"axe-core is not installed ({AXE_PATH} missing): run `npm ci` in {PROJECT_ROOT}")
    return AXE_PATH
