"""Migration 10a100000001 keeps the data: each registration's last calendar copy is read from the outbox."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from plenary.extensions import db

BEFORE = "9d3b7f1a2c64"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _ics(method: str, sequence: int) -> str:
    lines = ["BEGIN:VCALENDAR", f"METHOD:{method}", "BEGIN:VEVENT", f"SEQUENCE:{sequence}", "END:VEVENT",
             "END:VCALENDAR"]  # fmt: skip
    return "\r\n".join(lines) + "\r\n"


def test_the_last_calendar_copy_of_each_registration_is_filled_in_and_emails_lowered(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            tables = {name: sa.Table(name, sa.MetaData(), autoload_with=connection)
                      for name in ("plenary", "registration", "outbox_message")}  # fmt: skip
            connection.execute(tables["plenary"].insert().values(
                id=1, slug="p", number=1, title={}, summary={}, description={}, timezone="Europe/Berlin",
                starts_at=NOW, ends_at=NOW, format="in_person", status="published", waitlist=True,
                requires_approval=False, created_at=NOW, updated_at=NOW, sequence=4))  # fmt: skip
            for registration_id, email in ((1, "anna@example.org"), (2, "ben@example.org"), (3, "Cem@Example.org")):
                connection.execute(tables["registration"].insert().values(
                    id=registration_id, plenary_id=1, token_salt="", status="confirmed", attendance="in_person",
                    first_name="A", last_name="B", language="de", interpretation=False, consent_listing=False,
                    email=email, created_at=NOW, updated_at=NOW))  # fmt: skip
            messages = [(1, "REQUEST", _ics("REQUEST", 2)), (1, "CANCEL", _ics("CANCEL", 3)), (1, None, None),
                        (2, "REQUEST", _ics("REQUEST", 4))]  # fmt: skip
            for registration_id, method, ics in messages:
                connection.execute(tables["outbox_message"].insert().values(
                    kind="k", registration_id=registration_id, language="de", subject="s", body_text="t",
                    body_html="h", status="sent", attempts=1, next_attempt_at=NOW, created_at=NOW,
                    calendar_method=method, calendar_ics=ics))  # fmt: skip
        upgrade()
        with db.engine.connect() as connection:
            query = "SELECT id, calendar_sequence, calendar_method, email FROM registration ORDER BY id"
            rows = connection.execute(sa.text(query)).all()
    assert [tuple(row) for row in rows] == [
        (1, 3, "CANCEL", "anna@example.org"), (2, 4, "REQUEST", "ben@example.org"), (3, None, None, "cem@example.org"),
    ]  # fmt: skip
