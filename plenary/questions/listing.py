"""The registrations list's part about the questions: the answer filter's options, and answers as optional columns
(one query per page for the shown questions, kept for the request)."""

import sqlalchemy as sa
from flask import g

from plenary.extensions import db
from plenary.i18n import current_language
from plenary.questions import rules
from plenary.questions.answering import questions_of
from plenary.questions.models import CONDITION_KINDS, Answer, Question


def list_question_options(plenary_id: int) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """(the answer filter's (value, label) options, the columns' (question id, label) options)."""
    lang = current_language()
    questions = questions_of(plenary_id)
    answers = [(f"{q.id}:{key}", f"{rules.label(q, lang)}: {rules.choice_label(q, key, lang)}")
               for q in questions if q.kind in CONDITION_KINDS for key in q.all_choice_keys()]  # fmt: skip
    return answers, [(q.id, rules.label(q, lang)) for q in questions]


def list_answer_columns(plenary_id: int, wanted: list[str]) -> list[Question]:
    """The plenary's questions chosen as columns (``qcol`` arguments), in their order."""
    chosen = {int(w) for w in wanted if w.isdecimal() and len(w) < 10}
    return [q for q in questions_of(plenary_id) if q.id in chosen] if chosen else []


def list_answer_cells(registration, plenary_id: int, wanted: list[str], page: list) -> list[str]:
    """The cells of one row: its answers to the chosen questions, readable in the reader's language."""
    columns = list_answer_columns(plenary_id, wanted) if wanted else []
    if not columns:
        return []
    key = (plenary_id, tuple(q.id for q in columns))
    cache = g.setdefault("question_list_answers", {})
    if key not in cache:
        rows = db.session.execute(sa.select(Answer.registration_id, Answer.question_id, Answer.value).where(
            Answer.question_id.in_(key[1]), Answer.registration_id.in_([r.id for r in page])))  # fmt: skip
        cache[key] = {(r, q): v for r, q, v in rows}
    lang = current_language()
    return [rules.readable(q, cache[key].get((registration.id, q.id)), lang) for q in columns]
