"""What the organizers do with a plenary's questions: add, change, move, delete, and the answer deadline.

Each change writes its audit entry (before → after). Choices keep their keys across edits, and a new choice
gets a new key, never an old one: an answer always means what it meant when it was given.
"""

import secrets
from datetime import datetime

import sqlalchemy as sa

from plenary.audit.services import diff, record
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.questions import follow_up as follow_ups
from plenary.questions.answering import questions_of
from plenary.questions.models import CONDITION_KINDS, Answer, Question, QuestionSettings
from plenary.questions.rules import keys_of
from plenary.registration.locking import lock_plenary


def _locked(question: Question) -> Question:
    """Take the plenary's lock, then read ``question`` again; QuestionProblem "gone" if it was deleted meanwhile."""
    question_id, plenary_id = question.id, question.plenary_id
    lock_plenary(plenary_id)
    fresh = db.session.get(Question, question_id, populate_existing=True)
    if fresh is None:
        raise QuestionProblem("gone")
    return fresh


class QuestionProblem(ValueError):
    """A change the rules refuse; ``code`` says which (the view words it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def snapshot(question: Question) -> dict:
    """What the audit log records of a question."""
    return {"kind": str(question.kind), "required": question.required, "label": question.label, "help": question.help,
            "choices": question.choices, "ask_head": question.ask_head, "ask_delegates": question.ask_delegates,
            "attendance": question.attendance, "condition_question_id": question.condition_question_id,
            "condition_values": question.condition_values, "follow_up": question.follow_up,
            "position": question.position}  # fmt: skip


def condition_options(plenary_id: int, before: Question | None = None) -> list[tuple[Question, str]]:
    """(question, key) pairs a condition may name: the choice and yes/no questions above ``before`` (all: new)."""
    options = []
    for question in questions_of(plenary_id):
        if before is not None and (question.position, question.id) >= (before.position, before.id):
            break
        if question.kind in CONDITION_KINDS:
            options.extend((question, key) for key in question.choice_keys())
    return options


def _answered_keys(question: Question) -> set[str]:
    """The choice keys that answers to ``question`` hold."""
    if question.id is None:
        return set()
    values = db.session.scalars(sa.select(Answer.value).where(Answer.question_id == question.id))
    return {key for value in values for key in keys_of(value)}


def _keyed(choices: list[dict], old: list[dict], answered: set[str]) -> list[dict]:
    """``choices`` with their keys: a known key kept, any other (new row, forged key) a fresh one; an old choice
    left out that answers name is kept, retired."""
    known = {c["key"] for c in old}
    used = set(known)
    result = []
    for choice in choices:
        key = choice.get("key")
        if key not in known or key in {c["key"] for c in result}:
            key = secrets.token_hex(4)
            while key in used:
                key = secrets.token_hex(4)
        used.add(key)
        result.append({"key": key, "label": choice["label"]})
    kept = {c["key"] for c in result}
    return result + [{"key": c["key"], "label": c["label"], "retired": True} for c in old
                     if c["key"] not in kept and c["key"] in answered]  # fmt: skip


def _apply(question: Question, data: dict) -> None:
    if question.id is not None and data["kind"] != question.kind and answer_count(question):
        raise QuestionProblem("kind")  # the answers would no longer read as what they said
    question.kind = data["kind"]
    question.required = data["required"]
    question.label, question.help = data["label"], data["help"]
    question.ask_head, question.ask_delegates = data["ask_head"], data["ask_delegates"]
    if not (question.ask_head or question.ask_delegates):
        question.ask_head = question.ask_delegates = True
    question.attendance = data["attendance"]
    question.follow_up = data["follow_up"]
    question.choices = _keyed(data["choices"], question.choices or [], _answered_keys(question)) if question.kind in (
        "single_choice", "multiple_choice") else []  # fmt: skip
    condition = data.get("condition")
    if condition:
        wanted_id, _, key = condition.partition(":")
        allowed = {(str(q.id), k) for q, k in condition_options(question.plenary_id,
                                                               before=question if question.id else None)}  # fmt: skip
        if (wanted_id, key) not in allowed:
            raise QuestionProblem("condition")
        question.condition_question_id, question.condition_values = int(wanted_id), [key]
    else:
        question.condition_question_id, question.condition_values = None, []


def create_question(plenary: Plenary, data: dict) -> Question:
    """Add a question at the end of the plenary's list, under the plenary's lock; flushes, never commits."""
    lock_plenary(plenary.id)  # one change of the plenary's questions at a time (the last position read under it)
    return add_question(plenary, data)


def add_question(plenary: Plenary, data: dict) -> Question:
    """``create_question`` without taking the lock: for the demo loader, the only writer of its unit of work
    (it has written plenaries already, so the lock can no longer be taken first). Flushes."""
    last = db.session.scalar(sa.select(sa.func.max(Question.position)).where(Question.plenary_id == plenary.id))
    question = Question(plenary_id=plenary.id, position=(last or 0) + 1, choices=[], condition_values=[])
    _apply(question, data)
    if question.follow_up and not db.session.scalar(sa.select(sa.func.count()).select_from(Question).where(
            Question.plenary_id == plenary.id, Question.follow_up.is_(True))):  # fmt: skip
        follow_ups.mark_already_confirmed(plenary.id)  # the first follow-up: "ask now" asks those confirmed so far
    db.session.add(question)
    db.session.flush()
    record("question.create", question, changes=diff({}, snapshot(question)), summary=_summary(question))
    return question


def update_question(question: Question, data: dict) -> Question:
    """Change a question (its choices keep their keys; answers stay as they are); flushes."""
    question = _locked(question)  # one change of the plenary's questions at a time
    before = snapshot(question)
    if data.get("follow_up") and not question.follow_up:
        follow_ups.mark_already_confirmed(question.plenary_id)
    _apply(question, data)
    db.session.flush()
    changes = diff(before, snapshot(question))
    if changes:
        record("question.update", question, changes=changes, summary=_summary(question))
    return question


def answer_count(question: Question) -> int:
    """How many people answered ``question``."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Answer).where(Answer.question_id == question.id))


