"""The follow-up after a plenary (the worker's ``follow-up`` job): once per registration, FOLLOW_UP_HOURS after
the end, those who attended get a thank-you in their language with their certificate attached.

Each registration is claimed by one INSERT into ``follow_up`` that succeeds once (several workers may run),
in the same unit of work as the mail it queues; so a run twice, or two workers at once, send one mail.
Only plenaries that ended at most FOLLOW_UP_WITHIN_DAYS ago are followed up (the first deployment does not
write to the delegates of every plenary in the database).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from plenary.certificates.models import FollowUp, FollowUpOutcome
from plenary.certificates.services import certificate_for
from plenary.documents import services as documents
from plenary.events.models import Plenary, PlenaryStatus
from plenary.events.services import reply_address
from plenary.extensions import db
from plenary.mail.outbox import queue_message
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.states import RegistrationStatus
from plenary.survey.services import survey_url_for
from plenary.upsert import insert_once

#: The thank-you mail (templates/mail/certificate_follow_up.txt + .html).
MAIL_KIND = "certificate_follow_up"


def plenaries_due(now: datetime) -> list[int]:
    """The plenaries whose follow-up is due: ended FOLLOW_UP_HOURS ago, within FOLLOW_UP_WITHIN_DAYS, not cancelled."""
    latest_end = now - timedelta(hours=float(current_app.config.get("FOLLOW_UP_HOURS", 12)))
    earliest_end = latest_end - timedelta(days=float(current_app.config.get("FOLLOW_UP_WITHIN_DAYS", 14)))
    return list(db.session.scalars(
        sa.select(Plenary.id).where(Plenary.status == PlenaryStatus.PUBLISHED, Plenary.ends_at <= latest_end,
                                    Plenary.ends_at > earliest_end).order_by(Plenary.ends_at)
    ))  # fmt: skip


def waiting(plenary_id: int) -> list[Registration]:
    """The plenary's confirmed registrations (with an address) that the follow-up has not dealt with yet."""
    done = sa.exists().where(FollowUp.registration_id == Registration.id)
    return list(db.session.scalars(
        sa.select(Registration)
        .where(Registration.plenary_id == plenary_id, Registration.status == RegistrationStatus.CONFIRMED,
               Registration.anonymised_at.is_(None), Registration.email.is_not(None), ~done)
        .options(sa.orm.selectinload(Registration.attendance_records), sa.orm.selectinload(Registration.plenary))
        .order_by(Registration.id)
    ))  # fmt: skip


def _claim(registration: Registration, outcome: FollowUpOutcome, now: datetime) -> bool:
    """Record that the follow-up dealt with ``registration``; False if another run already did."""
    return insert_once(FollowUp.__table__, registration_id=registration.id, outcome=outcome, done_at=now)


def follow_up(registration: Registration, now: datetime) -> FollowUpOutcome | None:
    """Deal with one registration: a thank-you with the certificate if they attended; None if already done.

    The plenary's lock comes first (before the claim writes): the certificate is issued under it.
    """
    lock_plenary(registration.plenary_id)
    if not registration.attended:
        # Issue 13 (online attendance) may write to those who did not attend here; for now: no mail.
        return FollowUpOutcome.NOT_ATTENDED if _claim(registration, FollowUpOutcome.NOT_ATTENDED, now) else None
    if not _claim(registration, FollowUpOutcome.CERTIFICATE, now):
        return None
    document = certificate_for(registration, now)
    queue_message(
        MAIL_KIND, registration.email, registration.language,
        {"registration": registration, "plenary": registration.plenary, "document": document,
         "certificate_url": documents.verification_url(document),
         # The survey's page while it is open to this person (the endpoint; the link is personal_url(endpoint=…)).
         "survey_url": survey_url_for(registration, now)},
        registration_id=registration.id, reply_to=reply_address(registration.plenary),
        attachment_ref=documents.attachment_ref(document),
    )  # fmt: skip
    return FollowUpOutcome.CERTIFICATE


def send_follow_ups(now: datetime, keep_going: Callable[[], bool]) -> int:
    """The job: follow up every due registration (one unit of work each); how many thank-you mails were queued."""
    queued = 0
    for plenary_id in plenaries_due(now):
        for registration in waiting(plenary_id):
            if not keep_going():
                return queued
            queued += follow_up(registration, now) == FollowUpOutcome.CERTIFICATE
            db.session.commit()
    return queued
