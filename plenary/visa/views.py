"""The delegate's side: the visa card on the personal page, the request form, the letter's download."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_date

from plenary.db import utcnow
from plenary.documents import services as documents
from plenary.extensions import db
from plenary.i18n import current_language
from plenary.registration.models import Registration
from plenary.registration.states import Attendance
from plenary.registration.tokens import registration_or_404
from plenary.registration.views import personal_page_limit
from plenary.visa import crypto, handlers, letter, review, services
from plenary.visa.forms import VisaRequestForm
from plenary.visa.labels import STATUS_LABELS
from plenary.visa.models import EDITABLE

bp = Blueprint("visa", __name__)

#: Imported for its signal receivers (withdraw on cancellation, purge on erasure): connected with the views.
SIGNAL_RECEIVERS = handlers


@bp.record_once
def _refuse_without_key(state) -> None:
    # When the app registers this blueprint (create_app): letters enabled without a valid key stop the start.
    crypto.check_configuration(state.app)


@bp.app_template_global("visa_panel")
def visa_panel(registration: Registration) -> dict | None:
    """What the personal page's visa card shows (None: no card): the request, the valid letter, what is possible."""
    if not services.letters_enabled() or not services.settings_for(registration.plenary).offered:
        return None
    visa = services.request_for(registration)
    may = services.may_request(registration)
    if visa is None and not may:
        return None
    document = review.current_letter(registration)
    return {
        "request": visa,
        "may_request": may,
        "letter": document,
        "letter_available": review.letter_available(registration, document),
        "online": registration.attendance != Attendance.IN_PERSON,
        "labels": STATUS_LABELS,
        "mission": services.mission_name(visa, current_language()) if visa is not None else None,
    }


@bp.route("/registrations/<token>/visa", methods=["GET", "POST"])
@personal_page_limit
def request_letter(token: str):
    """Request a visa invitation letter, or correct a request the organizers sent back."""
    registration = registration_or_404(token)
    if not services.may_request(registration):
        return redirect(url_for("registration.personal", token=token, done="not_possible"))
    plenary = registration.plenary
    settings = services.settings_for(plenary)
    visa = services.request_for(registration)
    form = VisaRequestForm()
    form.fill_choices(settings.host_country, current_language())
    if request.method == "GET":
        if visa is not None and visa.status in EDITABLE:
            _fill(form, visa)
        else:
            form.passport_name.data = f"{registration.last_name} {registration.first_name}".upper()
            form.nationality.data = registration.country
            # A stay from the day before to the day after: what most delegates plan (changed at will).
            form.entry_date.data = plenary.local_start.date() - timedelta(days=1)
            form.exit_date.data = plenary.local_end.date() + timedelta(days=1)
    if request.method == "POST":
        valid = form.validate_on_submit()
        today = utcnow().astimezone(plenary.zone).date()
        # The service's checks too, on what could be read: every problem is named at once, beside its field.
        problems = services.check_request(plenary, form.request_data(), today)
        for name, message in problems.items():
            field = getattr(form, name)
            if not field.errors:
                field.errors = [*field.errors, message]
        if valid and not problems:
            try:
                services.submit(registration, form.request_data(), today)
            except services.VisaRefused:
                db.session.rollback()
                return redirect(url_for("registration.personal", token=token, done="not_possible"))
            db.session.commit()
            return redirect(url_for("registration.personal", token=token, _anchor="visa"))
    status = 400 if request.method == "POST" else 200
    start, end = plenary.local_start.date(), plenary.local_end.date()
    dates = format_date(start, "long") if start == end else f"{format_date(start, 'long')} – {format_date(end, 'long')}"
    window = [format_date(day, "long") for day in services.stay_window(plenary)] + [dates]
    return render_template("visa/request.html", registration=registration, plenary=plenary, form=form,
                           token=token, visa=visa, window=window), status  # fmt: skip


def _fill(form: VisaRequestForm, visa) -> None:
    """A request sent back for correction: the form shows what was sent."""
    passport = services.passport_data(visa) or {}
    for key, value in passport.items():
        if hasattr(form, key):
            getattr(form, key).data = value
    form.entry_date.data, form.exit_date.data = visa.entry_date, visa.exit_date
    form.mission.data, form.mission_other.data, form.english.data = visa.mission, visa.mission_other, visa.english


@bp.get("/registrations/<token>/visa/letter.pdf")
def letter_pdf(token: str):
    """Download the valid letter (404 when there is none, or it can no longer be made)."""
    registration = registration_or_404(token)
    document = review.current_letter(registration)
    pdf = documents.render_document(document) if document is not None else None
    if pdf is None:
        abort(404)
    return pdf_response(pdf, letter.filename(document))


def pdf_response(pdf: bytes, name: str):
    """A PDF as a download that no cache keeps (it holds passport data)."""
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
