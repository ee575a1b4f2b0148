"""Sending a broadcast (stored by the request, rendered by the worker) and reading its delivery state.

Services flush, never commit. ``send`` takes no lock: it stores the texts, filters and the ids of
the registrations that match now, and returns; ``plenary.broadcasts.rendering`` writes the messages.
"""

from datetime import timedelta

import sqlalchemy as sa

from plenary.audit.services import record
from plenary.broadcasts.compose import Draft, first_text, recipients_query
from plenary.broadcasts.models import Broadcast
from plenary.db import utcnow
from plenary.extensions import db
from plenary.mail.models import OutboxMessage, OutboxStatus
from plenary.mail.retry import retry_failed
from plenary.registration.models import Registration
from plenary.sqlite import begin_write

#: The same message by the same person to the same people within this time is a double submission.
DUPLICATE_WINDOW = timedelta(minutes=10)


class BroadcastError(Exception):
    """The message cannot be sent as it is (``code``: no_recipients, duplicate)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def send(plenary_id: int, draft: Draft, author: str | None, form_token: str | None = None) -> Broadcast:
    """Store the message for the worker to render, one outbox message per recipient; audited. Flushes.

    The recipients are those who match now (their ids are stored). A second submission of the same
    message is refused (BroadcastError("duplicate")): the same compose form (``form_token``, unique in
    the database, so also two submissions at the same moment) or the same texts by the same author to
    the same people within DUPLICATE_WINDOW. BroadcastError("no_recipients") if nobody matches.
    No lock is taken: sign-ups go on while a large message is rendered.
    """
    # A write from the start (SQLite's BEGIN IMMEDIATE waits for other writers; reading first, then writing,
    # would be refused at once with "database is locked" while sign-ups write).
    begin_write(db.session())
    subject, body = draft.texts()
    filters = draft.filters.args()
    if form_token and db.session.scalar(sa.select(Broadcast.id).where(Broadcast.form_token == form_token)):
        raise BroadcastError("duplicate")
    since = utcnow() - DUPLICATE_WINDOW
    recent = db.session.scalars(
        sa.select(Broadcast).where(Broadcast.plenary_id == plenary_id, Broadcast.created_at >= since)
    )
    if any(b.created_by == author and b.subject == subject and b.body == body and b.filters == filters for b in recent):
        raise BroadcastError("duplicate")
    ids = list(db.session.scalars(recipients_query(plenary_id, draft.filters).with_only_columns(Registration.id)))
    if not ids:
        raise BroadcastError("no_recipients")
    broadcast = Broadcast(plenary_id=plenary_id, subject=subject, body=body, markdown=draft.markdown, filters=filters,
                          created_by=author, recipient_count=len(ids), recipient_ids=ids,
                          form_token=form_token)  # fmt: skip
    db.session.add(broadcast)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:  # the same form, submitted at the same moment, was stored first
        raise BroadcastError("duplicate") from None
    record("message.send", broadcast, summary=first_text(subject),
           changes={"recipients": [None, len(ids)], "filters": [None, filters]})  # fmt: skip
    db.session.flush()
    return broadcast


def delivery_counts(broadcast_ids: list[int]) -> dict[int, dict[str, int]]:
    """Messages per broadcast by delivery state (pending, sent, failed)."""
    counts: dict[int, dict[str, int]] = {i: {s.value: 0 for s in OutboxStatus} for i in broadcast_ids}
    if broadcast_ids:
        rows = db.session.execute(
            sa.select(OutboxMessage.broadcast_id, OutboxMessage.status, sa.func.count())
            .where(OutboxMessage.broadcast_id.in_(broadcast_ids))
            .group_by(OutboxMessage.broadcast_id, OutboxMessage.status)
        ).all()  # fmt: skip
        for broadcast_id, status, count in rows:
            counts[broadcast_id][status] = count
    return counts


def broadcasts(plenary_id: int) -> list[Broadcast]:
    """A plenary's messages, newest first."""
    query = sa.select(Broadcast).where(Broadcast.plenary_id == plenary_id)
    return list(db.session.scalars(query.order_by(Broadcast.created_at.desc(), Broadcast.id.desc())))


def deliveries(broadcast_id: int) -> list[tuple[OutboxMessage, Registration | None]]:
    """A broadcast's messages with their registrations (None once deleted), by name."""
    return list(db.session.execute(
        sa.select(OutboxMessage, Registration)
        .outerjoin(Registration, Registration.id == OutboxMessage.registration_id)
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .order_by(Registration.last_name, Registration.first_name, OutboxMessage.id)
    ).all())  # fmt: skip




def rendered_count(broadcast_id: int) -> int:
    """How many of a broadcast's messages are in the outbox (all of them once it is rendered)."""
    return db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.broadcast_id == broadcast_id))


def retry_broadcast(broadcast: Broadcast) -> list[int]:
    """Queue a broadcast's failed deliveries again (never those of erased people) and log it; returns their ids."""
    ids = retry_failed(broadcast_id=broadcast.id)
    if ids:
        record("message.retry", broadcast, summary=first_text(broadcast.subject),
               changes={"retried": [None, len(ids)]})  # fmt: skip
    return ids
