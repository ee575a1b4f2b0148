"""A request's unit of work ends committed, or it fails loudly.

Services flush and never commit; the view (or command) commits. A view that forgets to commit
loses its work without a word: Flask-SQLAlchemy rolls the session back when the request's app context
ends. The two listeners below remember that the current transaction has flushed writes
(``session.info[FLUSHED]``, read by the capacity lock too); ``check_request_committed``, a teardown of
every request, finds a request that ends with flushed or pending writes. Under TESTING it raises, so
that the test fails with the endpoint named; in production it logs an ERROR (the work is rolled back).
"""

from flask import Flask, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from plenary.extensions import db
from plenary.sqlite import FLUSHED, WRITE_LOCKED


@event.listens_for(Session, "after_flush")
def _mark_flushed(session, _context):
    """Remember that the current transaction has written something."""
    session.info[FLUSHED] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_flushed(session, transaction):
    if transaction.parent is None:  # the outermost transaction ended (commit or rollback)
        session.info.pop(FLUSHED, None)
        session.info.pop(WRITE_LOCKED, None)


class UncommittedWork(AssertionError):
    """A request ended with writes that nobody committed (raised under TESTING only)."""


def uncommitted_writes(session: Session) -> list[str]:
    """What ``session`` has written or is about to write and not committed (empty if nothing), by model name.

    Names only, never values or reprs: the list goes into the log, and rows hold personal data.
    """
    found = []
    if session.info.get(FLUSHED):
        found.append("flushed writes")
    found += [f"new {type(obj).__name__}" for obj in session.new]
    found += [f"changed {type(obj).__name__}" for obj in session.dirty if session.is_modified(obj)]
    found += [f"deleted {type(obj).__name__}" for obj in session.deleted]
    return found


def check_request_committed(error: BaseException | None) -> None:
    """Teardown: complain if the request's session still holds uncommitted writes (unless the request failed)."""
    if error is not None or not db.session.registry.has():
        return  # a failed request is rolled back on purpose; a request that never used the database
    writes = uncommitted_writes(db.session())
    if not writes:
        return
    # The endpoint and method only: the path may carry a personal token.
    message = f"{request.method} {request.endpoint} ended without committing: {', '.join(writes[:5])}"
    if current_app.testing:
        raise UncommittedWork(message + " (commit in the view, or roll back on purpose)")
    current_app.logger.error("%s; rolled back", message)


def register_unit_of_work_check(app: Flask) -> None:
    """Check at the end of every request that its writes were committed."""
    app.teardown_request(check_request_committed)
