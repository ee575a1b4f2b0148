"""Badge and name plate PDFs built by the worker: queue a batch, claim it, build it with progress, prune old files.

A request only queues a batch (``queue_batch``); the job ``build_due`` claims each queued batch atomically for
LEASE (renewed after every chunk of sheets), renders it chunk by chunk, committing ``done`` after each, stores the
PDF under ``badges/<token>.pdf`` in the file store (``plenary.storage``, shared by the worker and every app server)
and marks it done (the database backend: in one transaction, so a half-made file is never served). A worker that
dies mid-way leaves the batch running with a lease that runs out: the next round claims it again and starts over
(nothing half-made is kept). Files and their rows are deleted KEEP after they were asked for, and at once when
someone of their plenary erases their data (a PDF may name them).
"""

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from plenary import storage
from plenary.badges.layout import card_size
from plenary.badges.models import BadgeBatch, BatchKind, BatchStatus
from plenary.badges.selection import BadgeSelection, count, selected
from plenary.badges.services import cards_for, plenary_context, render_cards
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.locking import lock_plenary
from plenary.registration.signals import registration_erased
from plenary.sqlite import begin_write

log = logging.getLogger(__name__)

#: How long a worker's claim on a batch lasts (renewed after each chunk of sheets).
LEASE = timedelta(minutes=5)
#: How long a built file is kept (then it and its row are deleted).
KEEP = timedelta(days=1)


class EmptySelection(Exception):
    """The selection prints nobody."""


def batch_key(batch: BadgeBatch) -> str:
    """The store's key of a batch's PDF (it exists once the batch is done)."""
    return f"badges/{batch.file_token}.pdf"


def batch_pdf(batch: BadgeBatch) -> bytes | None:
    """The built PDF of a batch, or None (not built, or pruned)."""
    stored = storage.get(batch_key(batch))
    return stored.data if stored is not None else None


def pending_batch(plenary_id: int, kind: str, filters: dict, size: str) -> BadgeBatch | None:
    """A batch of the same kind, size and selection still queued or running (it is reused, not queued again)."""
    query = sa.select(BadgeBatch).where(
        BadgeBatch.plenary_id == plenary_id, BadgeBatch.kind == BatchKind(kind), BadgeBatch.size == size,
        BadgeBatch.status.in_((BatchStatus.QUEUED, BatchStatus.RUNNING))).order_by(BadgeBatch.id)  # fmt: skip
    return next((batch for batch in db.session.scalars(query) if (batch.filters or {}) == filters), None)


def queue_batch(plenary: Plenary, kind: str, selection: BadgeSelection, size: str | None,
                created_by: str | None) -> tuple[BadgeBatch, bool]:  # fmt: skip
    """Store a batch for the worker (flushes, never commits); EmptySelection if it would print nobody.

    Under the plenary's lock: an identical batch still queued or running is returned instead (then the flag is
    False), so that several presses of "Build PDF" (or several organizers at once) queue one batch.
    """
    plenary_id, filters, size = plenary.id, selection.args(), card_size(size).key
    lock_plenary(plenary_id)
    existing = pending_batch(plenary_id, kind, filters, size)
    if existing is not None:
        return existing, False
    total = count(plenary_id, selection)
    if not total:
        raise EmptySelection
    batch = BadgeBatch(plenary_id=plenary_id, kind=BatchKind(kind), filters=filters,
                       size=size, status=BatchStatus.QUEUED, done=0, total=total,
                       file_token=secrets.token_urlsafe(32), created_by=created_by)  # fmt: skip
    db.session.add(batch)
    db.session.flush()
    return batch, True


