"""The answers in the registrations' export: one column per question, after the chosen ones, with the question as
its title and readable values (choices' labels, yes/no, countries, dates) in the organizer's language."""

from collections import defaultdict

import sqlalchemy as sa

from plenary.extensions import db
from plenary.questions import rules
from plenary.questions.answering import questions_of
from plenary.questions.models import Answer


def answer_columns(plenary_id: int, registration_ids: list[int], lang: str) -> tuple[list[str], list[str], list[list]]:
    """(column keys ``q<id>``, titles, one row of values per registration id) of the plenary's questions."""
    questions = questions_of(plenary_id)
    if not questions:
        return [], [], [[] for _ in registration_ids]
    answers: dict[int, dict[int, object]] = defaultdict(dict)
    rows = db.session.execute(sa.select(Answer.registration_id, Answer.question_id, Answer.value)
                              .where(Answer.question_id.in_([q.id for q in questions])))  # fmt: skip
    for registration_id, question_id, value in rows:
        answers[registration_id][question_id] = value
    values = [[rules.readable(q, answers[r].get(q.id), lang) or None for q in questions] for r in registration_ids]
    return [f"q{q.id}" for q in questions], [rules.label(q, lang) for q in questions], values
