"""The person's side: the survey page behind the personal link (``/survey/<token>``), in their language, and
the templates' helpers (the personal page's "Answer the survey", the back office's view of a response)."""

from flask import Blueprint, redirect, render_template, request, url_for

from plenary.extensions import db
from plenary.i18n import current_language, localize
from plenary.registration.models import Registration
from plenary.registration.tokens import registration_or_404
from plenary.registration.views import personal_page_limit
from plenary.survey import services
from plenary.survey.forms import answer_form_class, raw_values
from plenary.survey.models import TEXT_MAX, SurveyQuestion

bp = Blueprint("survey", __name__)


def question_text(question: SurveyQuestion, lang: str | None = None) -> str:
    """The question's text in ``lang`` (the reader's language by default), falling back as titles do."""
    return localize(question.text, lang or current_language()).text


@bp.app_context_processor
def helpers() -> dict:
    """For templates: whether a person is invited to the survey now, their response (non-anonymous surveys)."""
    return {"survey_invites": lambda registration: services.refusal(registration) is None,
            "survey_response_rows": survey_response_rows, "survey_text_max": TEXT_MAX}  # fmt: skip


def survey_response_rows(registration: Registration) -> list[tuple[str, str]]:
    """(question, answer) of a non-anonymous survey's response of ``registration``, in the reader's language."""
    response = services.response_of(registration)
    if response is None:
        return []
    by_question = {a.question_id: a for a in response.answers}
    rows = []
    for question in services.questions_of(registration.plenary_id):
        answer = by_question.get(question.id)
        value = "—" if answer is None else (str(answer.rating) if answer.rating is not None else answer.text)
        rows.append((question_text(question), value))
    return rows


@bp.route("/survey/<token>", methods=["GET", "POST"])
@personal_page_limit
def answer(token: str):
    """The survey: a form for an attendee who has not answered yet, else a page that says why not."""
    registration = registration_or_404(token)
    plenary = registration.plenary
    reason = services.refusal(registration)
    if reason is not None:
        status = 409 if request.method == "POST" else 200
        return render_template("survey/refused.html", registration=registration, plenary=plenary, token=token,
                               reason=reason, sent=request.args.get("sent") == "1"), status  # fmt: skip
    survey = services.survey_of(plenary.id)
    questions = services.questions_of(plenary.id)
    form = answer_form_class(questions, question_text)()
    if form.validate_on_submit():
        outcome = services.submit(registration, raw_values(form, questions))
        if outcome is None:
            db.session.commit()
            return redirect(url_for(".answer", token=token, sent=1))
        db.session.rollback()
        return render_template("survey/refused.html", registration=registration, plenary=plenary, token=token,
                               reason=outcome, sent=False), 409  # fmt: skip
    status = 400 if request.method == "POST" else 200
    return render_template("survey/answer.html", registration=registration, plenary=plenary, token=token,
                           form=form, questions=questions, survey=survey, preview=False,
                           closes_at=services.closes_at(plenary, survey)), status  # fmt: skip
