"""A batch of badges or name plates the worker builds into one PDF (``badges/<token>.pdf`` in the file store)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL, PERSONAL


class BatchKind(StrEnum):
    """What a batch prints."""

    BADGE = "badge"
    NAMEPLATE = "nameplate"


class BatchStatus(StrEnum):
    """Where a batch stands: queued → running → done (or failed)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BadgeBatch(db.Model):
    """One PDF of badges or name plates for a selection of a plenary's registrations, built by the worker.

    The worker claims a queued batch (or a running one whose lease ran out: a crashed worker's) for a lease it
    renews with every chunk; ``done``/``total`` count the people rendered so far. The file is
    ``badges/<file_token>.pdf`` in the file store (plenary.storage), deleted (and the row with it) a day after it
    was made.
    """

    __tablename__ = "badge_batch"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    kind: Mapped[BatchKind] = mapped_column(enum_type(BatchKind, "kind_known"), info=NOT_PERSONAL)
    # The selection as the page's query arguments (plenary.badges.selection.BadgeSelection.args()).
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    # The card size of badges ("a6", "a7"; see plenary.badges.layout.SIZES).
    size: Mapped[str] = mapped_column(sa.String(8), default="a6", info=NOT_PERSONAL)
    status: Mapped[BatchStatus] = mapped_column(enum_type(BatchStatus, "status_known"), default=BatchStatus.QUEUED,
                                                index=True, info=NOT_PERSONAL)  # fmt: skip
    done: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    total: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    # The file's name (a random token: the download checks the account's role, the name is not guessable either).
    file_token: Mapped[str] = mapped_column(sa.String(43), unique=True, info=NOT_PERSONAL)
    # The account that asked for it (an organizer's address, as the audit log names them).
    created_by: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    # The worker's claim: until when it is building this batch (a crashed worker's claim runs out).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    # Why it failed (an error's class name, for the page and the log), or None.
    error: Mapped[str | None] = mapped_column(sa.String(200), info=NOT_PERSONAL)

    def stalled(self, now: datetime) -> bool:
        """Running, but its worker's lease ran out (the worker died): the next round of the worker starts it again."""
        return self.status == BatchStatus.RUNNING and (self.locked_until is None or self.locked_until < now)
