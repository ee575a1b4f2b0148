"""An INSERT that succeeds once: the claim of a row by a unique key, safe under concurrency on both databases."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from plenary.extensions import db
from plenary.sqlite import FLUSHED


def insert_once(table: sa.Table, **values) -> bool:
    """Insert a row of ``values`` into ``table``; False (and nothing changed) if a unique key already holds it.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (SQLite 3.35+, PostgreSQL): one statement, so two
    transactions racing for the same key make one row, and the loser learns it without an error.
    """
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(**values).on_conflict_do_nothing()
    inserted = db.session.execute(statement.returning(*table.primary_key.columns)).first() is not None
    if inserted:
        # A Core statement is no ORM flush: mark the write, so the capacity lock refuses to roll it back unseen
        # (LockOrderError) and a request that forgets to commit it fails (plenary/unit_of_work.py).
        db.session().info[FLUSHED] = True
    return inserted
