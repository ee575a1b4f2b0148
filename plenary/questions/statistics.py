"""The statistics page's part about the questions: how often each choice was given (choice and yes/no questions),
counted over the registrations not cancelled or rejected. One query for all answers."""

from collections import Counter

import sqlalchemy as sa
from flask_babel import gettext

from plenary.admin import charts
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.i18n import current_language
from plenary.questions import rules
from plenary.questions.answering import questions_of
from plenary.questions.models import COUNTED_KINDS, Answer
from plenary.registration.models import Registration


def choice_counts(plenary_id: int) -> list[tuple[object, list[tuple[str, int]]]]:
    """(question, [(choice key, count), …] in the question's order) of each choice or yes/no question."""
    questions = [q for q in questions_of(plenary_id) if q.kind in COUNTED_KINDS]
    if not questions:
        return []
    counts: dict[int, Counter] = {q.id: Counter() for q in questions}
    rows = db.session.execute(
        sa.select(Answer.question_id, Answer.value).join(Registration, Registration.id == Answer.registration_id)
        .where(Answer.question_id.in_(list(counts)), Registration.is_active)
    )  # fmt: skip
    for question_id, value in rows:
        counts[question_id].update(rules.keys_of(value))
    result = []
    for question in questions:
        keys = question.all_choice_keys()
        known = [(key, counts[question.id][key]) for key in keys]
        removed = sum(n for key, n in counts[question.id].items() if key not in keys)
        result.append((question, known + ([(rules.REMOVED_CHOICE, removed)] if removed else [])))
    return result


def answer_sections(plenary: Plenary) -> list[dict]:
    """The statistics page's sections (title, description, rows, chart) of the choice questions' answers."""
    lang = current_language()
    sections = []
    for question, counts in choice_counts(plenary.id):
        if not any(n for _, n in counts):
            continue
        title = rules.label(question, lang)
        desc = gettext("Answers of registrations not cancelled or rejected.")
        removed = gettext("Removed choice")
        rows = [(rules.choice_label(question, key, lang) if key != rules.REMOVED_CHOICE else removed, n)
                for key, n in counts]  # fmt: skip
        sections.append({"id": f"question-{question.id}", "title": title, "desc": desc, "rows": rows,
                         "chart": charts.bar_chart(f"chart-question-{question.id}", title, desc, rows)})  # fmt: skip
    return sections
