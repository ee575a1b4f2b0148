"""The back office's overview: the dashboard of all plenaries (the blueprint itself is plenary.admin.blueprint)."""

from flask import render_template

from plenary.admin.blueprint import bp
from plenary.admin.services import plenaries_with_counts
from plenary.auth.access import viewer_required
from plenary.registration.availability import seats_of
from plenary.registration.states import DISPLAY_ORDER


@bp.get("/")
@viewer_required
def dashboard():
    """All plenaries with their registrations counted by status."""
    rows = plenaries_with_counts()
    return render_template("admin/dashboard.html", rows=rows, seats=seats_of(p for p, _counts in rows),
                           statuses=DISPLAY_ORDER)  # fmt: skip


