"""The person's side: their answers on the personal page (editable until the deadline), and the templates'
helpers (``question_shown``, ``personal_questions``)."""

from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for

from plenary.db import utcnow
from plenary.extensions import db
from plenary.form_messages import FlaskForm
from plenary.i18n import current_language
from plenary.questions import answering, follow_up, listing, rules, services
from plenary.questions.models import Question
from plenary.registration.models import Registration
from plenary.registration.tokens import registration_or_404
from plenary.registration.views import personal_page_limit

bp = Blueprint("questions", __name__)


@dataclass
class PersonalQuestions:
    """What the personal page shows of the questions: the person's, their answers, the open follow-ups."""

    questions: list[Question]
    answers: dict[int, object]
    open: list[Question]
    editable: bool


def _asked(registration: Registration) -> list[Question]:
    head = answering.is_head(registration)
    return [q for q in answering.questions_of(registration.plenary_id) if rules.asks(q, head)]


def personal_questions(registration: Registration) -> PersonalQuestions:
    """The questions asked of ``registration``, its answers (of questions shown), the open follow-ups."""
    questions = _asked(registration)
    answers = answering.answers_of(registration.id) if questions else {}
    shown = rules.visible_answers(questions, registration.attendance, answers)
    confirmed = registration.status == "confirmed"
    missing = follow_up.open_questions(registration, questions, answers) if confirmed else []
    return PersonalQuestions(questions, shown, missing, can_edit(registration))


def can_edit(registration: Registration) -> bool:
    """True while the person may change their answers: taking part, not erased, before the deadline."""
    return (registration.is_active and registration.anonymised_at is None
            and utcnow() < services.answers_until(registration.plenary))  # fmt: skip


@bp.app_context_processor
def helpers() -> dict:
    """For templates: whether a question is shown, a person's questions, an answer as text."""
    return {"question_shown": rules.shown, "personal_questions": personal_questions, "readable_answer": rules.readable,
            "question_label": rules.label, "registration_answers": registration_answers,
            "list_question_options": listing.list_question_options, "list_answer_columns": listing.list_answer_columns,
            "list_answer_cells": listing.list_answer_cells}  # fmt: skip


def registration_answers(registration: Registration) -> list[tuple[str, str, bool]]:
    """(question, answer, still open) of a registration's questions, in the reader's language (the back office)."""
    lang = current_language()
    pq = personal_questions(registration)
    missing = {q.id for q in pq.open}
    return [(rules.label(q, lang), rules.readable(q, pq.answers.get(q.id), lang), q.id in missing)
            for q in pq.questions if q.id in pq.answers or q.id in missing]  # fmt: skip


def _shown_now(registration: Registration, questions: list[Question]) -> list[Question]:
    """The questions the answers page offers: those of the sign-up form, and follow-ups once confirmed."""
    confirmed = registration.status == "confirmed"
    return [q for q in questions if confirmed or not q.follow_up]


@bp.route("/registrations/<token>/answers", methods=["GET", "POST"])
@personal_page_limit
def answers(token: str):
    """The person's answers: a form until the deadline, read-only after it."""
    registration = registration_or_404(token)
    questions = _shown_now(registration, _asked(registration))
    if not questions:
        return redirect(url_for("registration.personal", token=token))
    form = answering.answers_form_class(questions, base=FlaskForm)()
    editable = can_edit(registration)
    stored = answering.answers_of(registration.id)
    if request.method == "GET":
        answering.fill(form, questions, stored)
    elif editable and form.validate_on_submit():
        values = answering.check(form, questions, registration.attendance)
        if values is not None:
            answering.save(registration, questions, values)
            db.session.commit()
            return redirect(url_for(".answers", token=token, saved=1))
    elif not editable:
        abort(409)
    status = 400 if request.method == "POST" else 200
    return render_template("questions/answers.html", registration=registration, plenary=registration.plenary,
                           token=token, form=form, questions=questions, editable=editable,
                           answers=rules.visible_answers(questions, registration.attendance, stored),
                           until=services.answers_until(registration.plenary),
                           saved=request.args.get("saved") == "1"), status  # fmt: skip
