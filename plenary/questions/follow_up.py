"""Follow-up questions: asked by mail after confirmation, answered on the personal page, reminded once per click.

Everyone confirmed gets the mail once (the worker's job ``ask_confirmed``: a registration without a ``FollowUp``
row). Those confirmed before the plenary had follow-up questions get a row without ``asked_at`` when the first
one is added, and are mailed when the organizers press "ask now". Reminders go only to those who still have
open questions and were not reminded within QUESTIONS_REMINDER_GAP_HOURS: a second click (or two at once:
the conditional UPDATE lets only one through per person) mails nobody twice.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from plenary.audit.services import record
from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryStatus
from plenary.events.services import reply_address
from plenary.extensions import db
from plenary.mail.outbox import queue_message
from plenary.questions import answering, rules
from plenary.questions.models import FollowUp, Question
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.states import RegistrationStatus


def _confirmed(plenary_id: int):
    return sa.select(Registration).where(
        Registration.plenary_id == plenary_id, Registration.status == RegistrationStatus.CONFIRMED,
        Registration.anonymised_at.is_(None), Registration.email.is_not(None),
    ).order_by(Registration.id)  # fmt: skip


def open_questions(registration: Registration, questions: list[Question], answers: dict[int, object]) -> list[Question]:
    """The follow-up questions ``registration`` is asked and has not answered (``questions``: all of the plenary's)."""
    head = answering.is_head(registration)
    asked = [q for q in questions if rules.asks(q, head)]
    shown: dict[int, object] = {}
    missing = []
    for question in asked:
        if not rules.shown(question, registration.attendance, shown):
            continue
        if question.id in answers:
            shown[question.id] = answers[question.id]
        elif question.follow_up:
            missing.append(question)
    return missing


def not_answered(plenary_id: int) -> list[tuple[Registration, list[Question]]]:
    """The confirmed who have open follow-up questions, with those questions (three queries)."""
    questions = answering.questions_of(plenary_id)
    if not any(q.follow_up for q in questions):
        return []
    registrations = list(db.session.scalars(_confirmed(plenary_id)))
    answers: dict[int, dict[int, object]] = {}
    rows = db.session.execute(sa.select(answering.Answer.registration_id, answering.Answer.question_id,
                                        answering.Answer.value)
                              .join(Registration).where(Registration.plenary_id == plenary_id))  # fmt: skip
    for registration_id, question_id, value in rows:
        answers.setdefault(registration_id, {})[question_id] = value
    result = []
    for registration in registrations:
        missing = open_questions(registration, questions, answers.get(registration.id, {}))
        if missing:
            result.append((registration, missing))
    return result


def _mail(registration: Registration, missing: list[Question], reminder: bool) -> None:
    lang = registration.language
    queue_message("questions_follow_up", registration.email, lang,
                  {"registration": registration, "plenary": registration.plenary, "reminder": reminder,
                   "questions": [rules.label(q, lang) for q in missing]},
                  registration_id=registration.id, reply_to=reply_address(registration.plenary))  # fmt: skip


def _takes_answers(plenary: Plenary, now: datetime) -> bool:
    return plenary.status != PlenaryStatus.CANCELLED and plenary.ends_at > now


def mark_already_confirmed(plenary_id: int) -> None:
    """Give everyone confirmed so far a row without ``asked_at`` (a first follow-up question is being added):
    the worker does not mail them; "ask now" does."""
    known = sa.select(FollowUp.registration_id)
    for registration_id in db.session.scalars(_confirmed(plenary_id).with_only_columns(Registration.id)
                                              .where(Registration.id.not_in(known))):  # fmt: skip
        db.session.add(FollowUp(registration_id=registration_id))
    db.session.flush()


def ask_confirmed(now: datetime, keep_going=lambda: True) -> int:
    """Mail the follow-up questions to everyone newly confirmed (the worker's job); how many were mailed."""
    plenaries = db.session.scalars(sa.select(Plenary).where(
        Plenary.id.in_(sa.select(Question.plenary_id).where(Question.follow_up.is_(True))),
        Plenary.status != PlenaryStatus.CANCELLED, Plenary.ends_at > now))  # fmt: skip
    mailed = 0
    for plenary in list(plenaries):
        if not keep_going():
            break
        lock_plenary(plenary.id)  # with "ask now", a reminder or a new question at the same time
        questions = answering.questions_of(plenary.id)
        fresh = _confirmed(plenary.id).where(Registration.id.not_in(sa.select(FollowUp.registration_id)))
        for registration in db.session.scalars(fresh).all():
            missing = open_questions(registration, questions, answering.answers_of(registration.id))
            db.session.add(FollowUp(registration_id=registration.id, asked_at=now if missing else None))
            if missing:
                _mail(registration, missing, reminder=False)
                mailed += 1
        db.session.commit()
    return mailed


def ask_now(question: Question, now: datetime | None = None) -> int | None:
    """Mail ``question`` (with the person's other open ones) to the confirmed who have not answered it; how many.

    None if it was asked less than a minute ago (a double click).
    """
    now = now or utcnow()
    lock_plenary(question.plenary_id)  # "ask now" twice at once, or with a reminder: nobody mailed twice
    claimed = db.session.execute(sa.update(Question).where(
        Question.id == question.id,
        sa.or_(Question.asked_at.is_(None), Question.asked_at < now - timedelta(minutes=1)),
    ).values(asked_at=now)).rowcount  # fmt: skip
    if not claimed or not _takes_answers(question_plenary(question), now):
        return None if not claimed else 0
    mailed = 0
    for registration, missing in not_answered(question.plenary_id):
        if question not in missing:
            continue
        follow_up = _follow_up(registration.id)
        follow_up.asked_at = now
        _mail(registration, missing, reminder=False)
        mailed += 1
    record("question.ask", question, summary=f"{mailed}", changes={"asked": [None, mailed]})
    db.session.flush()
    return mailed


def question_plenary(question: Question) -> Plenary:
    """The plenary of ``question``."""
    return db.session.get(Plenary, question.plenary_id)


def _follow_up(registration_id: int) -> FollowUp:
    follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.registration_id == registration_id))
    if follow_up is None:
        follow_up = FollowUp(registration_id=registration_id)
        db.session.add(follow_up)
        db.session.flush()
    return follow_up


def remind(plenary_id: int, now: datetime | None = None) -> int:
    """Remind everyone with open follow-up questions who was not reminded lately; how many were mailed."""
    now = now or utcnow()
    gap = timedelta(hours=float(current_app.config["QUESTIONS_REMINDER_GAP_HOURS"]))
    lock_plenary(plenary_id)  # two presses at once: the second sees the first's follow-up rows and reminders
    if not _takes_answers(db.session.get(Plenary, plenary_id), now):
        return 0
    mailed = 0
    for registration, missing in not_answered(plenary_id):
        _follow_up(registration.id)
        claimed = db.session.execute(sa.update(FollowUp).where(
            FollowUp.registration_id == registration.id,
            sa.or_(FollowUp.reminded_at.is_(None), FollowUp.reminded_at < now - gap),
        ).values(reminded_at=now)).rowcount  # fmt: skip
        if claimed:
            _mail(registration, missing, reminder=True)
            mailed += 1
    record("question.remind", plenary_id=plenary_id, object_type="plenary", summary=f"{mailed}",
           changes={"reminded": [None, mailed]})  # fmt: skip
    db.session.flush()
    return mailed
