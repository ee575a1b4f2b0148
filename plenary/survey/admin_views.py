"""Back office: a plenary's survey (settings, questions, order, preview, open and close) and its export.
Routes on the back office's blueprint; every change audited (plenary/survey/labels.py)."""

from datetime import UTC

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext

from plenary.admin.blueprint import bp
from plenary.admin.language_fields import fill_language_fields
from plenary.admin.plenary_forms import ConfirmForm
from plenary.auth.access import organizer_required, viewer_required
from plenary.events.models import Plenary
from plenary.events.services import plenary_item_or_404, plenary_or_404
from plenary.extensions import db
from plenary.i18n import BABEL_LOCALES, LANGUAGES, current_language
from plenary.registration.export import export_format
from plenary.survey import export, services
from plenary.survey.forms import KIND_LABELS, QuestionForm, SettingsForm, answer_form_class
from plenary.survey.models import MAX_QUESTIONS, MIN_QUESTIONS, SurveyOpensAt, SurveyQuestion
from plenary.survey.views import question_text

PROBLEMS = {
    "anonymity": lambda: gettext("People have answered the anonymous survey: it cannot become non-anonymous."),
    "closes": lambda: gettext("The closing date must be after the survey opens."),
    "kind": lambda: gettext("People have answered this question: its kind of answer can no longer be changed."),
    "kind_unknown": lambda: gettext("Please choose a kind of answer."),
    "text": lambda: gettext("Please enter the question in German, English and Chinese."),
    "full": lambda: gettext("A survey has at most %(num)s questions.", num=MAX_QUESTIONS),
    "too_few": lambda: gettext("An open survey needs at least %(num)s questions.", num=MIN_QUESTIONS),
    "gone": lambda: gettext("This question was deleted meanwhile."),
}

STATE_LABELS = {
    "none": lambda: gettext("Not begun"),
    "draft": lambda: gettext("Draft: not open to answers"),
    "scheduled": lambda: gettext("Published: opens when the time comes"),
    "open": lambda: gettext("Open for answers"),
    "closed": lambda: gettext("Closed"),
}


def _page(plenary: Plenary, settings: SettingsForm | None = None, status: int = 200):
    survey = services.survey_of(plenary.id)
    if settings is None:
        settings = SettingsForm()
        if survey is not None:
            settings.anonymous.data = survey.anonymous
            settings.opens.data = str(survey.opens)
            if survey.closes_at:
                settings.closes_at.data = survey.closes_at.astimezone(plenary.zone).replace(tzinfo=None)
        else:
            settings.anonymous.data = True
    questions = services.questions_of(plenary.id)
    return render_template(
        "survey/admin.html", plenary=plenary, survey=survey, questions=questions, settings=settings,
        confirm=ConfirmForm(), state=services.state(plenary, survey), STATE_LABELS=STATE_LABELS,
        KIND_LABELS=KIND_LABELS, responses=services.response_count(plenary.id), MAX_QUESTIONS=MAX_QUESTIONS,
        MIN_QUESTIONS=MIN_QUESTIONS, text=question_text, languages=LANGUAGES,
        opens_at=services.opens_at(plenary, survey) if survey else None,
        closes_at=services.closes_at(plenary, survey) if survey else None,
    ), status  # fmt: skip


@bp.get("/plenaries/<slug>/survey")
@viewer_required
def survey(slug: str):
    """The plenary's survey: its state, settings, questions, the number of answers."""
    return _page(plenary_or_404(slug))


@bp.post("/plenaries/<slug>/survey/settings")
@organizer_required
def survey_settings(slug: str):
    """Anonymous or not, from when, until when (in the plenary's zone)."""
    plenary = plenary_or_404(slug)
    form = SettingsForm()
    if not form.validate_on_submit():
        if form.closes_at.errors:
            form.closes_at.errors = [gettext("Please enter a date and time.")]
        return _page(plenary, settings=form, status=400)
    local = form.closes_at.data
    until = local.replace(tzinfo=plenary.zone).astimezone(UTC) if local else None
    try:
        services.save_settings(plenary, form.anonymous.data, SurveyOpensAt(form.opens.data), until)
    except services.SurveyProblem as problem:
        db.session.rollback()
        plenary = plenary_or_404(slug)
        (form.closes_at if problem.code == "closes" else form.anonymous).errors = [PROBLEMS[problem.code]()]
        return _page(plenary, settings=form, status=400)
    db.session.commit()
    flash(gettext("The survey's settings are saved."), "success")
    return redirect(url_for("admin.survey", slug=slug))


