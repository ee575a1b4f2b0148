"""Reminders before a plenary: when each is due (relative to the plenary's start), and to whom it went (the claim)."""

from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plenary.db import UTCDateTime, utcnow
from plenary.extensions import db
from plenary.personal import FACT, NOT_PERSONAL


class PlenaryReminder(db.Model):
    """ "``days_before`` days before the start, at ``local_time`` in the plenary's zone": one reminder of a plenary.

    Stored relative to the start, so a moved plenary moves its reminders (``plenary.reminders.schedule.due_at``).
    ``subject`` and ``intro``: the organizers' own words per language ({"de", "en", "zh"}), optional; the intro is
    plain text or Markdown (``markdown``), rendered like a message to attendees, never as trusted HTML.
    """

    __tablename__ = "plenary_reminder"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    plenary_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary.id", ondelete="CASCADE"), index=True,
                                            info=NOT_PERSONAL)  # fmt: skip
    days_before: Mapped[int] = mapped_column(info=NOT_PERSONAL)
    local_time: Mapped[time] = mapped_column(sa.Time, info=NOT_PERSONAL)
    enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), info=NOT_PERSONAL)
    subject: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    intro: Mapped[dict] = mapped_column(sa.JSON, default=dict, info=NOT_PERSONAL)
    markdown: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)

    plenary: Mapped["Plenary"] = relationship()  # noqa: F821

    __table_args__ = (sa.CheckConstraint("days_before >= 0 AND days_before <= 60", name="days_before_range"),)


class ReminderSent(db.Model):
    """That a reminder was queued for a registration (one row per reminder and registration: the claim)."""

    __tablename__ = "reminder_sent"

    reminder_id: Mapped[int] = mapped_column(sa.ForeignKey("plenary_reminder.id", ondelete="CASCADE"),
                                             primary_key=True, info=NOT_PERSONAL)  # fmt: skip
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True, info=NOT_PERSONAL)  # fmt: skip
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=FACT)
