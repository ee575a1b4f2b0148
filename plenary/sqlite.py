"""SQLite settings for a web app with several processes: WAL, a busy timeout, real transactions.

pysqlite starts transactions lazily and on its own terms; the recipe from SQLAlchemy's
documentation hands that to SQLAlchemy, so that a unit of work can ask for
``BEGIN IMMEDIATE`` (the write lock, taken at the start) — the capacity lock on SQLite.
"""

import sqlalchemy as sa

#: Execution option: begin this connection's transaction with BEGIN IMMEDIATE.
BEGIN_IMMEDIATE = "plenary_begin_immediate"


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
