"""Fixtures: an app per database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

import copy
import os

import pytest
import sqlalchemy as sa

from plenary import create_app
from plenary.extensions import db
from tests.helpers import IsolatedClient, IsolatedRunner

BACKENDS = ["sqlite", "postgresql"]

# The real SMTP server fixture (tests/smtp_server.py), for every test module.
pytest_plugins = ["tests.smtp_server"]


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """The database under test: a fresh SQLite file, or the PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    url = _postgres_url()
    if url is None:
        if os.environ.get("PLENARY_REQUIRE_POSTGRES"):
            pytest.fail("PLENARY_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL (CI sets it) to run this test on PostgreSQL")
    return url


def _reset_schema(url: str) -> None:
    """Drop everything in the PostgreSQL test database, including alembic's version table."""
    from plenary.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    try:
        try:
            connection = engine.connect()
        except sa.exc.OperationalError as exc:
            # Only an unreachable server is a reason to skip (and never in CI); any other error fails.
            if os.environ.get("PLENARY_REQUIRE_POSTGRES"):
                raise
            pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {exc.orig}")
        with connection, connection.begin():
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Factory: an app on the database under test, with an empty schema (``create_schema=False``)."""
    apps = []

    def make(create_schema: bool = True, **config):
        if database_url.startswith("postgresql"):
            _reset_schema(database_url)
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "WTF_CSRF_ENABLED": False,
                "PUBLIC_URL": "https://plenary.example.org",
                "MAIL_FILE_DIR": str(tmp_path / "mail"),
                "RATELIMIT_ENABLED": False,
                # Tests deliver explicitly (the outbox tests switch it on), so that no thread
                # outlives its test's database.
                "OUTBOX_DELIVER_AFTER_REQUEST": False,
                # A registration's messages are written in the request here, so that tests read their texts right
                # after it. The worker's writing (the default) is proven to give the very same texts, kind by
                # kind, in tests/test_outbox_deferred.py; the gunicorn bursts and browser tests run with it on.
                "OUTBOX_RENDER_AT_DELIVERY": False,
                # The page cache is on in every test (each app its own memory), so that every test that reads a
                # public page after a change also proves the change invalidated it (tests/test_page_cache.py).
                "CACHE_TYPE": "SimpleCache",
                **config,
            }
        )
        # Requests and commands run with their own app context and session, never the test's (tests/helpers.py).
        app.test_client_class = IsolatedClient
        app.test_cli_runner_class = IsolatedRunner
        # Uploaded and generated files (documents of the day, agenda PDFs) in the test's folder, not instance/.
        app.instance_path = str(tmp_path / "instance")
        if create_schema:
            with app.app_context():
                db.create_all()
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """An app with all tables created and no content."""
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def smtp(smtp_server):
    """A running SMTP server on loopback (tests/smtp_server.py)."""
    return smtp_server()


@pytest.fixture
def smtp_app_config() -> dict:
    """More configuration for ``smtp_app``: a module overrides this fixture to change it."""
    return {}


@pytest.fixture
def smtp_app(make_app, smtp, tmp_path, smtp_app_config):
    """An app that sends by SMTP to ``smtp`` (files of unsent mail under tmp/eml), inside its app context."""
    config = {"MAIL_SERVER": smtp.host, "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 3,
              "MAIL_FILE_DIR": str(tmp_path / "eml")}  # fmt: skip
    app = make_app(**config | smtp_app_config)
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    """A test client for ``app``: each request with its own app context and session (tests/helpers.py)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``app``: each command with its own app context and session (tests/helpers.py)."""
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo content, loaded and committed."""
    from plenary.demo.loader import load_demo

    report = load_demo()
    db.session.commit()
    return report


