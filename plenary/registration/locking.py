"""The capacity lock: all seat changes of one plenary happen one after another.

As pretix does it, in the database and as late as possible: a unit of work that may take
or free a seat starts with ``lock_plenary``, then counts, then writes, then commits.
PostgreSQL: ``SELECT … FOR UPDATE`` on the plenary's row (READ COMMITTED, so every later
count sees all committed seats). SQLite: the transaction starts with ``BEGIN IMMEDIATE``,
SQLite's write lock. Never a Python lock (useless across gunicorn workers), never a
count read before the lock.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.errors import RegistrationError
from plenary.registration.models import Registration
from plenary.sqlite import BEGIN_IMMEDIATE, FLUSHED, WRITE_LOCKED


class LockOrderError(RuntimeError):
    """The capacity lock was requested after the unit of work had already written something."""


def lock_plenary(plenary_id: int) -> Plenary | None:
    """Begin the capacity transaction for ``plenary_id`` and return the plenary, freshly loaded."""
    session = db.session()  # the Session itself (scoped_session lacks in_transaction)
    query = select(Plenary).where(Plenary.id == plenary_id).execution_options(populate_existing=True)
    return _locked(session, query)


def _locked(session: Session, query) -> Plenary | None:
    """Run ``query`` (the plenary's row) under the database's write lock.

    tests/race_wsgi.py replaces this for the test that shows the race without the lock.
    """
    if session.get_bind().dialect.name == "sqlite":
        if session.info.get(WRITE_LOCKED):
            return session.scalar(query)  # a second plenary in the same unit of work (the demo's): locked already
        if session.in_transaction():
            if session.new or session.dirty or session.deleted or session.info.get(FLUSHED):
                # Rolling back here would silently drop those changes.
                raise LockOrderError("take the capacity lock before changing anything (or commit first)")
            # Only reads so far (validating the form): end that snapshot, start the locked one.
            session.rollback()
        session.connection(execution_options={BEGIN_IMMEDIATE: True})
        session.info[WRITE_LOCKED] = True
        return session.scalar(query)
    return session.scalar(query.with_for_update())


def locked_registration(registration_id: int) -> tuple[Registration, Plenary]:
    """Load a registration for a change, with its plenary's capacity lock taken first."""
    plenary_id = db.session.scalar(select(Registration.plenary_id).where(Registration.id == registration_id))
    if plenary_id is None:
        raise RegistrationError("not_found")
    plenary = lock_plenary(plenary_id)
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    return registration, plenary
