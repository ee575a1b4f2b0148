"""Back office: a plenary's "Badges & name plates" page, its preview, batches, downloads; a registration's role.

Admins and organizers only (viewers get 403): the PDFs carry every attendee's check-in code, and printing is an
organizer's task. Building runs in the worker (plenary.badges.batches); the page polls a small JSON status.
"""

import io

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from plenary.admin.blueprint import bp
from plenary.auth.access import organizer_required
from plenary.badges.batches import EmptySelection, batch_pdf, queue_batch, recent_batches
from plenary.badges.layout import SIZES, card_size
from plenary.badges.models import BadgeBatch, BatchKind, BatchStatus
from plenary.badges.selection import ANY, BadgeSelection, InvalidSelection, count, delegation_heads, selected
from plenary.badges.services import UnknownRole, render_first_sheet, set_role
from plenary.db import utcnow
from plenary.events.services import plenary_item_or_404, plenary_or_404
from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.registration.roles import PARTICIPANT_ROLE_LABELS


def _kind(value: str | None) -> str:
    return value if value in BatchKind.__members__.values() else BatchKind.BADGE.value


#: The filters as the page names them (the refusal names the wrong ones so).
FILTER_LABELS = {"status": _l("Status"), "attendance": _l("Attendance"), "role": _l("Role at the plenary"),
                 "delegation": _l("Delegation"), "ids": _l("Only these registration numbers")}  # fmt: skip


def _refuse_selection(slug: str, error: InvalidSelection):
    """An unknown filter value: say so and show the page with the default selection (nothing is printed)."""
    fields = ", ".join(str(FILTER_LABELS[name]) for name in error.fields)
    flash(gettext("This selection cannot be used (unknown value for: %(fields)s). Please choose again.",
                  fields=fields), "danger")  # fmt: skip
    return redirect(url_for("admin.badges", slug=slug))


@bp.get("/plenaries/<slug>/badges")
@organizer_required
def badges(slug: str):
    """Choose whom to print, see how many, preview the first sheet, build the PDF; the recent batches."""
    plenary = plenary_or_404(slug)
    try:
        selection = BadgeSelection.parse(request.args)
    except InvalidSelection as error:
        return _refuse_selection(slug, error)
    kind, size = _kind(request.args.get("kind")), card_size(request.args.get("size")).key
    return render_template(
        "badges/admin.html", plenary=plenary, selection=selection, kind=kind, size=size, sizes=SIZES,
        total=count(plenary.id, selection), batches=recent_batches(plenary.id), heads=delegation_heads(plenary.id),
        roles=PARTICIPANT_ROLE_LABELS, any=ANY, now=utcnow(),
    )  # fmt: skip


@bp.get("/plenaries/<slug>/badges/preview.pdf")
@organizer_required
def badges_preview(slug: str):
    """The first A4 sheet of the selection's badges (or the first name plate), shown inline in a new tab."""
    plenary = plenary_or_404(slug)
    try:
        selection = BadgeSelection.parse(request.args)
    except InvalidSelection as error:
        return _refuse_selection(slug, error)
    kind = _kind(request.args.get("kind"))
    people = selected(plenary.id, selection)
    if not people:
        flash(gettext("Nobody matches this selection: there is nothing to print."), "warning")
        return redirect(url_for("admin.badges", slug=slug, **selection.args(), kind=kind))
    pdf = render_first_sheet(plenary, people, kind, request.args.get("size"))
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"preview-{slug}.pdf")
    response.headers["Content-Disposition"] = f'inline; filename="preview-{slug}.pdf"'
    return response


@bp.post("/plenaries/<slug>/badges")
@organizer_required
def badges_build(slug: str):
    """Queue a batch for the worker (CSRF); the page then shows its progress."""
    plenary = plenary_or_404(slug)
    try:
        selection = BadgeSelection.parse(request.form)
    except InvalidSelection as error:
        return _refuse_selection(slug, error)
    kind = _kind(request.form.get("kind"))
    try:
        batch, new = queue_batch(plenary, kind, selection, request.form.get("size"), current_user.email)
    except EmptySelection:
        db.session.rollback()
        flash(gettext("Nobody matches this selection: there is nothing to print."), "warning")
        return redirect(url_for("admin.badges", slug=slug, **selection.args(), kind=kind))
    db.session.commit()
    if new:
        flash(gettext("The PDF is being built. This page shows when it is ready."), "success")
    else:
        flash(gettext("This PDF is already being built (see below): it was not asked for again."), "info")
    return redirect(url_for("admin.badges", slug=slug, **selection.args(), kind=kind, _anchor=f"batch-{batch.id}"))


def _batch_of(slug: str, batch_id: int) -> BadgeBatch:
    plenary = plenary_or_404(slug)
    return plenary_item_or_404(BadgeBatch, batch_id, plenary)


@bp.get("/plenaries/<slug>/badges/<int:batch_id>.json")
@organizer_required
def badges_status(slug: str, batch_id: int):
    """A batch's progress, for the page's script: status, done, total and, once done, the download's address."""
    batch = _batch_of(slug, batch_id)
    download = url_for("admin.badges_download", slug=slug, batch_id=batch.id)
    stalled = batch.stalled(utcnow())
    return jsonify(status=str(batch.status), done=batch.done, total=batch.total, stalled=stalled,
                   message=gettext("stalled: the worker will start it again") if stalled else None,
                   download=download if batch.status == BatchStatus.DONE else None)  # fmt: skip


@bp.get("/plenaries/<slug>/badges/<int:batch_id>.pdf")
@organizer_required
def badges_download(slug: str, batch_id: int):
    """A built batch's PDF (404 before it is done and after it was pruned)."""
    batch = _batch_of(slug, batch_id)
    pdf = batch_pdf(batch) if batch.status == BatchStatus.DONE else None
    if pdf is None:
        abort(404)
    name = f"{'nameplates' if batch.kind == BatchKind.NAMEPLATE else 'badges'}-{slug}-{batch.id}.pdf"
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.post("/registrations/<int:registration_id>/role")
@organizer_required
def registration_role(registration_id: int):
    """Set a registration's role at the plenary (its badge's band; CSRF)."""
    registration = db.get_or_404(Registration, registration_id)
    try:
        changed = registration.anonymised_at is None and set_role(registration, request.form.get("role", ""))
    except UnknownRole:
        db.session.rollback()
        flash(gettext("Please choose one of the roles."), "warning")
        return redirect(url_for("admin.registration", registration_id=registration_id))
    db.session.commit()
    flash(gettext("Saved.") if changed else gettext("Nothing was changed."), "success")
    return redirect(url_for("admin.registration", registration_id=registration_id))


@bp.app_context_processor
def role_labels():
    """The roles' words for templates (the registration page's role form, templates/badges/_role_form.html)."""
    return {"PARTICIPANT_ROLE_LABELS": PARTICIPANT_ROLE_LABELS}
