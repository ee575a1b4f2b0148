"""The capacity lock: all seat changes of one plenary happen one after another.

As pretix does it, in the database and as late as possible: a unit of work that may take
or free a seat starts with ``lock_plenary``, then counts, then writes, then commits.
PostgreSQL: ``SELECT … FOR UPDATE`` on the plenary's row (READ COMMITTED, so every later
count sees all committed seats). SQLite: the transaction starts with ``BEGIN IMMEDIATE``,
SQLite's write lock. Never a Python lock (useless across gunicorn workers), never a
count read before the lock.
"""

from flask import current_app
from sqlalchemy import select

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.sqlite import BEGIN_IMMEDIATE, FLUSHED


class LockOrderError(RuntimeError):
    """The capacity lock was requested after the unit of work had already written something."""


def lock_plenary(plenary_id: int) -> Plenary | None:
    """Begin the capacity transaction for ``plenary_id`` and return the plenary, freshly loaded."""
    session = db.session()  # the Session itself (scoped_session lacks in_transaction)
    query = select(Plenary).where(Plenary.id == plenary_id).execution_options(populate_existing=True)
    if not current_app.config["REGISTRATION_CAPACITY_LOCK"]:
        return session.scalar(query)  # for the test that shows the race without the lock
    if session.get_bind().dialect.name == "sqlite":
        if session.in_transaction():
            if session.new or session.dirty or session.deleted or session.info.get(FLUSHED):
                # Rolling back here would silently drop those changes.
                raise LockOrderError("take the capacity lock before changing anything (or commit first)")
            # Only reads so far (validating the form): end that snapshot, start the locked one.
            session.rollback()
        session.connection(execution_options={BEGIN_IMMEDIATE: True})
        return session.scalar(query)
    return session.scalar(query.with_for_update())
