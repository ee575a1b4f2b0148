"""Migration 11a000000001 (offers) keeps the data: links between rows survive the table rebuild, both ways."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from plenary.extensions import db

BEFORE, AFTER = "10a100000001", "11a000000001"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _fill(connection) -> None:
    tables = {name: sa.Table(name, sa.MetaData(), autoload_with=connection)
              for name in ("plenary", "registration", "outbox_message", "agenda_item")}  # fmt: skip
    connection.execute(tables["plenary"].insert().values(
        id=1, slug="p", number=1, title={}, summary={}, description={}, timezone="Europe/Berlin", starts_at=NOW,
        ends_at=NOW, format="in_person", status="published", waitlist=True, requires_approval=False,
        created_at=NOW, updated_at=NOW, sequence=4))  # fmt: skip
    connection.execute(tables["agenda_item"].insert().values(id=1, plenary_id=1, sort_order=0, kind="other",
                                                             title={}, description={}, parties=[]))  # fmt: skip
    for registration_id, head, status in ((1, None, "confirmed"), (2, 1, "waitlisted")):
        connection.execute(tables["registration"].insert().values(
            id=registration_id, plenary_id=1, token_salt="", status=status, attendance="in_person",
            first_name="A", last_name="B", language="de", interpretation=False, consent_listing=False,
            email=f"p{registration_id}@example.org", created_at=NOW, updated_at=NOW, delegation_head_id=head,
            waitlisted_at=NOW if status == "waitlisted" else None))  # fmt: skip
    connection.execute(tables["outbox_message"].insert().values(
        kind="k", registration_id=2, language="de", subject="s", body_text="t", body_html="h", status="sent",
        attempts=1, created_at=NOW, next_attempt_at=NOW, recipient="p2@example.org"))  # fmt: skip


def _links() -> tuple:
    found = (
        db.session.execute(sa.text("SELECT id, delegation_head_id, status FROM registration ORDER BY id")).all(),
        db.session.scalars(sa.text("SELECT registration_id FROM outbox_message")).all(),
        db.session.scalars(sa.text("SELECT id FROM agenda_item")).all(),
    )
    db.session.rollback()  # no read snapshot older than the next migration step
    return found


def test_the_offer_columns_come_and_go_without_losing_links(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            _fill(connection)
        before = _links()
        upgrade(revision=AFTER)
        assert _links() == before
        db.session.execute(sa.text("UPDATE registration SET status = 'offered', offer_expires_at = :t WHERE id = 2"),
                           {"t": NOW.replace(tzinfo=None)})  # fmt: skip
        db.session.commit()
        downgrade(revision=BEFORE)
        rows, outbox, agenda = _links()
        assert [tuple(r) for r in rows] == [(1, None, "confirmed"), (2, 1, "waitlisted")]  # the offer: back in line
        assert (outbox, agenda) == (before[1], before[2])
