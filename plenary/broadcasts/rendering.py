"""The worker's part of a broadcast: one outbox message per stored recipient, in batches, exactly once.

A worker claims a broadcast still to render for RENDER_LEASE (so two workers do not render the
same one at once), writes the messages of those recipients that have none yet, a batch per
transaction, and marks it rendered. Running it again, after a crash or by a second worker, adds
nothing twice: what exists is skipped, and the outbox's unique (broadcast, registration) refuses a
second message. Recipients erased since the message was sent are skipped. No plenary lock is taken.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa

from plenary.broadcasts.compose import KIND, Draft, context_for, message_language
from plenary.broadcasts.models import Broadcast
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.events.services import reply_address
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.mail.outbox import queue_message, queued_message_ids
from plenary.registration.filters import RegistrationFilter
from plenary.registration.models import Registration
from plenary.sqlite import begin_write

#: How long a worker's claim on a broadcast it renders lasts (renewed with every batch).
RENDER_LEASE = timedelta(minutes=2)
#: Messages rendered per transaction.
BATCH = 100


def broadcasts_to_render() -> list[int]:
    """Ids of the broadcasts whose messages are not all written yet, oldest first."""
    query = sa.select(Broadcast.id).where(Broadcast.rendered_at.is_(None)).order_by(Broadcast.id)
    return list(db.session.scalars(query))


def claim(broadcast_id: int, now: datetime) -> bool:
    """Take the broadcast for this worker until now + RENDER_LEASE, atomically (and commit); False if not ours."""
    table = Broadcast.__table__
    begin_write(db.session())  # waits for other writers instead of failing (SQLite)
    result = db.session.execute(
        sa.update(table)
        .where(table.c.id == broadcast_id, table.c.rendered_at.is_(None),
               sa.or_(table.c.locked_until.is_(None), table.c.locked_until < now))
        .values(locked_until=now + RENDER_LEASE)
    )  # fmt: skip
    db.session.commit()
    return result.rowcount == 1


def render_claimed(broadcast_id: int) -> int:
    """Write the missing messages of a claimed broadcast, committing each batch; then mark it rendered.

    Returns how many messages this call wrote. Commits (it is the worker's unit of work, like a view's).
    """
    try:
        broadcast = db.session.get(Broadcast, broadcast_id)
        written = 0
        for batch in _batches(_missing(broadcast)):
            begin_write(db.session())  # each batch one write transaction that waits for other writers
            written += _render_batch(broadcast, batch)
            broadcast.locked_until = utcnow() + RENDER_LEASE
            db.session.commit()
            queued_message_ids()  # the worker delivers them in its next job, not the request's courier
        begin_write(db.session())
        broadcast.rendered_at = utcnow()
        broadcast.locked_until = None
        db.session.commit()
    except Exception:
        release(broadcast_id)  # the next turn (of any worker) goes on at once, not after the lease
        raise
    return written


def release(broadcast_id: int) -> None:
    """Give up this worker's claim on a broadcast after a failure (what was committed stays)."""
    db.session.rollback()
    begin_write(db.session())
    db.session.execute(sa.update(Broadcast.__table__).where(Broadcast.__table__.c.id == broadcast_id)
                       .values(locked_until=None))  # fmt: skip
    db.session.commit()


def _missing(broadcast: Broadcast) -> list[int]:
    """The stored recipients without a message of this broadcast yet, in the stored order."""
    done = set(db.session.scalars(
        sa.select(OutboxMessage.registration_id).where(OutboxMessage.broadcast_id == broadcast.id)
    ))  # fmt: skip
    return [i for i in broadcast.recipient_ids or () if i not in done]


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _render_batch(broadcast: Broadcast, ids: list[int]) -> int:
    """Queue the message for each of these registrations that can still get it. Flushes."""
    plenary = db.session.get(Plenary, broadcast.plenary_id)
    draft = Draft(subject=broadcast.subject, body=broadcast.body, markdown=broadcast.markdown,
                  filters=RegistrationFilter.from_args(broadcast.filters))  # fmt: skip
    reply_to = reply_address(plenary)  # where every registrant's reply goes (also their invitations' ORGANIZER)
    recipients = db.session.scalars(
        sa.select(Registration)
        .where(Registration.id.in_(ids), Registration.email.is_not(None), Registration.anonymised_at.is_(None))
        .options(sa.orm.selectinload(Registration.delegation_head))
        .order_by(Registration.id)
    ).all()  # fmt: skip
    for registration in recipients:
        lang = message_language(registration.language, draft.languages)
        message = queue_message(KIND, registration.email, lang, context_for(draft, plenary, registration, lang),
                                registration_id=registration.id, reply_to=reply_to)  # fmt: skip
        message.broadcast_id = broadcast.id
    db.session.flush()
    return len(recipients)
