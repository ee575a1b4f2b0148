"""Public plenary pages."""

from flask import Blueprint, abort, render_template

from plenary.events.services import get_public_plenary, list_public_plenaries, registration_state
from plenary.news.services import announcements_for_plenary

bp = Blueprint("events", __name__, url_prefix="/plenaries")


@bp.get("/")
def index():
    """List upcoming and past plenaries."""
    lists = list_public_plenaries()
    return render_template("events/index.html", lists=lists)


@bp.get("/<slug>")
def detail(slug: str):
    """Show one plenary with its agenda."""
    plenary = get_public_plenary(slug)
    if plenary is None:
        abort(404)
    return render_template(
        "events/detail.html",
        plenary=plenary,
        registration=registration_state(plenary),
        announcements=announcements_for_plenary(plenary.id),
    )
