"""``/join/<token>``: an online attendee's personal way into the meeting (built out by issue 13's join package)."""

from flask import Blueprint, abort

from plenary.join.tokens import registration_for_join_token

bp = Blueprint("join", __name__)


@bp.route("/join/<token>")
def open(token: str):  # noqa: A001 - the endpoint is "join.open"
    """Unknown and forged tokens: 404, alike."""
    if registration_for_join_token(token) is None:
        abort(404)
    abort(404)  # the waiting page, the redirect and the after-page come with the join package
