"""The public member directory."""

from flask import Blueprint, render_template

from plenary.i18n import current_language
from plenary.members.services import member_directory

bp = Blueprint("members", __name__, url_prefix="/members")


@bp.get("/")
def index():
    """Show members by country and region, and the advisory board."""
    return render_template("members/index.html", directory=member_directory(current_language()))
