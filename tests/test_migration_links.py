"""Migrations that rebuild the registration table keep every row pointing at it (SQLite: migrations/env.py).

SQLite's batch mode copies, drops and renames a table; with foreign keys on, the drop would first set the
delegation heads and the outbox's registration ids to NULL. This walks the oldest such step still reachable
with data (10a300000003 → 10a100000001, which also fills the calendar state from those outbox rows).
"""

import sqlalchemy as sa
from flask_migrate import upgrade

from plenary.extensions import db
from tests.test_offers_migration import _fill, _links

BEFORE, AFTER = "10a300000003", "10a100000001"


def test_the_calendar_state_migration_keeps_links_and_reads_the_outbox(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            _fill(connection)
            connection.execute(sa.text("UPDATE outbox_message SET calendar_method = 'REQUEST', "
                                       "calendar_ics = 'BEGIN:VCALENDAR\r\nSEQUENCE:4\r\nEND:VCALENDAR'"))  # fmt: skip
        before = _links()
        assert before[0][1][1] == 1 and before[1] == [2]  # a delegate with their head, a message to them
        upgrade(revision=AFTER)
        assert _links() == before
        state = db.session.execute(sa.text("SELECT calendar_sequence, calendar_method FROM registration WHERE id = 2"))
        assert tuple(state.one()) == (4, "REQUEST")
        db.session.rollback()
        upgrade()
        assert _links()[0] == before[0] and _links()[1] == before[1]
        if db.engine.dialect.name == "sqlite":  # the app's connections have foreign keys on again
            assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
