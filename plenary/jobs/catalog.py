"""The app's periodic jobs, in the order a round runs them (messages rendered before the outbox sends)."""

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app

from plenary.badges.batches import build_due as build_badge_batches
from plenary.broadcasts.rendering import broadcasts_to_render, claim, render_claimed
from plenary.certificates.followup import send_follow_ups
from plenary.extensions import db
from plenary.jobs.registry import Job
from plenary.mail.delivery import deliver_due
from plenary.mail.prune import prune_sent
from plenary.questions.follow_up import ask_confirmed
from plenary.registration.digest import plenaries_with_digest, write_digest
from plenary.registration.offers import expire_due, remind_due
from plenary.registration.privacy import plenaries_ended_before, purge_plenary
from plenary.reminders.sending import send_reminders
from plenary.visa.jobs import purge_passport_data


def render_broadcasts(now: datetime, keep_going: Callable[[], bool]) -> int:
    """Write the outbox messages of stored broadcasts (each claimed by one worker); how many were written."""
    written = 0
    for broadcast_id in broadcasts_to_render():
        if not keep_going():
            break
        if claim(broadcast_id, now):
            written += render_claimed(broadcast_id)
    return written


def deliver_outbox(now: datetime, keep_going: Callable[[], bool]) -> int:
    """Send every message that is due (rounds of 100, one SMTP connection each); how many went out.

    Due by the clock of each round, not ``now``: messages the jobs before just wrote go out in this run.
    """
    sent = 0
    while keep_going():
        report = deliver_due(keep_going=keep_going)
        sent += len(report.sent)
        if report.stalled or not (report.sent or report.retrying or report.failed):
            break
    return sent


def prune_sent_messages(now: datetime, keep_going: Callable[[], bool]) -> int:
    """Delete the texts and addresses of messages sent more than OUTBOX_PRUNE_AFTER_DAYS ago (None: never)."""
    days = current_app.config.get("OUTBOX_PRUNE_AFTER_DAYS")
    if days is None:
        return 0
    pruned = 0
    while keep_going():
        count = prune_sent(now - timedelta(days=float(days)), now)
        db.session.commit()
        pruned += count
        if not count:
            break
    return pruned


def purge_registrations(now: datetime, keep_going: Callable[[], bool]) -> int:
    """Anonymise the registrations of plenaries that ended REGISTRATION_RETENTION_DAYS ago (None: never)."""
    days = current_app.config.get("REGISTRATION_RETENTION_DAYS")
    if days is None:
        return 0
    purged = 0
    for plenary_id in plenaries_ended_before(now - timedelta(days=float(days))):
        if not keep_going():
            break
        purged += purge_plenary(plenary_id)  # one plenary per locked unit of work
        db.session.commit()
    return purged


def organizer_digests(now: datetime, keep_going: Callable[[], bool]) -> int:
    """Write the due daily digests of new registrations (one plenary per locked unit of work); how many were queued."""
    queued = 0
    for plenary_id in plenaries_with_digest():
        if not keep_going():
            break
        queued += write_digest(plenary_id, now) is not None
        db.session.commit()
    return queued


#: Offers come before the outbox, so that their mails go out in the same run (broadcasts stay first).
JOBS = (
    Job("broadcasts", render_broadcasts, every=timedelta(0)),
    Job("organizer-digests", organizer_digests, every=timedelta(minutes=10)),
    # Offers past their deadline lapse (the seat is offered to the next); due reminders go out once.
    Job("lapse-offers", expire_due, every=timedelta(minutes=1)),
    Job("remind-offers", remind_due, every=timedelta(minutes=1)),
    # Before a plenary: its reminders (7 and 1 days before, as the organizers set), once per person and reminder.
    Job("send-reminders", send_reminders, every=timedelta(minutes=1)),
    # After a plenary: the thank-you with the certificate of attendance, once per registration.
    Job("follow-up", send_follow_ups, every=timedelta(minutes=10)),
    Job("ask-follow-up-questions", ask_confirmed, every=timedelta(minutes=1)),
    Job("outbox", deliver_outbox, every=timedelta(0)),
    Job("prune-sent-messages", prune_sent_messages, every=timedelta(hours=1)),
    Job("purge-registrations", purge_registrations, every=timedelta(hours=1)),
    Job("badge-batches", build_badge_batches, every=timedelta(0)),
    Job("purge-passport-data", purge_passport_data, every=timedelta(hours=1)),
)
