"""Offers of a freed seat with a reply deadline (pretix's waiting-list model).

A plenary with ``offer_hours`` offers a freed seat to the first on the waiting list
(``seats.make_offer``: status offered, holding the seat until ``offer_expires_at``). The person
accepts (a seat: pending or confirmed as ``states.seat_status``) or declines on their personal page;
the worker reminds them once (``remind_due``) and lets an unanswered offer lapse (``expire_due``):
they leave the waiting list (cancelled, told by mail; they may register again while registration is
open) and the seat is offered to the next. Everything under the capacity lock; the services flush,
the jobs commit one registration per unit of work.
"""

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from plenary.db import utcnow
from plenary.events.models import PlenaryStatus
from plenary.extensions import db
from plenary.registration.changes import end_registration
from plenary.registration.errors import RegistrationError
from plenary.registration.locking import locked_registration
from plenary.registration.models import Registration
from plenary.registration.notifications import notify, notify_status
from plenary.registration.states import CANCELLED, OFFERED, change_status, check, seat_status


def accept(registration_id: int, now: datetime | None = None) -> Registration:
    """Accept an open offer: the held seat becomes the person's. After the deadline: RegistrationError."""
    registration, plenary = locked_registration(registration_id)
    check(registration, "accept")
    if (now or utcnow()) >= registration.offer_expires_at:
        raise RegistrationError("offer_lapsed")  # the worker passes it on; never a seat after the deadline
    change_status(registration, "accept", seat_status(plenary))
    db.session.flush()
    notify_status(registration)
    return registration


def decline(registration_id: int) -> Registration:
    """Decline an open offer: the person leaves the waiting list and the seat is offered to the next."""
    registration, plenary = locked_registration(registration_id)
    check(registration, "decline")
    return end_registration(registration, plenary, "decline", CANCELLED, "registration_cancelled")


def lapse(registration_id: int, now: datetime) -> bool:
    """Let one offer lapse if it is still open and past its deadline (checked under the lock: once only)."""
    registration, plenary = locked_registration(registration_id)
    if registration.status != OFFERED or registration.offer_expires_at > now:
        return False  # accepted, declined or lapsed by another worker meanwhile
    if plenary.status == PlenaryStatus.CANCELLED:
        change_status(registration, "lapse", CANCELLED)  # they were told of the cancellation: no second mail
        db.session.flush()
        return True
    end_registration(registration, plenary, "lapse", CANCELLED, "registration_offer_lapsed")
    return True


def remind(registration_id: int, now: datetime) -> bool:
    """Send an offer's one reminder if it is still open and due (checked under the lock: once only)."""
    registration, plenary = locked_registration(registration_id)
    due = registration.offer_reminder_at
    if registration.status != OFFERED or due is None or due > now or registration.offer_expires_at <= now:
        return False
    registration.offer_reminder_at = None  # due now: sent, or never (so it is not looked at again)
    if plenary.status == PlenaryStatus.CANCELLED:
        db.session.flush()
        return False  # no reminder to accept a place at a plenary that will not take place
    db.session.flush()
    notify(registration, "registration_offer_reminder")
    return True


def _due(column, now: datetime) -> list[int]:
    query = sa.select(Registration.id).where(Registration.status == OFFERED, column <= now)
    return list(db.session.scalars(query.order_by(column, Registration.id)))


def expire_due(now: datetime, keep_going: Callable[[], bool]) -> int:
    """The worker's job: let every offer past its deadline lapse (one per unit of work); how many lapsed."""
    lapsed = 0
    for registration_id in _due(Registration.offer_expires_at, now):
        db.session.rollback()  # end the read snapshot: each lapse starts its own locked unit of work
        if not keep_going():
            break
        lapsed += lapse(registration_id, now)
        db.session.commit()
    return lapsed


def remind_due(now: datetime, keep_going: Callable[[], bool]) -> int:
    """The worker's job: remind every open offer whose reminder is due (one per unit of work); how many."""
    reminded = 0
    for registration_id in _due(Registration.offer_reminder_at, now):
        db.session.rollback()
        if not keep_going():
            break
        reminded += remind(registration_id, now)
        db.session.commit()
    return reminded
