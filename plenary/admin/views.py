"""The back office's overview: the dashboard of all plenaries (the blueprint itself is plenary.admin.blueprint)."""

from flask import abort, render_template

from plenary.admin.blueprint import bp
from plenary.admin.services import plenaries_with_counts
from plenary.auth.access import viewer_required
from plenary.events.models import Plenary
from plenary.extensions import db


@bp.get("/")
@viewer_required
def dashboard():
    """All plenaries with their registrations counted by status."""
    return render_template("admin/dashboard.html", rows=plenaries_with_counts())


def _plenary_or_404(slug: str, *options) -> Plenary:
    """The plenary of ``slug`` (loaded with the given loader ``options``), or 404."""
    plenary = db.session.scalar(db.select(Plenary).where(Plenary.slug == slug).options(*options))
    if plenary is None:
        abort(404)
    return plenary
