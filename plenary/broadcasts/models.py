"""A broadcast: one message in up to three languages to a filtered set of a plenary's registrations."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, utcnow
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL, PERSONAL


class Broadcast(db.Model):
    """A message the organizers send to a filtered set of a plenary's registrations, in three languages.

    Each recipient gets one OutboxMessage in their language (falling back to the others), rendered by
    the worker (``plenary.broadcasts.rendering``) after the request that stored the broadcast.
    """

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    # {"de": ..., "en": ..., "zh": ...}
    subject: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    body: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    markdown: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), info=NOT_PERSONAL)
    # The registration filters it was sent to (the list's query arguments).
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    created_by: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)
    recipient_count: Mapped[int] = mapped_column(default=0, info=NOT_PERSONAL)
    # The registrations that matched when it was sent (ids); None for messages rendered in the request (before).
    recipient_ids: Mapped[list | None] = mapped_column(sa.JSON, info=NOT_PERSONAL)
    # The compose form's one-time token: a second submission of the same form cannot store a second broadcast.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True, info=NOT_PERSONAL)
    # When every recipient's message was in the outbox; None while the worker still renders them.
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
    # A worker rendering it holds it until then (two workers do not render the same broadcast at once).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
