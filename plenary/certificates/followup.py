"""The follow-up after a plenary (the worker's ``follow-up`` job): once per confirmed registration, FOLLOW_UP_HOURS
after the end, those who attended get the thank-you with their certificate attached, the others the message to
those who could not come; both with the documents of the day, in the texts the organizers wrote
(``plenary.followup.messages``). Organizers may hold a plenary's follow-up (``send_automatically`` off): it then
waits until they switch it on again.

Each registration is claimed by one INSERT into ``follow_up`` that succeeds once (several workers may run),
in the same unit of work as the mail it queues; so a run twice, or two workers at once, send one mail.
Only plenaries that ended at most FOLLOW_UP_WITHIN_DAYS ago are followed up (the first deployment does not
write to the delegates of every plenary in the database).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from plenary.attendance.signals import attendance_recorded
from plenary.certificates.models import FollowUp, FollowUpOutcome
from plenary.certificates.services import certificate_for
from plenary.documents import services as documents
from plenary.events.models import Plenary, PlenaryStatus
from plenary.events.services import reply_address
from plenary.extensions import db
from plenary.followup import messages
from plenary.followup.models import FollowUpMessage
from plenary.mail.outbox import queue_message
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.states import RegistrationStatus
from plenary.survey.services import survey_url_for
from plenary.upsert import insert_once

#: The thank-you mail (templates/mail/certificate_follow_up.txt + .html); the other: follow_up_absent.
MAIL_KIND = messages.MAIL_KINDS["attended"]
ABSENT_KIND = messages.MAIL_KINDS["absent"]


def plenaries_due(now: datetime) -> list[int]:
    """The plenaries whose follow-up is due: ended FOLLOW_UP_HOURS ago, within FOLLOW_UP_WITHIN_DAYS, not cancelled,
    not held by the organizers."""
    latest_end = now - timedelta(hours=float(current_app.config.get("FOLLOW_UP_HOURS", 12)))
    earliest_end = latest_end - timedelta(days=float(current_app.config.get("FOLLOW_UP_WITHIN_DAYS", 14)))
    held = sa.exists().where(FollowUpMessage.plenary_id == Plenary.id, FollowUpMessage.send_automatically.is_(False))
    return list(db.session.scalars(
        sa.select(Plenary.id).where(Plenary.status == PlenaryStatus.PUBLISHED, Plenary.ends_at <= latest_end,
                                    Plenary.ends_at > earliest_end, ~held).order_by(Plenary.ends_at)
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


def follow_up(registration: Registration, now: datetime, by_job: bool = False) -> FollowUpOutcome | None:
    """Deal with one registration: the thank-you with the certificate if they attended, else the message to those
    who did not; None if already done (or no longer due). ``by_job``: the job's call, which a hold stops.

    The plenary's lock comes first (before the claim writes): the certificate is issued under it. Under it the
    plenary, the registration and the texts are read again (``waiting`` read them before: cancelled or held
    meanwhile, nothing).
    """
    plenary = lock_plenary(registration.plenary_id)
    if plenary is None or plenary.status != PlenaryStatus.PUBLISHED:
        return None
    registration = db.session.scalar(
        sa.select(Registration)
        .where(Registration.id == registration.id, Registration.status == RegistrationStatus.CONFIRMED,
               Registration.anonymised_at.is_(None), Registration.email.is_not(None))
        .options(sa.orm.selectinload(Registration.attendance_records))
        .execution_options(populate_existing=True)
    )  # fmt: skip
    if registration is None:
        return None
    texts = messages.settings(plenary.id)
    if by_job and texts is not None and not texts.send_automatically:
        return None  # held while the job ran
    outcome = FollowUpOutcome.CERTIFICATE if registration.attended else FollowUpOutcome.NOT_ATTENDED
    if not _claim(registration, outcome, now):
        return None
    audience = "attended" if outcome == FollowUpOutcome.CERTIFICATE else "absent"
    chosen = messages.texts_for(plenary, texts, audience, registration.language)
    if outcome == FollowUpOutcome.CERTIFICATE:
        document = certificate_for(registration, now)
        context = messages.mail_context(plenary, registration, chosen, document, documents.verification_url(document),
                                        survey_url_for(registration, now))  # fmt: skip
        attachment = documents.attachment_ref(document)
    else:
        context, attachment = messages.mail_context(plenary, registration, chosen), None
    queue_message(messages.MAIL_KINDS[audience], registration.email, chosen.lang, context,
                  registration_id=registration.id, reply_to=reply_address(plenary),
                  attachment_ref=attachment)  # fmt: skip
    return outcome


def send_follow_ups(now: datetime, keep_going: Callable[[], bool]) -> int:
    """The job: follow up every due registration (one unit of work each); how many mails were queued."""
    queued = 0
    for plenary_id in plenaries_due(now):
        for registration in waiting(plenary_id):
            if not keep_going():
                return queued
            queued += follow_up(registration, now, by_job=True) is not None
            db.session.commit()
    return queued


def _attendance_recorded(registration: Registration, **_) -> None:
    """Attendance recorded after the follow-up wrote to them as absent (an organizer's correction): forget that
    claim, so that the next run sends the thank-you with the certificate (once: it claims again)."""
    db.session.execute(sa.delete(FollowUp).where(FollowUp.registration_id == registration.id,
                                                 FollowUp.outcome == FollowUpOutcome.NOT_ATTENDED))  # fmt: skip


attendance_recorded.connect(_attendance_recorded, weak=False)
