"""SQLite settings for a web app with several processes: WAL, a busy timeout, real transactions.

pysqlite starts transactions lazily and on its own terms; the recipe from SQLAlchemy's
documentation hands that to SQLAlchemy, so that a unit of work can ask for
``BEGIN IMMEDIATE`` (the write lock, taken at the start) — the capacity lock on SQLite.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Session

#: Execution option: begin this connection's transaction with BEGIN IMMEDIATE.
BEGIN_IMMEDIATE = "plenary_begin_immediate"
#: Session.info key: the current transaction has flushed writes (set by plenary.unit_of_work's listeners).
FLUSHED = "plenary_flushed_in_transaction"
#: Session.info key: this transaction began with SQLite's write lock, which locks every plenary at once
#: (set by plenary.registration.locking; both keys are cleared when the transaction ends: plenary.unit_of_work).
WRITE_LOCKED = "plenary_sqlite_write_locked"


def configure_sqlite(engine: sa.Engine) -> None:
    """Install the connect/begin hooks on a SQLite engine."""

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        immediate = connection.get_execution_options().get(BEGIN_IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session) -> None:
    """End ``session``'s read-only transaction, if any, and begin one that writes (BEGIN IMMEDIATE on SQLite).

    For a short write after reads: SQLite cannot upgrade a read snapshot that another writer has overtaken and
    answers "database is locked" at once; a transaction that starts as a write waits (busy_timeout) instead.
    Refuses to drop changes: with pending or flushed writes it does nothing (they already hold the lock).
    """
    if session.new or session.dirty or session.deleted or session.info.get(FLUSHED):
        return
    if session.in_transaction():
        session.commit()  # only reads: nothing to lose
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={BEGIN_IMMEDIATE: True})
