"""Back office: a plenary's reminders (when, to how many, the organizers' texts with a preview). Routes on the back
office's blueprint; the services flush, these views commit."""

from datetime import UTC, datetime

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange

from plenary.admin.blueprint import bp
from plenary.admin.language_fields import add_language_fields, fill_language_fields, language_values
from plenary.admin.messages import MAIL_PREVIEW_CSP
from plenary.admin.plenary_forms import ConfirmForm
from plenary.auth.access import organizer_required, viewer_required
from plenary.broadcasts.compose import clean_subject, preview_link, sample_registration
from plenary.checkin.services import qr_png_for_code
from plenary.events.models import Plenary
from plenary.events.services import plenary_item_or_404, plenary_or_404
from plenary.extensions import db
from plenary.formatting import dual_times
from plenary.i18n import HTML_LANG, LANGUAGES
from plenary.mail.compose import preview_checkin
from plenary.mail.outbox import JOIN_TOKEN_PLACEHOLDER, render_message
from plenary.reminders import services
from plenary.reminders.models import PlenaryReminder
from plenary.reminders.schedule import MAX_DAYS_BEFORE
from plenary.reminders.sending import MAIL_KIND, mail_context
from plenary.reminders.texts import INTRO_MAX, SUBJECT_MAX
from plenary.validation import multi_line, one_line

#: The states of ``services.overview`` ("sending" has its own words, with how many of how many).
STATE_LABELS = {
    "disabled": _l("switched off"), "never": _l("on or after the start: never sent"), "waiting": _l("not due yet"),
    "done": _l("due: nobody left to send to"), "past": _l("past"),
}  # fmt: skip

#: The made-up reader of each language's preview lives where the language is spoken (a German reader online sees
#: their time in Berlin's zone, a Chinese one in Beijing's; GB has no zone of its own here: the plenary's).
SAMPLE_COUNTRIES = {"de": "DE", "en": "GB", "zh": "CN"}
MODES = ("in_person", "online")
#: The check-in code and QR image of the preview (a stand-in, like the follow-up preview's certificate code).
SAMPLE_CHECKIN_CODE = "XXXX-XXXX"


def _subject(value):
    value = one_line(value)
    return clean_subject(value) if isinstance(value, str) else value


class ReminderForm(ConfirmForm):
    """When (days before the start, time in the plenary's zone), on or off, and the organizers' texts."""

    days_before = IntegerField(
        _l("Days before the start"),
        validators=[
            InputRequired(_l("Please enter a number of days.")),
            NumberRange(0, MAX_DAYS_BEFORE, _l("Between 0 and %(max)s days before the start.", max=MAX_DAYS_BEFORE)),
        ],
    )
    local_time = TimeField(
        _l("Time (in the plenary's time zone)"), validators=[InputRequired(_l("Please enter a time such as 09:00."))]
    )
    enabled = BooleanField(_l("Send this reminder"), default=True)
    markdown = BooleanField(_l("Format with Markdown (**bold**, lists, links)"))
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))


add_language_fields(ReminderForm, "subject", lambda lang: StringField(_l("Subject (optional)"), filters=[_subject],
                    validators=[Length(max=SUBJECT_MAX)]))  # fmt: skip
add_language_fields(ReminderForm, "intro", lambda lang: TextAreaField(_l("Opening paragraph (optional)"),
                    filters=[multi_line], validators=[Length(max=INTRO_MAX)]))  # fmt: skip


@bp.get("/plenaries/<slug>/reminders")
@viewer_required
def reminders(slug: str):
    """The plenary's reminders: when each is due (the plenary's zone, Berlin/Beijing), its state, how many got it."""
    plenary = plenary_or_404(slug)
    rows = services.overview(plenary, datetime.now(UTC))
    return render_template("admin/reminders.html", plenary=plenary, rows=rows, confirm=ConfirmForm(),
                           STATE_LABELS=STATE_LABELS, dual_times=dual_times)  # fmt: skip


def _draft(plenary: Plenary, form: ReminderForm) -> PlenaryReminder:
    return PlenaryReminder(plenary_id=plenary.id, days_before=form.days_before.data or 0,
                           local_time=form.local_time.data, subject=language_values(form, "subject"),
                           intro=language_values(form, "intro"), markdown=form.markdown.data)  # fmt: skip


