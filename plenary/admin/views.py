"""The back office's overview: the dashboard of all plenaries (the blueprint itself is plenary.admin.blueprint)."""

from flask import render_template

from plenary.admin.blueprint import bp
from plenary.admin.services import plenaries_with_counts
from plenary.auth.access import viewer_required


@bp.get("/")
@viewer_required
def dashboard():
    """All plenaries with their registrations counted by status."""
    return render_template("admin/dashboard.html", rows=plenaries_with_counts())


