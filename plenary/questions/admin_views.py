"""Back office: a plenary's questions (define, order, delete with their answers), who has not answered the
follow-ups, "ask now" and the reminder, the answer deadline. Routes on the back office's blueprint."""

from datetime import UTC

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from plenary.admin.blueprint import bp
from plenary.admin.language_fields import fill_language_fields
from plenary.admin.plenary_forms import ConfirmForm
from plenary.auth.access import organizer_required, viewer_required
from plenary.events.models import Plenary
from plenary.events.services import plenary_item_or_404, plenary_or_404
from plenary.extensions import db
from plenary.i18n import current_language
from plenary.questions import follow_up, rules, services
from plenary.questions.answering import questions_of
from plenary.questions.forms import ASKED_OF, EMPTY_CHOICE_ROWS, KIND_LABELS, MODES, DeadlineForm, QuestionForm
from plenary.questions.models import Question
from plenary.rows import replace_rows

PROBLEMS = {
    "condition": lambda: gettext("The condition must name an answer of a choice or yes/no question above this one."),
    "order": lambda: gettext("A question must stay below the question its condition names."),
    "kind": lambda: gettext("People have answered this question: its kind of answer can no longer be changed."),
    "gone": lambda: gettext("This question was deleted meanwhile."),
}


@bp.get("/plenaries/<slug>/questions")
@viewer_required
def questions(slug: str):
    """The plenary's questions in order, who has not answered the follow-ups, the deadline."""
    return _list_page(plenary_or_404(slug))


def _list_page(plenary: Plenary, deadline: DeadlineForm | None = None, status: int = 200):
    """The questions page; ``deadline``: the deadline form as it was sent (with its error and what was typed)."""
    items = questions_of(plenary.id)
    waiting = follow_up.not_answered(plenary.id)
    until = services.answers_until(plenary)
    if deadline is None:
        deadline = DeadlineForm(answers_until=until.astimezone(plenary.zone).replace(tzinfo=None))
    return render_template("questions/admin_list.html", plenary=plenary, questions=items, waiting=waiting,
                           confirm=ConfirmForm(), deadline=deadline, until=until, KIND_LABELS=KIND_LABELS,
                           ASKED_OF=ASKED_OF, MODES=MODES, label=lambda q: rules.label(q, current_language()),
                           condition_text=_condition_text), status  # fmt: skip


def _condition_text(question: Question) -> str:
    source = question.condition_question
    if source is None:
        return ""
    lang = current_language()
    values = ", ".join(rules.choice_label(source, key, lang) for key in question.condition_values or [])
    return gettext("%(question)s = %(answer)s", question=rules.label(source, lang), answer=values)


def _conditions(plenary: Plenary, before: Question | None) -> list[tuple[str, str]]:
    lang = current_language()
    return [(f"{q.id}:{key}", gettext("%(question)s = %(answer)s", question=rules.label(q, lang),
                                      answer=rules.choice_label(q, key, lang)))
            for q, key in services.condition_options(plenary.id, before)]  # fmt: skip


