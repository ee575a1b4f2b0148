"""The content version: every cached entry carries the version it was rendered at and is served only while the
version is unchanged. One rule bumps it: a commit that wrote (INSERT, UPDATE, DELETE — through the ORM, a bulk
statement or plain SQL) to any table but those in ``PRIVATE_TABLES``.

Writes are noticed on the connection (``before_cursor_execute``), forgotten on rollback, and the bump happens after
the commit (the session's ``after_commit``; a commit outside a session: when its connection goes back to the pool),
so that no worker can render the old content under the new version. The version lives in the cache backend (Redis
or the machine's shared folder), so every worker and server sees it at once. Should a process die between its
commit and the bump, every entry still ends after ``PAGE_CACHE_TIMEOUT`` seconds.
"""

import re
import threading
import uuid

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from plenary.extensions import cache

VERSION_KEY = "page-cache-version"

#: Tables no public page, calendar or API answer reads: writing them leaves every cached page as it is. Everything
#: else invalidates (safer too often than too rarely: a registration changes seats left and the participants list).
PRIVATE_TABLES = frozenset({
    "outbox_message", "audit_entry", "user_account", "user_session", "badge_batch", "reminder_sent",
    "follow_up_message", "issued_document", "visa_request", "answer", "attendance", "survey_participation",
    "survey_response", "survey_answer", "alembic_version", "stored_file", "broadcast", "plenary_reminder",
})  # fmt: skip
#: The version's lifetime in the backend: long, but not "for ever" (0), which a folder cache prunes first.
VERSION_TIMEOUT = 30 * 24 * 3600

_WRITE = re.compile(r"\s*(?:WITH\b|INSERT\b|UPDATE\b|DELETE\b|REPLACE\b|MERGE\b)", re.IGNORECASE)
_TARGET = re.compile(r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE)
_DIRTY = "page_cache_dirty"
_pending = threading.local()


def writes_public_table(statement: str) -> bool:
    """True if ``statement`` writes a table a public page may read (a statement not understood counts as one)."""
    if not _WRITE.match(statement):
        return False
    target = _TARGET.match(statement)
    return target is None or target.group(1).lower() not in PRIVATE_TABLES


def _info(conn) -> dict:
    """The connection's info, or a throw-away dict for a connection that is invalid (being rolled back on an error)."""
    if conn.invalidated or conn.closed:
        return {}
    try:
        return conn.info
    except sa.exc.SQLAlchemyError:
        return {}


def _before_cursor_execute(conn, _cursor, statement, _parameters, _context, _executemany):
    info = _info(conn)
    if not info.get(_DIRTY) and writes_public_table(statement):
        info[_DIRTY] = True


def _on_commit(conn):
    if _info(conn).pop(_DIRTY, False):
        _pending.app = current_app._get_current_object() if has_app_context() else None


def _on_rollback(conn):
    _info(conn).pop(_DIRTY, None)


def _bump_pending(*_args):
    if getattr(_pending, "app", None) is not None:
        app, _pending.app = _pending.app, None
        bump(app)


def install() -> None:
    """Listen on every engine and session (once per process)."""
    if sa.event.contains(sa.Engine, "before_cursor_execute", _before_cursor_execute):
        return
    sa.event.listen(sa.Engine, "before_cursor_execute", _before_cursor_execute)
    sa.event.listen(sa.Engine, "commit", _on_commit)
    sa.event.listen(sa.Engine, "rollback", _on_rollback)
    sa.event.listen(Session, "after_commit", _bump_pending)
    sa.event.listen(sa.pool.Pool, "checkin", _bump_pending)


def backend(app=None):
    """The app's Flask-Caching backend (a cachelib cache)."""
    app = app or current_app
    return app.extensions["cache"][cache]


def current_version(store) -> str:
    """The content version in ``store``; a new one if there is none yet (or it was evicted)."""
    version = store.get(VERSION_KEY)
    if version is None:
        store.add(VERSION_KEY, uuid.uuid4().hex, timeout=VERSION_TIMEOUT)
        version = store.get(VERSION_KEY) or ""
    return version


def bump(app=None) -> None:
    """Make every cached entry stale (a new random version: no lost update between servers)."""
    app = app or current_app
    try:
        backend(app).set(VERSION_KEY, uuid.uuid4().hex, timeout=VERSION_TIMEOUT)
    except Exception:  # the backend is down: entries end with their timeout; the app keeps working
        app.logger.exception("page cache: could not bump the content version")
