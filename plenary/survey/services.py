"""What the survey does: its settings and questions (organizers), whether it is open, who may answer, the
answers given once (a participation claimed by one INSERT in the same unit of work as the response).

Services flush, views commit. Every write takes the plenary's lock first (plenary.registration.locking), so a
change of a question's kind and the first answer to it never cross.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from plenary.audit.services import diff, record
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.signals import registration_erased
from plenary.registration.states import RegistrationStatus
from plenary.survey.models import (
    DEFAULT_OPEN_DAYS,
    MAX_QUESTIONS,
    MIN_QUESTIONS,
    RATINGS,
    TEXT_MAX,
    Survey,
    SurveyAnswer,
    SurveyOpensAt,
    SurveyParticipation,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
)
from plenary.upsert import insert_once

#: The endpoint of the answering page (``personal_url(endpoint=…)`` in mail templates).
ANSWER_ENDPOINT = "survey.answer"


class SurveyProblem(ValueError):
    """A change of the survey the rules refuse; ``code`` names which (the views word it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- reading ---------------------------------------------------------------------------------------------------


def survey_of(plenary_id: int) -> Survey | None:
    """The plenary's survey, if the organizers have begun one."""
    return db.session.get(Survey, plenary_id)


def questions_of(plenary_id: int) -> list[SurveyQuestion]:
    """The survey's questions in order."""
    return list(db.session.scalars(sa.select(SurveyQuestion).where(SurveyQuestion.plenary_id == plenary_id)
                                   .order_by(SurveyQuestion.position, SurveyQuestion.id)))  # fmt: skip


def response_count(plenary_id: int) -> int:
    """How many people have answered."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(SurveyParticipation)
                             .where(SurveyParticipation.plenary_id == plenary_id)) or 0  # fmt: skip


def question_answered(question: SurveyQuestion) -> bool:
    """True once someone has answered ``question``."""
    return db.session.scalar(sa.select(sa.exists().where(SurveyAnswer.question_id == question.id))) or False


def opens_at(plenary: Plenary, survey: Survey) -> datetime:
    """From when the survey can be answered: the plenary's start or end."""
    return plenary.starts_at if survey.opens == SurveyOpensAt.START else plenary.ends_at


def closes_at(plenary: Plenary, survey: Survey) -> datetime:
    """Until when the survey can be answered: the organizers' date, else DEFAULT_OPEN_DAYS after the end."""
    return survey.closes_at or plenary.ends_at + timedelta(days=DEFAULT_OPEN_DAYS)


def state(plenary: Plenary, survey: Survey | None = None, now: datetime | None = None) -> str:
    """The survey's state: "none", "draft", "scheduled" (published, not open yet), "open" or "closed"."""
    survey = survey or survey_of(plenary.id)
    if survey is None:
        return "none"
    if survey.published_at is None:
        return "draft"
    now = now or utcnow()
    if survey.closed_at is not None or now >= closes_at(plenary, survey):
        return "closed"
    return "open" if now >= opens_at(plenary, survey) else "scheduled"


def is_open(plenary: Plenary, now: datetime | None = None) -> bool:
    """True while the plenary's survey can be answered (published, after its opening, before its closing)."""
    return state(plenary, now=now) == "open"


def has_answered(registration: Registration) -> bool:
    """True if ``registration`` has answered its plenary's survey."""
    return db.session.get(SurveyParticipation, registration.id) is not None


def refusal(registration: Registration, now: datetime | None = None) -> str | None:
    """Why ``registration`` may not answer now (a code the page words), or None if they may.

    "answered", "not_open" (draft or not yet), "closed", "not_confirmed" (cancelled, waiting …), "not_attended".
    """
    plenary = registration.plenary
    current = state(plenary, now=now)
    if current in ("none", "draft", "scheduled"):
        return "not_open"
    if has_answered(registration):
        return "answered"
    if current == "closed":
        return "closed"
    if registration.status != RegistrationStatus.CONFIRMED or registration.anonymised_at is not None:
        return "not_confirmed"
    if not registration.attended:
        return "not_attended"
    return None


def survey_url_for(registration: Registration, now: datetime | None = None) -> str | None:
    """For a mail's context: the endpoint of the survey page while ``registration`` may answer, else None.

    In a template: ``{% if survey_url %}{{ personal_url(endpoint=survey_url) }}{% endif %}`` (the personal token
    is filled at delivery; a URL with a token never goes into the context).
    """
    return ANSWER_ENDPOINT if refusal(registration, now) is None else None


# --- the organizers' side --------------------------------------------------------------------------------------


def _locked_survey(plenary_id: int) -> Survey:
    """Take the plenary's lock, then the survey (made, as a draft, if there is none yet); flushes."""
    lock_plenary(plenary_id)
    survey = db.session.get(Survey, plenary_id, populate_existing=True)
    if survey is None:
        survey = Survey(plenary_id=plenary_id, anonymous=True, opens=SurveyOpensAt.END)
        db.session.add(survey)
        db.session.flush()
    return survey


def snapshot(survey: Survey) -> dict:
    """The settings as the audit log stores them."""
    return {"anonymous": survey.anonymous, "opens": str(survey.opens),
            "closes_at": survey.closes_at.isoformat() if survey.closes_at else None}  # fmt: skip


def save_settings(plenary: Plenary, anonymous: bool, opens: SurveyOpensAt, until: datetime | None) -> Survey:
    """Set anonymous or not, from when and until when; SurveyProblem "anonymity" (to non-anonymous with answers
    given), "closes" (closing before the opening). Switching to anonymous unlinks the responses given. Flushes."""
    survey = _locked_survey(plenary.id)
    before = snapshot(survey)
    answers_exist = response_count(plenary.id) > 0
    if survey.anonymous and not anonymous and answers_exist:
        raise SurveyProblem("anonymity")
    probe = Survey(opens=opens, closes_at=until)
    if until is not None and until <= opens_at(plenary, probe):
        raise SurveyProblem("closes")
    if anonymous and not survey.anonymous:
        db.session.execute(sa.update(SurveyResponse).where(SurveyResponse.plenary_id == plenary.id)
                           .values(registration_id=None))  # fmt: skip
    survey.anonymous, survey.opens, survey.closes_at = anonymous, opens, until
    db.session.flush()
    changes = diff(before, snapshot(survey))
    if changes:
        record("survey.settings", plenary, changes=changes, plenary_id=plenary.id, object_type="survey")
    return survey


def _check_question(data: dict) -> None:
    if data["kind"] not in set(SurveyQuestionKind):
        raise SurveyProblem("kind_unknown")
    if not all((data["text"] or {}).get(lang, "").strip() for lang in ("de", "en", "zh")):
        raise SurveyProblem("text")


def add_question(plenary: Plenary, data: dict) -> SurveyQuestion:
    """Add a question (``kind``, ``text`` {de, en, zh}, ``required``) at the end; SurveyProblem "full"."""
    _check_question(data)
    survey = _locked_survey(plenary.id)
    questions = questions_of(plenary.id)
    if len(questions) >= MAX_QUESTIONS:
        raise SurveyProblem("full")
    question = SurveyQuestion(plenary_id=survey.plenary_id, position=len(questions) + 1,
                              kind=SurveyQuestionKind(data["kind"]), text=dict(data["text"]),
                              required=bool(data["required"]))  # fmt: skip
    db.session.add(question)
    db.session.flush()
    record("survey.question_create", question, plenary_id=plenary.id, summary=question.text.get("de", ""),
           changes=diff({}, _question_snapshot(question)))  # fmt: skip
    return question


def _question_snapshot(question: SurveyQuestion) -> dict:
    return {"kind": str(question.kind), "text": dict(question.text or {}), "required": question.required}


def _fresh(question: SurveyQuestion) -> SurveyQuestion:
    question_id = question.id
    _locked_survey(question.plenary_id)
    fresh = db.session.get(SurveyQuestion, question_id, populate_existing=True)
    if fresh is None:
        raise SurveyProblem("gone")
    return fresh


def update_question(question: SurveyQuestion, data: dict) -> SurveyQuestion:
    """Change a question's texts and whether it is required; its kind only while nobody has answered it."""
    _check_question(data)
    question = _fresh(question)
    if data["kind"] != question.kind and question_answered(question):
        raise SurveyProblem("kind")
    before = _question_snapshot(question)
    question.kind, question.text, question.required = SurveyQuestionKind(data["kind"]), dict(data["text"]), \
        bool(data["required"])  # fmt: skip
    db.session.flush()
    changes = diff(before, _question_snapshot(question))
    if changes:
        record("survey.question_update", question, plenary_id=question.plenary_id, changes=changes,
               summary=question.text.get("de", ""))  # fmt: skip
    return question


def move_question(question: SurveyQuestion, direction: str) -> None:
    """Move a question one place up or down; flushes."""
    question = _fresh(question)
    questions = questions_of(question.plenary_id)
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    before = question.position
    for position, q in enumerate(questions, start=1):
        q.position = position
    db.session.flush()
    record("survey.question_move", question, plenary_id=question.plenary_id,
           changes={"position": [before, question.position]}, summary=question.text.get("de", ""))  # fmt: skip


def delete_question(question: SurveyQuestion) -> None:
    """Delete a question and its answers; SurveyProblem "too_few" if an open survey would keep fewer than 3."""
    question = _fresh(question)
    survey = db.session.get(Survey, question.plenary_id)
    if survey.published_at is not None and len(questions_of(question.plenary_id)) <= MIN_QUESTIONS:
        raise SurveyProblem("too_few")
    record("survey.question_delete", question, plenary_id=question.plenary_id,
           changes=diff(_question_snapshot(question), {}), summary=question.text.get("de", ""))  # fmt: skip
    db.session.execute(sa.delete(SurveyAnswer).where(SurveyAnswer.question_id == question.id))
    db.session.delete(question)
    db.session.flush()
    for position, q in enumerate(questions_of(survey.plenary_id), start=1):
        q.position = position
    db.session.flush()


def open_survey(plenary: Plenary) -> Survey:
    """Publish the survey (or open it again after closing by hand); SurveyProblem "too_few" below 3 questions."""
    survey = _locked_survey(plenary.id)
    if len(questions_of(plenary.id)) < MIN_QUESTIONS:
        raise SurveyProblem("too_few")
    survey.published_at = survey.published_at or utcnow()
    survey.closed_at = None
    db.session.flush()
    record("survey.open", plenary, plenary_id=plenary.id, object_type="survey")
    return survey


def close_survey(plenary: Plenary) -> Survey:
    """Close the survey by hand (no more answers); flushes."""
    survey = _locked_survey(plenary.id)
    survey.closed_at = utcnow()
    db.session.flush()
    record("survey.close", plenary, plenary_id=plenary.id, object_type="survey")
    return survey


# --- answering -------------------------------------------------------------------------------------------------


def clean_values(questions: list[SurveyQuestion], raw: dict[int, object]) -> dict[int, int | str]:
    """The answers to keep from ``raw`` ({question id: rating or text}): ratings 1–5, texts stripped and at most
    TEXT_MAX long; empty ones left out. (The form has checked them; this is the service's own guard.)"""
    values: dict[int, int | str] = {}
    for question in questions:
        value = raw.get(question.id)
        if question.kind == SurveyQuestionKind.RATING:
            if value not in (None, "") and int(value) in RATINGS:
                values[question.id] = int(value)
        elif isinstance(value, str) and value.strip():
            values[question.id] = value.strip()[:TEXT_MAX]
    return values


def submit(registration: Registration, raw: dict[int, object], now: datetime | None = None) -> str | None:
    """Record ``registration``'s answers once: None when saved, else the refusal ("answered", "closed" …).

    The plenary's lock first, then the rules again (the page may be old), then the participation claimed by one
    INSERT that succeeds once, and the response in the same unit of work; flushes.
    """
    now = now or utcnow()
    registration_id = registration.id
    lock_plenary(registration.plenary_id)
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    reason = refusal(registration, now)
    if reason is not None:
        return reason
    survey = survey_of(registration.plenary_id)
    values = clean_values(questions_of(registration.plenary_id), raw)
    if not insert_once(SurveyParticipation.__table__, registration_id=registration.id,
                       plenary_id=registration.plenary_id):  # fmt: skip
        return "answered"
    response = SurveyResponse(plenary_id=registration.plenary_id, answered_on=now.date(),
                              registration_id=None if survey.anonymous else registration.id)  # fmt: skip
    for question_id, value in values.items():
        response.answers.append(SurveyAnswer(question_id=question_id, rating=value if isinstance(value, int) else None,
                                             text=value if isinstance(value, str) else None))  # fmt: skip
    db.session.add(response)
    db.session.flush()
    return None


def response_of(registration: Registration) -> SurveyResponse | None:
    """A non-anonymous survey's response of ``registration`` (anonymous responses name nobody)."""
    return db.session.scalar(sa.select(SurveyResponse).where(SurveyResponse.registration_id == registration.id))


def response_for_download(registration: Registration) -> dict | None:
    """For the download of one's data: that they answered, and (non-anonymous surveys only) each question's texts
    with their answer; None if they have not answered. Anonymous answers are nobody's: they cannot be included."""
    if not has_answered(registration):
        return None
    response = response_of(registration)
    if response is None:
        return {"answered": True, "anonymous": True}
    by_question = {a.question_id: a for a in response.answers}
    return {"answered": True, "anonymous": False, "answered_on": response.answered_on.isoformat(),
            "answers": [{"question": q.text, "answer": by_question[q.id].rating if by_question[q.id].rating is not None
                         else by_question[q.id].text} for q in questions_of(registration.plenary_id)
                        if q.id in by_question]}  # fmt: skip


def forget_response(registration: Registration, **_) -> None:
    """Erasure: a non-anonymous response of the person goes with its answers (free texts may name them); anonymous
    responses stay (nothing ties them to anyone). The participation row stays: it says only that they answered."""
    db.session.execute(sa.delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(
        sa.select(SurveyResponse.id).where(SurveyResponse.registration_id == registration.id))))  # fmt: skip
    db.session.execute(sa.delete(SurveyResponse).where(SurveyResponse.registration_id == registration.id))
    db.session.flush()


registration_erased.connect(forget_response, weak=False)
