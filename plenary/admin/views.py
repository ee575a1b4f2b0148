"""The back office: its blueprint, the overview, and the area modules that add their routes. All under /admin/."""

from flask import Blueprint, abort, render_template

from plenary.admin.services import plenaries_with_counts
from plenary.auth.access import viewer_required
from plenary.events.models import Plenary
from plenary.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.after_request
def private(response):
    """Back-office pages are personal data: never cached, never indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/")
@viewer_required
def dashboard():
    """All plenaries with their registrations counted by status."""
    return render_template("admin/dashboard.html", rows=plenaries_with_counts())


def _plenary_or_404(slug: str) -> Plenary:
    plenary = db.session.scalar(db.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        abort(404)
    return plenary


# Each area adds its routes to ``bp`` (imported last: they import ``bp`` from here).
from plenary.admin import (  # noqa: E402, F401
    accounts,
    agenda,
    audit,
    content,
    messages,
    plenaries,
    registrations,
    statistics,
)