def recent_batches(plenary_id: int, limit: int = 10) -> list[BadgeBatch]:
    """A plenary's batches, newest first."""
    query = sa.select(BadgeBatch).where(BadgeBatch.plenary_id == plenary_id).order_by(BadgeBatch.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def _claimable(now: datetime):
    table = BadgeBatch.__table__
    expired = sa.and_(table.c.status == BatchStatus.RUNNING.value, table.c.locked_until < now)
    return sa.or_(table.c.status == BatchStatus.QUEUED.value, expired)


def batches_to_build(now: datetime) -> list[int]:
    """Ids of the batches a worker may take now (queued, or running under a lease that ran out), oldest first."""
    table = BadgeBatch.__table__
    return list(db.session.scalars(sa.select(table.c.id).where(_claimable(now)).order_by(table.c.id)))


def claim(batch_id: int, now: datetime) -> bool:
    """Take the batch for this worker until now + LEASE, atomically (and commit); False if another has it."""
    table = BadgeBatch.__table__
    begin_write(db.session())
    result = db.session.execute(
        sa.update(table).where(table.c.id == batch_id, _claimable(now))
        .values(status=BatchStatus.RUNNING.value, locked_until=now + LEASE, done=0)
    )  # fmt: skip
    db.session.commit()
    return result.rowcount == 1


def _progress(batch_id: int, done: int) -> None:
    """Record how many are rendered and renew the lease (commits)."""
    table = BadgeBatch.__table__
    begin_write(db.session())
    db.session.execute(sa.update(table).where(table.c.id == batch_id)
                       .values(done=done, locked_until=utcnow() + LEASE))  # fmt: skip
    db.session.commit()


def build_claimed(batch_id: int) -> bool:
    """Render a claimed batch into its file, recording progress; True when done, False when it failed.

    Everything the PDF shows is read first (the selection as it is now), so that progress can be committed
    between chunks. A failure is recorded on the batch (status failed, the error's name) and logged.
    """
    batch = db.session.get(BadgeBatch, batch_id)
    plenary = db.session.get(Plenary, batch.plenary_id)
    kind, size, token = batch.kind, batch.size, batch.file_token
    try:
        people = selected(plenary.id, BadgeSelection.from_args(batch.filters or {}))
        context = plenary_context(plenary)
        cards = cards_for(kind, people)  # badges: their documents issued, committed below
        total = len(cards)
        begin_write(db.session())
        batch.total = total
        db.session.commit()
        if not total:
            raise EmptySelection("nobody is selected any more")
        pdf = render_cards(kind, context, cards, size, progress=lambda done: _progress(batch_id, done))
    except Exception as exc:
        log.exception("badge batch %s failed", batch_id)
        db.session.rollback()
        begin_write(db.session())
        db.session.execute(sa.update(BadgeBatch.__table__).where(BadgeBatch.__table__.c.id == batch_id).values(
            status=BatchStatus.FAILED.value, locked_until=None, finished_at=utcnow(),
            error=type(exc).__name__[:200]))  # fmt: skip
        db.session.commit()
        return False
    key = f"badges/{token}.pdf"
    begin_write(db.session())
    storage.put(key, pdf)
    result = db.session.execute(sa.update(BadgeBatch.__table__).where(BadgeBatch.__table__.c.id == batch_id).values(
        status=BatchStatus.DONE.value, done=total, locked_until=None, finished_at=utcnow()))  # fmt: skip
    if result.rowcount == 0:  # deleted meanwhile (someone of it erased their data): the file goes too
        storage.delete(key)
        db.session.commit()
        return False
    db.session.commit()
    return True


def prune(now: datetime) -> int:
    """Delete batches (and their files) asked for more than KEEP ago; how many (commits)."""
    old = list(db.session.scalars(sa.select(BadgeBatch).where(BadgeBatch.created_at < now - KEEP)))
    for batch in old:
        forget_file(batch)
        db.session.delete(batch)
    if old:
        db.session.commit()
    return len(old)


def forget_file(batch: BadgeBatch) -> None:
    """Delete a batch's file, if there is any (the database backend: with the caller's transaction)."""
    storage.delete(batch_key(batch))


def _forget_batches_naming(registration, **_) -> None:
    """Someone erased their data: the plenary's PDFs may name them, so they go (organizers build them again)."""
    for batch in db.session.scalars(sa.select(BadgeBatch).where(BadgeBatch.plenary_id == registration.plenary_id)):
        forget_file(batch)
        db.session.delete(batch)
    db.session.flush()


registration_erased.connect(_forget_batches_naming, weak=False)


def build_due(now: datetime, keep_going) -> int:
    """The worker's job: build every batch that may be taken now, then prune old ones; how many were built."""
    built = 0
    for batch_id in batches_to_build(now):
        if not keep_going():
            break
        if claim(batch_id, now):
            built += build_claimed(batch_id)
    prune(now)
    return built
