"""Shared test helpers: a client and a CLI runner that never share the test's session, a query counter, audit entries.

The test keeps its own app context (so that it can set up and inspect data through ``db.session``); every
request of the client and every command of the runner runs in a fresh ``contextvars.Context``, so that Flask
pushes a new app context for it and Flask-SQLAlchemy gives it a session of its own, as in production. A view
that flushes and forgets to commit is then seen: the test finds nothing stored, and the guard in
``plenary.unit_of_work`` fails the request.
"""

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner

from plenary import storage
from plenary.audit.models import AuditEntry
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.unit_of_work import uncommitted_writes


def end_test_transaction(app: Flask) -> None:
    """Before a request or command: refuse uncommitted setup, then end the test's transaction.

    Ending it (a rollback: there is nothing to lose) means that the test holds no lock and no old snapshot
    while the request runs (SQLite: WAL readers see no later commit; BEGIN IMMEDIATE would wait for a writer),
    and that every object the test holds is expired, so that it is read again, fresh, when used after.
    """
    if not has_app_context() or current_app._get_current_object() is not app or not db.session.registry.has():
        return
    session = db.session()
    writes = uncommitted_writes(session)
    if writes:
        raise AssertionError(f"commit your setup before the request: the test's session has {', '.join(writes[:5])}")
    session.rollback()


class IsolatedClient(FlaskClient):
    """A test client whose every request has its own app context and database session."""

    def run_wsgi_app(self, environ, buffered=False):
        """Run one request (also each redirect followed) in a fresh context, after ending the test's transaction."""
        end_test_transaction(self.application)
        return contextvars.Context().run(super().run_wsgi_app, environ, buffered)


class IsolatedRunner(FlaskCliRunner):
    """A CLI runner whose every command has its own app context and database session, as ``flask …`` has."""

    def invoke(self, cli=None, args=None, **kwargs):
        """Invoke a command in a fresh context with its own app context, after ending the test's transaction."""
        end_test_transaction(self.app)
        return contextvars.Context().run(self._invoke_in_app_context, cli, args, kwargs)

    def _invoke_in_app_context(self, cli, args, kwargs):
        with self.app.app_context():  # as ``flask`` does: FlaskGroup pushes one for every command
            return super().invoke(cli, args, **kwargs)


class QueryCounter:
    """The SQL statements run while it listens (``count_queries``), but BEGIN.

    BEGIN is transaction control, and only SQLite's (plenary.sqlite emits it) passes the cursor: left out, so that
    both databases count the same.
    """

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        """How many statements ran."""
        return len(self.statements)

    @property
    def selects(self) -> int:
        """How many of them were SELECTs."""
        return sum(statement.lstrip().upper().startswith("SELECT") for statement in self.statements)


@contextlib.contextmanager
def count_queries(engine: sa.Engine | None = None) -> Iterator[QueryCounter]:
    """Count the statements sent to ``engine`` (default: the app's) inside the ``with`` block."""
    engine = engine if engine is not None else db.engine
    counter = QueryCounter()

    def listen(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not statement.startswith("BEGIN"):
            counter.statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


def entries(action: str) -> list[AuditEntry]:
    """The audit entries of ``action``, oldest first, as the database has them now."""
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def calendar_messages(address: str) -> list:
    """The outbox messages to ``address`` that carry an iCalendar part (REQUEST or CANCEL), oldest first."""
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == address,
                                                             OutboxMessage.calendar_method.is_not(None))
                              .order_by(OutboxMessage.id)).all()  # fmt: skip


def stored_keys(prefix: str) -> list[str]:
    """The keys under ``prefix`` in the app's file store (plenary.storage), sorted."""
    return sorted(storage.older_than(prefix, datetime.now(UTC) + timedelta(days=1)))
