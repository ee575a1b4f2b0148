"""The statistics page's part about the survey: per rating question the distribution (a chart and a table), the
average and the number of answers; the free texts listed (with the name in a non-anonymous survey). Two queries."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import format_decimal, gettext

from plenary.admin import charts
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.models import Registration, person_name
from plenary.survey import services
from plenary.survey.forms import EXCELLENT, POOR
from plenary.survey.models import RATINGS, SurveyAnswer, SurveyQuestionKind, SurveyResponse
from plenary.survey.views import question_text


@dataclass
class QuestionResult:
    """One question's results: ratings counted (1–5), their average, or the texts (with a name or None)."""

    question: object
    text: str
    count: int = 0
    distribution: list[tuple[str, int]] = field(default_factory=list)
    average: float | None = None
    average_text: str = ""
    chart: str = ""
    texts: list[tuple[str | None, str]] = field(default_factory=list)


def rating_label(value: int) -> str:
    """A rating as the scale names it: "1 – poor", "3", "5 – excellent" (the reader's language)."""
    return {1: f"1 – {POOR}", 5: f"5 – {EXCELLENT}"}.get(value, str(value))


def survey_results(plenary: Plenary) -> dict | None:
    """The survey's results for the statistics page (None without a survey): responses, one result per question."""
    survey = services.survey_of(plenary.id)
    if survey is None or survey.published_at is None:
        return None
    questions = services.questions_of(plenary.id)
    rows = db.session.execute(
        sa.select(SurveyAnswer.question_id, SurveyAnswer.rating, SurveyAnswer.text, Registration.first_name,
                  Registration.last_name, Registration.honorific)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .outerjoin(Registration, Registration.id == SurveyResponse.registration_id)
        .where(SurveyResponse.plenary_id == plenary.id)
        .order_by(SurveyResponse.answered_on, SurveyAnswer.response_id)
    ).all()  # fmt: skip
    ratings: dict[int, Counter] = defaultdict(Counter)
    texts: dict[int, list] = defaultdict(list)
    for question_id, rating, text, first, last, honorific in rows:
        if rating is not None:
            ratings[question_id][rating] += 1
        elif text:
            name = None
            if first is not None or last is not None:
                name = person_name(first, last, honorific)
            texts[question_id].append((name, text))
    results = []
    for question in questions:
        result = QuestionResult(question, question_text(question))
        if question.kind == SurveyQuestionKind.RATING:
            counts = ratings[question.id]
            result.count = sum(counts.values())
            result.distribution = [(rating_label(n), counts[n]) for n in RATINGS]
            if result.count:
                result.average = sum(n * c for n, c in counts.items()) / result.count
                result.average_text = format_decimal(round(result.average, 2), format="0.00")
                desc = gettext("%(num)s answers, average %(average)s (1 = poor, 5 = excellent).",
                               num=result.count, average=result.average_text)  # fmt: skip
                result.chart = charts.bar_chart(f"chart-survey-{question.id}", result.text, desc,
                                                result.distribution)  # fmt: skip
        else:
            result.texts = texts[question.id]
            result.count = len(result.texts)
        results.append(result)
    return {"survey": survey, "responses": services.response_count(plenary.id), "results": results}
