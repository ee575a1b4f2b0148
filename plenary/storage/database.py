"""The embedded backend: files as rows of ``stored_file`` in the app's database (joins the caller's transaction)."""

import hashlib
from datetime import datetime

import sqlalchemy as sa

from plenary.db import utcnow
from plenary.extensions import db
from plenary.storage.models import StoredFile

TABLE = StoredFile.__table__


def put(key: str, data: bytes) -> None:
    """Insert or replace the row of ``key`` (flushes; the caller commits)."""
    db.session.execute(sa.delete(TABLE).where(TABLE.c.key == key))
    db.session.execute(sa.insert(TABLE).values(key=key, data=data, size=len(data),
                                               sha256=hashlib.sha256(data).hexdigest(), created_at=utcnow()))


def get(key: str) -> tuple[bytes, str, datetime] | None:
    """Bytes, digest and time of ``key``, or None."""
    row = db.session.execute(sa.select(TABLE.c.data, TABLE.c.sha256, TABLE.c.created_at)
                             .where(TABLE.c.key == key)).first()  # fmt: skip
    return (bytes(row.data), row.sha256, row.created_at) if row is not None else None


def head(key: str) -> tuple[str, datetime] | None:
    """Digest and time of ``key`` (not its bytes), or None."""
    row = db.session.execute(sa.select(TABLE.c.sha256, TABLE.c.created_at).where(TABLE.c.key == key)).first()
    return (row.sha256, row.created_at) if row is not None else None


def exists(key: str) -> bool:
    """Whether ``key`` has a row."""
    return db.session.scalar(sa.select(sa.literal(1)).where(TABLE.c.key == key)) is not None


def delete(key: str) -> bool:
    """Delete the row of ``key``; True if this statement deleted it (of two at once, one wins)."""
    return db.session.execute(sa.delete(TABLE).where(TABLE.c.key == key)).rowcount == 1


def older_than(prefix: str, cutoff: datetime) -> list[str]:
    """Keys starting with ``prefix`` stored before ``cutoff``."""
    query = sa.select(TABLE.c.key).where(TABLE.c.key.startswith(prefix, autoescape=True), TABLE.c.created_at < cutoff)
    return list(db.session.scalars(query))
