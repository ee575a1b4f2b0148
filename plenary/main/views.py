"""The home page and the legal notice (Impressum)."""

from flask import Blueprint, render_template

from plenary.events.services import next_plenary, registration_state
from plenary.i18n import current_language
from plenary.legal import legal_details
from plenary.members.services import member_counts
from plenary.news.services import latest_announcements

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Show the next plenary and the latest announcements."""
    plenary = next_plenary()
    return render_template(
        "main/home.html",
        plenary=plenary,
        registration=registration_state(plenary) if plenary else None,
        announcements=latest_announcements(3),
        counts=member_counts(),
    )


@bp.get("/impressum")
def imprint():
    """The legal notice (Impressum): operator, address, representative, contact, as configured (FLASK_IMPRINT)."""
    return render_template("legal/imprint.html", legal=legal_details(current_language()))
