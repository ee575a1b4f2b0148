"""Back office: a plenary's visa letter requests, their review, and the plenary's visa settings.

Admins and organizers only (viewers get 403: passport data is for those who decide). Every page that shows
passport data writes an audit entry (``services.view_passport_data``), committed with the page.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from plenary.admin.blueprint import bp
from plenary.auth.access import organizer_required
from plenary.countries import country_name
from plenary.documents import services as documents
from plenary.events.services import plenary_item_or_404, plenary_or_404
from plenary.extensions import db
from plenary.i18n import current_language
from plenary.visa import letter, review, services
from plenary.visa.forms import ApproveForm, NoteForm, VisaSettingsForm
from plenary.visa.labels import STATUS_LABELS
from plenary.visa.models import VisaRequest, VisaStatus
from plenary.visa.views import pdf_response


@bp.get("/plenaries/<slug>/visa")
@organizer_required
def visa_requests(slug: str):
    """The plenary's requests (filtered by state) and its visa settings."""
    plenary = plenary_or_404(slug)
    wanted = request.args.get("status", "")
    status = VisaStatus(wanted) if wanted in VisaStatus.__members__.values() else None
    settings_form = VisaSettingsForm(formdata=None)
    settings_form.load(services.settings_for(plenary))
    return render_template("visa/admin_requests.html", plenary=plenary, requests=services.requests_of(plenary, status),
                           counts=services.counts_of(plenary), status=status, labels=STATUS_LABELS,
                           settings_form=settings_form, enabled=services.letters_enabled())  # fmt: skip


@bp.post("/plenaries/<slug>/visa/settings")
@organizer_required
def visa_settings(slug: str):
    """Save the plenary's visa settings."""
    plenary = plenary_or_404(slug)
    form = VisaSettingsForm()
    if not form.validate_on_submit():
        return render_template("visa/admin_requests.html", plenary=plenary, requests=services.requests_of(plenary),
                               counts=services.counts_of(plenary), status=None, labels=STATUS_LABELS,
                               settings_form=form, enabled=services.letters_enabled()), 400  # fmt: skip
    services.save_settings(plenary, form.values())
    db.session.commit()
    flash(gettext("Saved."), "success")
    return redirect(url_for("admin.visa_requests", slug=slug))


@bp.get("/plenaries/<slug>/visa/<int:request_id>")
@organizer_required
def visa_request(slug: str, request_id: int):
    """One request with its passport data (the view is audited)."""
    plenary = plenary_or_404(slug)
    visa = plenary_item_or_404(VisaRequest, request_id, plenary)
    return _detail_page(plenary, visa, NoteForm())


def _detail_page(plenary, visa: VisaRequest, note_form: NoteForm, note_action: str | None = None) -> str:
    """The request's page with its passport data: the view is written to the audit log and committed."""
    passport = services.view_passport_data(visa)
    db.session.commit()
    return render_template(
        "visa/admin_request.html", plenary=plenary, visa=visa, passport=passport, labels=STATUS_LABELS,
        note_form=note_form, note_action=note_action, approve_form=ApproveForm(), country_name=country_name,
        passport_state=services.passport_state(visa),
        letter=review.current_letter(visa.registration), mission=services.mission_name(visa, current_language()),
    )  # fmt: skip


@bp.get("/plenaries/<slug>/visa/<int:request_id>/letter.pdf")
@organizer_required
def visa_letter_pdf(slug: str, request_id: int):
    """The request's valid letter as PDF (it holds the passport data: audited like the detail page)."""
    plenary = plenary_or_404(slug)
    visa = plenary_item_or_404(VisaRequest, request_id, plenary)
    document = review.current_letter(visa.registration)
    pdf = documents.render_document(document) if document is not None else None
    if pdf is None:
        abort(404)
    services.view_passport_data(visa)
    db.session.commit()
    return pdf_response(pdf, letter.filename(document))


def _decided(slug: str, request_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.visa_request", slug=slug, request_id=request_id))


def _refused(slug: str, request_id: int, code: str = ""):
    db.session.rollback()
    if code == "passport_unreadable":
        message = gettext("The passport data cannot be read with the configured key (FLASK_VISA_KEY), so no letter "
                          "can be made. The key must be the one the data was written with.")  # fmt: skip
    elif code == "approved":
        message = gettext("This request has already been approved; the letter was sent once.")
    else:
        message = gettext("This request cannot be decided any more (it has changed in the meantime).")
    flash(message, "warning")
    return redirect(url_for("admin.visa_request", slug=slug, request_id=request_id))


@bp.post("/plenaries/<slug>/visa/<int:request_id>/approve")
@organizer_required
def visa_approve(slug: str, request_id: int):
    """Approve: the letter is issued and mailed to the delegate."""
    plenary = plenary_or_404(slug)
    visa = plenary_item_or_404(VisaRequest, request_id, plenary)
    if not ApproveForm().validate_on_submit():
        abort(400)
    try:
        review.approve(visa)
    except services.VisaRefused as refusal:
        return _refused(slug, request_id, refusal.code)
    return _decided(slug, request_id, gettext("The letter has been issued and sent to the delegate."))


@bp.post("/plenaries/<slug>/visa/<int:request_id>/correction")
@organizer_required
def visa_correction(slug: str, request_id: int):
    """Send the request back to the delegate with what to correct."""
    return _with_note(slug, request_id, "correction")


@bp.post("/plenaries/<slug>/visa/<int:request_id>/decline")
@organizer_required
def visa_decline(slug: str, request_id: int):
    """Decline the request, telling the delegate why."""
    return _with_note(slug, request_id, "decline")


def _with_note(slug: str, request_id: int, action: str):
    """Ask for a correction or decline, with a note to the delegate."""
    plenary = plenary_or_404(slug)
    visa = plenary_item_or_404(VisaRequest, request_id, plenary)
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail_page(plenary, visa, form, action), 400
    try:
        if action == "correction":
            review.ask_correction(visa, form.note.data)
        else:
            review.decline(visa, form.note.data)
    except services.VisaRefused as refusal:
        return _refused(slug, request_id, refusal.code)
    done = (
        gettext("The delegate has been asked to correct the request.")
        if action == "correction"
        else gettext("The request has been declined; the delegate has been told.")
    )
    return _decided(slug, request_id, done)
