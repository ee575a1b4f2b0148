"""Files off the server's disk: one store for uploads and built files, shared by every app server and worker.

``put(key, data)``, ``get(key)``, ``find(key)`` (the validators first, the bytes when used), ``delete(key)``,
``exists(key)`` and ``older_than(prefix, cutoff)`` by key
(``documents/<name>.pdf``, ``plenary_documents/<name>.pdf``, ``badges/<token>.pdf``, ``imports/<token>.json``).
Two backends, chosen by ``FLASK_STORAGE_BACKEND``:

- ``database`` (the default): the table ``stored_file`` in the app's own database (SQLite or PostgreSQL), so the
  embedded setup needs nothing else and a database backup holds the files too. Writes join the caller's
  transaction: a file stored with a change is committed (or rolled back) with it.
- ``s3``: an S3-compatible bucket through boto3 (``FLASK_STORAGE_S3_*``). Writes happen at once, outside the
  database transaction, which is why callers store a file only once what refers to it is valid.

Keys are made by the app (random tokens checked against a pattern by the callers); nothing a visitor sends is
used as a key unchecked.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app

from plenary.storage import database, s3

BACKENDS = {"database": database, "s3": s3}


@dataclass
class Stored:
    """A stored file: a strong validator (ETag), when it was stored, and its bytes (``find``: read when first used)."""

    etag: str
    modified: datetime
    _data: bytes | None = field(default=None, repr=False)
    _read: Callable[[], bytes] | None = field(default=None, repr=False)

    @property
    def data(self) -> bytes:
        """The file's bytes (read from the store now, for one that ``find`` gave)."""
        if self._data is None:
            self._data = self._read()
        return self._data


def _backend():
    name = str(current_app.config.get("STORAGE_BACKEND") or "database").lower()
    try:
        return BACKENDS[name]
    except KeyError:
        raise RuntimeError(f"FLASK_STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}") from None


def put(key: str, data: bytes) -> None:
    """Store ``data`` under ``key`` (replacing what was there)."""
    _backend().put(key, data)


def get(key: str) -> Stored | None:
    """The file stored under ``key``, or None."""
    found = _backend().get(key)
    return Stored(found[1], found[2], _data=found[0]) if found is not None else None


def find(key: str) -> Stored | None:
    """The file stored under ``key`` without its bytes, read only if ``data`` is used (a 304 reads none), or None."""
    backend = _backend()
    found = backend.head(key)
    if found is None:
        return None

    def read() -> bytes:
        stored = backend.get(key)
        if stored is None:  # removed between the look and the read
            raise FileNotFoundError(key)
        return stored[0]

    return Stored(found[0], found[1], _read=read)


def exists(key: str) -> bool:
    """Whether a file is stored under ``key``."""
    return _backend().exists(key)


def delete(key: str) -> bool:
    """Remove the file under ``key``; True if this call removed it (the database backend: atomically)."""
    return _backend().delete(key)


def older_than(prefix: str, cutoff: datetime) -> list[str]:
    """Keys under ``prefix`` stored before ``cutoff``."""
    return _backend().older_than(prefix, cutoff)


def validate(app) -> None:
    """Refuse to start with an unknown backend or an S3 backend without a bucket (called by the app factory)."""
    name = str(app.config.get("STORAGE_BACKEND") or "database").lower()
    if name not in BACKENDS:
        raise RuntimeError(f"FLASK_STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    if name == "s3" and not app.config.get("STORAGE_S3_BUCKET"):
        raise RuntimeError("FLASK_STORAGE_BACKEND=s3 needs FLASK_STORAGE_S3_BUCKET (and usually the endpoint "
                           "URL, region and keys: FLASK_STORAGE_S3_*).")  # fmt: skip
