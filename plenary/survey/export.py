"""The survey's responses as an Excel workbook or CSV: one row per response (its day, the name in a
non-anonymous survey), one column per question; formula-safe through the registrations' export writers."""

from datetime import date

import sqlalchemy as sa
from flask import Response
from flask_babel import force_locale, gettext

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.i18n import BABEL_LOCALES, localize
from plenary.registration.export import _DELIMITERS, MIMETYPES, ExportTable, csv_bytes, sheet_title, xlsx_bytes
from plenary.registration.models import Registration
from plenary.survey import services
from plenary.survey.models import SurveyAnswer, SurveyResponse
from plenary.survey.views import question_text


def response_table(plenary: Plenary, lang: str) -> ExportTable:
    """The responses in ``lang``: day, name (non-anonymous surveys only), one column per question."""
    survey = services.survey_of(plenary.id)
    questions = services.questions_of(plenary.id)
    responses = list(db.session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.plenary_id == plenary.id)
        .order_by(SurveyResponse.answered_on, SurveyResponse.id)
    ))  # fmt: skip
    answers: dict[str, dict[int, object]] = {r.id: {} for r in responses}
    for response_id, question_id, rating, text in db.session.execute(
        sa.select(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.rating, SurveyAnswer.text)
        .join(SurveyResponse).where(SurveyResponse.plenary_id == plenary.id)
    ):  # fmt: skip
        answers[response_id][question_id] = rating if rating is not None else text
    named = survey is not None and not survey.anonymous
    names = {}
    if named:
        ids = [r.registration_id for r in responses if r.registration_id]
        people = db.session.scalars(sa.select(Registration).where(Registration.id.in_(ids)))
        names = {r.id: r.display_name for r in people}
    with force_locale(BABEL_LOCALES[lang]):
        columns = ["answered_on", *(["name"] if named else []), *(f"q{q.id}" for q in questions)]
        header = [gettext("Answered on"), *([gettext("Name")] if named else []),
                  *(question_text(q, lang) for q in questions)]  # fmt: skip
    rows = []
    for response in responses:
        row = [response.answered_on.isoformat()]
        if named:
            row.append(names.get(response.registration_id))
        row += [answers[response.id].get(q.id) for q in questions]
        rows.append(row)
    return ExportTable(columns, header, rows, lang)


def export_response(plenary: Plenary, fmt: str, lang: str, today: date | None = None) -> Response:
    """The download: the table as XLSX or CSV, named survey-<slug>-<day>."""
    table = response_table(plenary, lang)
    if fmt == "xlsx":
        data = xlsx_bytes(table, sheet_title(localize(plenary.title, lang).text or plenary.slug))
    else:
        data = csv_bytes(table, _DELIMITERS[fmt])
    extension = "xlsx" if fmt == "xlsx" else "csv"
    response = Response(data, content_type=MIMETYPES[fmt])
    name = f"survey-{plenary.slug}-{(today or date.today()).isoformat()}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
