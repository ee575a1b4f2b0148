"""Back-office login sessions that end: at logout, on a change to the account, when idle, and at a fixed hour.

Flask's session cookie is signed but lives on the client: a copy of it would stay valid for as long as it is
renewed. So a login also creates a ``UserSession`` row and puts a random token for it into the cookie; every
request checks the row (``session_user``). Ending a session is a change to the row, which no copy of a cookie
survives. These functions flush, never commit.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from plenary.auth.models import User, UserSession
from plenary.db import utcnow
from plenary.extensions import db
from plenary.sqlite import begin_write

#: How often a live session's ``last_seen_at`` is written (not on every request): the idle timeout is exact to
#: within this much.
TOUCH_INTERVAL = timedelta(minutes=1)


def _key(token: str) -> str:
    """The row id of ``token``: its SHA-256 (the token itself is stored nowhere on the server)."""
    return hashlib.sha256(token.encode()).hexdigest()


def absolute_lifetime() -> timedelta:
    """How long a login lasts at most, however active (``PERMANENT_SESSION_LIFETIME``, 8 hours by default)."""
    return current_app.permanent_session_lifetime


def idle_timeout() -> timedelta:
    """How long a login lasts without a request (``SESSION_IDLE_TIMEOUT`` in seconds, 2 hours by default)."""
    return timedelta(seconds=int(current_app.config["SESSION_IDLE_TIMEOUT"]))


def start_session(user: User, now: datetime | None = None) -> str:
    """A new session for ``user``; returns the token for the cookie. Also drops the account's long-dead rows."""
    now = now or utcnow()
    db.session.execute(
        sa.delete(UserSession).where(UserSession.user_id == user.id,
                                     UserSession.created_at < now - absolute_lifetime())
    )  # fmt: skip
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_key(token), user_id=user.id, created_at=now, last_seen_at=now))
    db.session.flush()
    return token


def end_session(token: str | None, now: datetime | None = None) -> None:
    """End the one session of ``token`` (logout)."""
    if token:
        db.session.execute(
            sa.update(UserSession).where(UserSession.id == _key(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
        )  # fmt: skip


def end_all_sessions(user: User, now: datetime | None = None) -> None:
    """End every session of ``user`` at once (password, role or active flag changed)."""
    db.session.execute(
        sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )  # fmt: skip


def live_session(user_id: int, token: str | None, now: datetime | None = None) -> UserSession | None:
    """The session of ``token`` if it belongs to ``user_id`` and has not ended (revoked, idle or too old)."""
    if not token:
        return None
    now = now or utcnow()
    row = db.session.get(UserSession, _key(token))
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        return None
    if now >= row.created_at + absolute_lifetime() or now >= row.last_seen_at + idle_timeout():
        return None
    return row


def session_user(user_id: str, token: str | None, now: datetime | None = None) -> User | None:
    """The active account ``user_id`` if ``token`` is one of its live sessions, else None."""
    if not user_id.isdecimal() or int(user_id) > 2**31 - 1:
        return None
    if live_session(int(user_id), token, now) is None:
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


def touch_due(token: str | None, now: datetime | None = None) -> bool:
    """True if the session of ``token`` was last noted more than ``TOUCH_INTERVAL`` ago (reads the loaded row)."""
    row = db.session.get(UserSession, _key(token)) if token else None
    return row is not None and row.last_seen_at < (now or utcnow()) - TOUCH_INTERVAL


def touch_session(token: str | None, now: datetime | None = None) -> bool:
    """Note a request in the session of ``token`` (at most every ``TOUCH_INTERVAL``); True if a row changed.

    Its own short write: the read transaction that loaded the session ends first and the note begins as a
    write (``BEGIN IMMEDIATE`` on SQLite), since SQLite refuses at once to turn a read that another writer has
    overtaken into a write ("database is locked") instead of waiting.
    """
    if not token:
        return False
    now = now or utcnow()
    begin_write(db.session())
    result = db.session.execute(
        sa.update(UserSession).where(UserSession.id == _key(token), UserSession.revoked_at.is_(None),
                                     UserSession.last_seen_at < now - TOUCH_INTERVAL)
        .values(last_seen_at=now)
    )  # fmt: skip
    return bool(result.rowcount)