def plenary_document(**overrides) -> dict:
    """Return a valid exchange document; keyword arguments replace top-level fields."""
    document = {
        "slug": "test-plenary",
        "number": 42,
        "title": {"de": "42. Plenarversammlung", "en": "42nd Plenary Assembly", "zh": "第四十二届全体大会"},
        "summary": {"de": "Zusammenfassung", "en": "Summary", "zh": "摘要"},
        "description": {"de": "Beschreibung", "en": "Description", "zh": "说明"},
        "timezone": "Europe/Berlin",
        "starts_at": "2031-10-15T09:00:00+02:00",
        "ends_at": "2031-10-15T12:30:00+02:00",
        "format": "hybrid",
        "venue": {"name": "Rathaus", "address": "Marktplatz 1", "city": "Köln"},
        "online_url": "https://meet.example.org/secret-room-4711",
        "status": "published",
        "contact_email": "plenary@example.org",
        "registration": {
            "opens_at": "2031-09-01T09:00:00+02:00",
            "closes_at": "2031-10-10T18:00:00+02:00",
            "capacity_in_person": 120,
            "capacity_online": None,
            "waitlist": True,
            "requires_approval": False,
        },
        "agenda": [
            {
                "kind": "report",
                "title": {"de": "Arbeitsbericht", "en": "Work report", "zh": "工作报告"},
                "starts_at": "2031-10-15T09:00:00+02:00",
                "duration_minutes": 20,
                "description": {"de": "Fünf Jahre"},
                "speakers": [
                    {
                        "name": "Yi Liu",
                        "name_zh": "刘一",
                        "honorific": None,
                        "position": {"de": "Generalsekretär", "zh": "秘书长"},
                        "organisation": "ISA",
                    }
                ],
                "parties": [],
                "document_title": None,
                "document_url": None,
            },
            {
                "kind": "signing",
                "title": {"de": "Unterzeichnung"},
                "starts_at": None,
                "duration_minutes": None,
                "description": {},
                "speakers": [],
                "parties": ["GIZ", {"de": "Stadt Foshan", "en": "City of Foshan", "zh": "佛山市"}],
                "document_title": "Pilot City of Sino-German Industrie 4.0 Learning Platform Project",
                "document_url": "https://example.org/mou.pdf",
            },
        ],
    }
    document.update(copy.deepcopy(overrides))
    return document


@pytest.fixture
def make_plenary(app):
    """Factory: save a plenary document (with overrides) as `flask plenary import` does, commit, return the plenary."""
    from plenary.events.editing import save_plenary

    def make(**overrides):
        plenary = save_plenary(plenary_document(**overrides)).plenary
        db.session.commit()
        return plenary

    return make


@pytest.fixture
def plain_app():
    """An app for tests that need no database (formatting, configuration), inside an app context."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        yield app


def open_registration(**overrides) -> dict:
    """A registration block that is open now (the plenary itself is in 2031)."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    block = {
        "opens_at": (now - timedelta(days=1)).isoformat(timespec="seconds"),
        "closes_at": (now + timedelta(days=30)).isoformat(timespec="seconds"),
        "capacity_in_person": 2,
        "capacity_online": None,
        "waitlist": True,
        "requires_approval": False,
    }
    block.update(overrides)
    return block


@pytest.fixture
def open_plenary(make_plenary):
    """Factory: a published hybrid plenary taking registrations now; keyword args change its registration."""

    def make(**registration):
        return make_plenary(registration=open_registration(**registration))

    return make


def person(email: str, **overrides) -> dict:
    """A person's data as the registration service takes it."""
    data = {
        "salutation": None, "honorific": "Dr.", "first_name": "Anna", "last_name": "Schmidt", "name_zh": None,
        "organisation": "Stadt Köln", "position": "Referentin", "member_id": None, "country": "DE", "phone": None,
        "language": "de", "interpretation": False, "dietary": None, "remarks": None, "email": email,
        "attendance": "in_person", "consent_privacy": True, "consent_listing": False,
    }  # fmt: skip
    data.update(overrides)
    return data


@pytest.fixture
def open_registration_document() -> dict:
    """An exchange document of a plenary whose registration is open now."""
    return plenary_document(registration=open_registration())


PASSWORD = "correct horse battery staple"


@pytest.fixture
def accounts(app):
    """One back-office account per role: admin@isa.example, organizer@isa.example, viewer@isa.example."""
    from plenary.auth.models import Role
    from plenary.auth.services import create_user

    roles = ("admin", "organizer", "viewer")
    users = {role: create_user(f"{role}@isa.example", Role(role), PASSWORD) for role in roles}
    db.session.commit()
    return users


def login(client, email, password=PASSWORD, next_url=None):
    """Log ``client`` in to the back office (e.g. ``login(client, "organizer@isa.example")``)."""
    data = {"email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/admin/login", data=data)
