"""A broadcast: one message in up to three languages to a filtered set of a plenary's registrations."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from plenary.db import UTCDateTime, utcnow
from plenary.extensions import db


class Broadcast(db.Model):
    """A message the organizers send to a filtered set of a plenary's registrations, in three languages.

    Each recipient gets one OutboxMessage in their language (falling back to the others), rendered by
    the worker (``plenary.broadcasts.rendering``) after the request that stored the broadcast.
    """

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True)
    # {"de": ..., "en": ..., "zh": ...}
    subject: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    body: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    markdown: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The registration filters it was sent to (the list's query arguments).
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_by: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient_count: Mapped[int] = mapped_column(default=0)
    # The registrations that matched when it was sent (ids); None for messages rendered in the request (before).
    recipient_ids: Mapped[list | None] = mapped_column(sa.JSON)
    # The compose form's one-time token: a second submission of the same form cannot store a second broadcast.
    form_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # When every recipient's message was in the outbox; None while the worker still renders them.
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A worker rendering it holds it until then (two workers do not render the same broadcast at once).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