def _question_form(plenary: Plenary, question: SurveyQuestion | None):
    form = QuestionForm()
    if request.method == "GET" and question is not None:
        form.kind.data = str(question.kind)
        form.required.data = question.required
        fill_language_fields(form, "text", question.text, empty="")
    if form.validate_on_submit():
        try:
            if question is None:
                services.add_question(plenary, form.question_data())
            else:
                services.update_question(question, form.question_data())
        except services.SurveyProblem as problem:
            db.session.rollback()
            if problem.code == "gone":
                flash(PROBLEMS["gone"](), "warning")
                return redirect(url_for("admin.survey", slug=plenary.slug))
            (form.kind if problem.code in ("kind", "kind_unknown", "full") else form.text_de).errors.append(
                PROBLEMS[problem.code]())  # fmt: skip
            plenary = plenary_or_404(plenary.slug)
        else:
            db.session.commit()
            flash(gettext("The question is saved."), "success")
            return redirect(url_for("admin.survey", slug=plenary.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("survey/admin_question.html", plenary=plenary, form=form, question=question), status


@bp.route("/plenaries/<slug>/survey/questions/new", methods=["GET", "POST"])
@organizer_required
def survey_question_new(slug: str):
    """Add a question (at most five)."""
    plenary = plenary_or_404(slug)
    if request.method == "GET" and len(services.questions_of(plenary.id)) >= MAX_QUESTIONS:
        flash(PROBLEMS["full"](), "warning")
        return redirect(url_for("admin.survey", slug=slug))
    return _question_form(plenary, None)


@bp.route("/plenaries/<slug>/survey/questions/<int:question_id>/edit", methods=["GET", "POST"])
@organizer_required
def survey_question_edit(slug: str, question_id: int):
    """Change a question's texts (and its kind while nobody has answered it)."""
    plenary = plenary_or_404(slug)
    return _question_form(plenary, plenary_item_or_404(SurveyQuestion, question_id, plenary))


@bp.post("/plenaries/<slug>/survey/questions/<int:question_id>/move")
@organizer_required
def survey_question_move(slug: str, question_id: int):
    """Move a question one place up or down (direction=up|down)."""
    plenary = plenary_or_404(slug)
    question = plenary_item_or_404(SurveyQuestion, question_id, plenary)
    if request.form.get("direction") not in ("up", "down") or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.move_question(question, request.form["direction"])
    except services.SurveyProblem as problem:
        db.session.rollback()
        flash(PROBLEMS[problem.code](), "warning")
    else:
        db.session.commit()
    return redirect(url_for("admin.survey", slug=slug))


@bp.post("/plenaries/<slug>/survey/questions/<int:question_id>/delete")
@organizer_required
def survey_question_delete(slug: str, question_id: int):
    """Delete a question and its answers (the page's button says how many go with it)."""
    plenary = plenary_or_404(slug)
    question = plenary_item_or_404(SurveyQuestion, question_id, plenary)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_question(question)
    except services.SurveyProblem as problem:
        db.session.rollback()
        flash(PROBLEMS[problem.code](), "warning")
    else:
        db.session.commit()
        flash(gettext("The question and its answers were deleted."), "success")
    return redirect(url_for("admin.survey", slug=slug))


@bp.post("/plenaries/<slug>/survey/<any(open, close):action>")
@organizer_required
def survey_open_close(slug: str, action: str):
    """Open the survey (publish; needs three questions) or close it by hand."""
    plenary = plenary_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        (services.open_survey if action == "open" else services.close_survey)(plenary)
    except services.SurveyProblem as problem:
        db.session.rollback()
        flash(PROBLEMS[problem.code](), "warning")
    else:
        db.session.commit()
        flash(gettext("The survey is open.") if action == "open" else gettext("The survey is closed."), "success")
    return redirect(url_for("admin.survey", slug=slug))


@bp.get("/plenaries/<slug>/survey/preview")
@viewer_required
def survey_preview(slug: str):
    """The survey as a participant sees it, in the language chosen (?lang=de|en|zh), without sending."""
    plenary = plenary_or_404(slug)
    survey_row = services.survey_of(plenary.id)
    if survey_row is None:
        return redirect(url_for("admin.survey", slug=slug))
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else current_language()
    questions = services.questions_of(plenary.id)
    with force_locale(BABEL_LOCALES[lang]):
        form = answer_form_class(questions, lambda q: question_text(q, lang))(meta={"csrf": False})
        return render_template("survey/answer.html", registration=None, plenary=plenary, token=None, form=form,
                               questions=questions, survey=survey_row, preview=True,
                               closes_at=services.closes_at(plenary, survey_row))  # fmt: skip


@bp.get("/plenaries/<slug>/survey/export")
@viewer_required
def survey_export(slug: str):
    """The responses as an Excel workbook (default) or CSV, formula-safe, in the back office's language."""
    plenary = plenary_or_404(slug)
    return export.export_response(plenary, export_format(request.args.get("format")), current_language())