def dependents(question: Question) -> list[Question]:
    """The questions shown only depending on ``question``'s answer."""
    return list(db.session.scalars(sa.select(Question).where(Question.condition_question_id == question.id)))


def delete_question(question: Question) -> None:
    """Delete a question and its answers (asked for confirmation first); questions depending on it lose their
    condition (they are shown to everyone); nothing to do if it is gone already (two presses at once)."""
    try:
        question = _locked(question)
    except QuestionProblem:
        return
    for dependent in dependents(question):
        dependent.condition_question_id, dependent.condition_values = None, []
    record("question.delete", question, changes=diff(snapshot(question), {}),
           summary=f"{_summary(question)} ({answer_count(question)})")  # fmt: skip
    db.session.execute(sa.delete(Answer).where(Answer.question_id == question.id))
    db.session.delete(question)
    db.session.flush()


def move_question(question: Question, direction: str) -> None:
    """Move a question one place up or down; refused (QuestionProblem "order") where a condition would then
    come after the question that depends on it."""
    question = _locked(question)  # one change of the plenary's questions at a time
    questions = questions_of(question.plenary_id)
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    seen: set[int] = set()
    for q in questions:
        if q.condition_question_id is not None and q.condition_question_id not in seen:
            raise QuestionProblem("order")
        seen.add(q.id)
    before = question.position
    for position, q in enumerate(questions, start=1):
        q.position = position
    db.session.flush()
    record("question.move", question, changes={"position": [before, question.position]}, summary=_summary(question))


def answers_until(plenary: Plenary) -> datetime:
    """Until when answers can be changed: the plenary's setting, else its start."""
    settings = db.session.get(QuestionSettings, plenary.id)
    return settings.answers_until if settings and settings.answers_until else plenary.starts_at


def set_answers_until(plenary: Plenary, until: datetime | None) -> None:
    """Set (None: clear) until when answers can be changed."""
    lock_plenary(plenary.id)  # one change of the plenary's questions at a time (re-read below)
    settings = db.session.get(QuestionSettings, plenary.id)
    before = settings.answers_until if settings else None
    if settings is None:
        settings = QuestionSettings(plenary_id=plenary.id)
        db.session.add(settings)
    settings.answers_until = until
    db.session.flush()
    record("question.deadline", plenary, changes={"answers_until": [before, until]}, plenary_id=plenary.id,
           object_type="plenary")  # fmt: skip


def _summary(question: Question) -> str:
    return (question.label.get("de") or question.label.get("en") or question.label.get("zh") or "")[:200]