def _preview(plenary: Plenary, draft: PlenaryReminder, lang: str, mode: str) -> tuple[str, str, str]:
    """(subject, text, HTML) of the mail for a made-up person of ``lang`` attending in ``mode``, as they read it:
    links as stand-ins ("…"), the check-in block with a sample code and QR image, no delivery markers."""
    sample = sample_registration(plenary, lang)
    sample.plenary, sample.attendance, sample.country = plenary, mode, SAMPLE_COUNTRIES[lang]
    subject, text, html = render_message(MAIL_KIND, lang, mail_context(plenary, draft, sample, lang))
    text, html = (preview_link(part).replace(JOIN_TOKEN_PLACEHOLDER, "…") for part in (text, html))
    text, html = preview_checkin(text, html, SAMPLE_CHECKIN_CODE, qr_png_for_code(SAMPLE_CHECKIN_CODE))
    return subject, text, html


def _previews(plenary: Plenary, form: ReminderForm) -> list[tuple[str, str, str, str]]:
    """(language, mode, subject, text) of the mail for a made-up in-person and online person per language."""
    draft = _draft(plenary, form)
    return [(lang, mode, *_preview(plenary, draft, lang, mode)[:2]) for lang in LANGUAGES for mode in MODES]


@bp.route("/plenaries/<slug>/reminders/new", methods=["GET", "POST"], endpoint="reminder_new")
@bp.route("/plenaries/<slug>/reminders/<int:reminder_id>", methods=["GET", "POST"], endpoint="reminder_edit")
@organizer_required
def reminder_form(slug: str, reminder_id: int | None = None):
    """Add or change a reminder; "Preview" shows the mail in each language, in person and online."""
    plenary = plenary_or_404(slug)
    reminder = plenary_item_or_404(PlenaryReminder, reminder_id, plenary) if reminder_id is not None else None
    form = ReminderForm()
    if request.method == "GET" and reminder is not None:
        form.days_before.data, form.local_time.data = reminder.days_before, reminder.local_time
        form.enabled.data, form.markdown.data = reminder.enabled, reminder.markdown
        fill_language_fields(form, "subject", reminder.subject, empty="")
        fill_language_fields(form, "intro", reminder.intro, empty="")
    previews = None
    if form.validate_on_submit():
        if form.save.data:
            services.save_reminder(plenary, reminder, days_before=form.days_before.data,
                                   local_time=form.local_time.data, enabled=form.enabled.data,
                                   subject=language_values(form, "subject"), intro=language_values(form, "intro"),
                                   markdown=form.markdown.data)  # fmt: skip
            db.session.commit()
            flash(gettext("The reminder was saved."), "success")
            return redirect(url_for("admin.reminders", slug=plenary.slug))
        previews = _previews(plenary, form)
    status = 422 if form.errors else 200
    return render_template("admin/reminder_form.html", plenary=plenary, reminder=reminder, form=form,
                           previews=previews, html_langs=HTML_LANG), status  # fmt: skip


@bp.post("/plenaries/<slug>/reminders/mail/<lang>/<mode>")
@organizer_required
def reminder_mail_preview(slug: str, lang: str, mode: str):
    """The whole HTML mail of the form's draft for a reader of ``lang`` attending in ``mode`` (opened in a new tab
    from the form, like the broadcasts' and the follow-up's: a mail is its own document, with its own CSP)."""
    plenary = plenary_or_404(slug)
    if lang not in LANGUAGES or mode not in MODES:
        abort(404)
    form = ReminderForm()
    if not form.validate():
        abort(400)
    response = make_response(_preview(plenary, _draft(plenary, form), lang, mode)[2])
    response.headers["Content-Security-Policy"] = MAIL_PREVIEW_CSP
    return response


@bp.post("/plenaries/<slug>/reminders/<int:reminder_id>/delete")
@organizer_required
def reminder_delete(slug: str, reminder_id: int):
    """Delete a reminder (confirmed by the button's form)."""
    plenary = plenary_or_404(slug)
    reminder = plenary_item_or_404(PlenaryReminder, reminder_id, plenary)
    if ConfirmForm().validate_on_submit():
        services.delete_reminder(reminder)
        db.session.commit()
        flash(gettext("The reminder was deleted."), "success")
    return redirect(url_for("admin.reminders", slug=plenary.slug))
