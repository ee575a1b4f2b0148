"""Back office: a plenary's registrations — list, a registration's page, actions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from plenary.admin.services import registration_page, status_counts
from plenary.admin.views import _plenary_or_404, bp
from plenary.auth.access import organizer_required, viewer_required
from plenary.extensions import db
from plenary.registration import services
from plenary.registration.models import Registration, RegistrationStatus


@bp.get("/plenaries/<slug>/registrations")
@viewer_required
def registrations(slug: str):
    """A plenary's registrations: search, status filter, pagination, counts."""
    plenary = _plenary_or_404(slug)
    search = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    if status and status not in RegistrationStatus.__members__.values():
        status = ""
    page = min(max(request.args.get("page", 1, type=int), 1), 10_000)
    pagination = registration_page(plenary.id, search, status, page)
    return render_template("admin/registrations.html", plenary=plenary, pagination=pagination, search=search,
                           status=status, counts=status_counts(plenary.id))  # fmt: skip


@bp.get("/registrations/<int:registration_id>")
@viewer_required
def registration(registration_id: int):
    """One registration with every detail."""
    registration = db.get_or_404(Registration, registration_id)
    return render_template("admin/registration.html", registration=registration)


ACTIONS = {"approve": services.approve, "reject": services.reject, "cancel": services.cancel}


@bp.post("/registrations/<int:registration_id>/<action>")
@organizer_required
def registration_action(registration_id: int, action: str):
    """Approve, reject or cancel (organizers and admins; CSRF-protected; viewers get 403)."""
    if action not in ACTIONS:
        abort(404)
    db.get_or_404(Registration, registration_id)
    try:
        ACTIONS[action](registration_id)
    except services.RegistrationError:
        db.session.rollback()
        flash(gettext("That is not possible for this registration."), "warning")
    else:
        db.session.commit()
        flash(gettext("Done."), "success")
    return redirect(url_for("admin.registration", registration_id=registration_id))
