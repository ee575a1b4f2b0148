"""The database backend's table: one row per stored file (key, bytes, size, digest, time)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, utcnow
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL, PERSONAL


class StoredFile(db.Model):
    """A file of the embedded store (``FLASK_STORAGE_BACKEND=database``): uploads, badge PDFs, staged imports."""

    __tablename__ = "stored_file"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True, info=NOT_PERSONAL)
    # Badge PDFs and staged imports name people.
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, info=PERSONAL)
    size: Mapped[int] = mapped_column(info=NOT_PERSONAL)
    sha256: Mapped[str] = mapped_column(sa.String(64), info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True, info=NOT_PERSONAL)