def _form(plenary: Plenary, question: Question | None):
    form = QuestionForm()
    form.fill_conditions(_conditions(plenary, question))
    if request.method == "GET":
        if question is not None:
            form.kind.data = question.kind
            form.required.data = question.required
            form.asked_of.data = "both" if question.ask_head and question.ask_delegates else (
                "head" if question.ask_head else "delegates")  # fmt: skip
            form.attendance.data = question.attendance or ""
            form.condition.data = (f"{question.condition_question_id}:{question.condition_values[0]}"
                                   if question.condition_question_id and question.condition_values else "")  # fmt: skip
            form.follow_up.data = question.follow_up
            fill_language_fields(form, "label", question.label, empty="")
            fill_language_fields(form, "help", question.help, empty="")
            existing = question.choices or []
        else:
            existing = []
        rows = [{"key": c["key"], **{f"label_{lang}": c["label"].get(lang, "") for lang in ("de", "en", "zh")}}
                for c in existing if not c.get("retired")] + [{}] * EMPTY_CHOICE_ROWS  # fmt: skip
        replace_rows(form.choice_rows, rows)
    if form.validate_on_submit():
        try:
            if question is None:
                services.create_question(plenary, form.question_data())
            else:
                services.update_question(question, form.question_data())
        except services.QuestionProblem as problem:
            db.session.rollback()
            if problem.code == "gone":
                flash(PROBLEMS["gone"](), "warning")
                return redirect(url_for("admin.questions", slug=plenary.slug))
            (form.kind if problem.code == "kind" else form.condition).errors.append(PROBLEMS[problem.code]())
        else:
            db.session.commit()
            flash(gettext("The question is saved."), "success")
            return redirect(url_for("admin.questions", slug=plenary.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("questions/admin_form.html", plenary=plenary, form=form, question=question), status


@bp.route("/plenaries/<slug>/questions/new", methods=["GET", "POST"])
@organizer_required
def question_new(slug: str):
    """Add a question."""
    return _form(plenary_or_404(slug), None)


@bp.route("/plenaries/<slug>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@organizer_required
def question_edit(slug: str, question_id: int):
    """Change a question (its answers keep their meaning)."""
    plenary = plenary_or_404(slug)
    return _form(plenary, plenary_item_or_404(Question, question_id, plenary))


@bp.post("/plenaries/<slug>/questions/<int:question_id>/move")
@organizer_required
def question_move(slug: str, question_id: int):
    """Move a question one place up or down (direction=up|down)."""
    plenary = plenary_or_404(slug)
    question = plenary_item_or_404(Question, question_id, plenary)
    if request.form.get("direction") not in ("up", "down") or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.move_question(question, request.form["direction"])
    except services.QuestionProblem as problem:
        db.session.rollback()
        flash(PROBLEMS[problem.code](), "warning")
    else:
        db.session.commit()
    return redirect(url_for("admin.questions", slug=slug))


@bp.route("/plenaries/<slug>/questions/<int:question_id>/delete", methods=["GET", "POST"])
@organizer_required
def question_delete(slug: str, question_id: int):
    """Ask (saying how many answers go with it), then delete a question and its answers."""
    plenary = plenary_or_404(slug)
    question = plenary_item_or_404(Question, question_id, plenary)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.delete_question(question)
        db.session.commit()
        flash(gettext("The question and its answers were deleted."), "success")
        return redirect(url_for("admin.questions", slug=slug))
    return render_template("questions/admin_delete.html", plenary=plenary, question=question, form=form,
                           answers=services.answer_count(question), dependents=services.dependents(question),
                           label=lambda q: rules.label(q, current_language()))  # fmt: skip


@bp.post("/plenaries/<slug>/questions/<int:question_id>/ask")
@organizer_required
def question_ask(slug: str, question_id: int):
    """Mail a follow-up question now to the confirmed who have not answered it."""
    plenary = plenary_or_404(slug)
    question = plenary_item_or_404(Question, question_id, plenary)
    if not question.follow_up or not ConfirmForm().validate_on_submit():
        abort(400)
    mailed = follow_up.ask_now(question)
    db.session.commit()
    if mailed is None:
        flash(gettext("This question was asked a moment ago; nobody was mailed again."), "info")
    else:
        flash(ngettext("%(num)s person was asked.", "%(num)s people were asked.", mailed), "success")
    return redirect(url_for("admin.questions", slug=slug))


@bp.post("/plenaries/<slug>/questions/remind")
@organizer_required
def questions_remind(slug: str):
    """Remind everyone who has not answered the follow-up questions (nobody twice within the gap)."""
    plenary = plenary_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    mailed = follow_up.remind(plenary.id)
    db.session.commit()
    flash(ngettext("%(num)s reminder was sent.", "%(num)s reminders were sent.", mailed), "success")
    return redirect(url_for("admin.questions", slug=slug))


@bp.post("/plenaries/<slug>/questions/deadline")
@organizer_required
def questions_deadline(slug: str):
    """Set until when answers can be changed (in the plenary's zone; empty: until the plenary starts)."""
    plenary = plenary_or_404(slug)
    form = DeadlineForm()
    if not form.validate_on_submit():
        # Shown again with the error beside the field and what was typed still in it (no redirect: it would be lost).
        form.answers_until.errors = [gettext("Please enter a date and time.")]
        return _list_page(plenary, deadline=form, status=400)
    local = form.answers_until.data
    until = local.replace(tzinfo=plenary.zone).astimezone(UTC) if local else None
    services.set_answers_until(plenary, until)
    db.session.commit()
    flash(gettext("The deadline is saved."), "success")
    return redirect(url_for("admin.questions", slug=slug))
