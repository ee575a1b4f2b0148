"""The audit log: who changed what, when, from what to what. Written once, never edited."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL, PERSONAL


class ActorKind(StrEnum):
    """Who made a change: an account, a registrant on their own page, or the system (CLI, jobs)."""

    USER = "user"
    REGISTRANT = "registrant"
    SYSTEM = "system"


class AuditEntry(db.Model):
    """One change: by an account (``actor``), by a registrant on their own page, or by the system (CLI, jobs)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True, info=NOT_PERSONAL)
    # The account's e-mail address at the time (kept even if the account goes), or None.
    actor: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    actor_kind: Mapped[ActorKind] = mapped_column(enum_type(ActorKind, "actor_kind_known"), info=NOT_PERSONAL)
    # "plenary.update", "registration.status", "announcement.publish" …
    action: Mapped[str] = mapped_column(sa.String(60), index=True, info=NOT_PERSONAL)
    object_type: Mapped[str] = mapped_column(sa.String(40), info=NOT_PERSONAL)
    object_id: Mapped[int | None] = mapped_column(info=NOT_PERSONAL)
    # Plain numbers, no foreign keys: the log outlives what it describes.
    plenary_id: Mapped[int | None] = mapped_column(index=True, info=NOT_PERSONAL)
    summary: Mapped[str] = mapped_column(sa.String(300), default="", info=PERSONAL)
    # {"field or path": [before, after]}
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=PERSONAL)

    __table_args__ = (
        sa.Index("ix_audit_entry_object", "object_type", "object_id"),
    )
