"""The door: /admin/plenaries/<slug>/checkin (organizers; works on a phone), a page of the back office.

Its routes are on the back office's blueprint, so the door shows the scanned person under the back office's
headers (never stored, never indexed: plenary.headers).
"""

from flask import jsonify, render_template, request
from flask_login import current_user

from plenary.admin.blueprint import bp
from plenary.auth.access import organizer_required
from plenary.checkin.services import arrivals, check_in
from plenary.events.services import plenary_or_404
from plenary.extensions import db


@bp.route("/plenaries/<slug>/checkin", methods=["GET", "POST"])
@organizer_required
def checkin(slug: str):
    """Scan (camera) or type a code; shows who it is in large type and counts arrivals."""
    plenary = plenary_or_404(slug)
    result = None
    if request.method == "POST":
        result = check_in(plenary.id, request.form.get("code", "")[:200], current_user.email)
        db.session.commit()
    arrived, confirmed = arrivals(plenary.id)
    status = 200 if result is None or result.outcome in ("arrived", "again") else 422
    return render_template("checkin/door.html", plenary=plenary, result=result, arrived=arrived,
                           confirmed=confirmed), status  # fmt: skip


@bp.get("/plenaries/<slug>/checkin/count")
@organizer_required
def checkin_count(slug: str):
    """The live count of arrivals (polled by the door page)."""
    arrived, confirmed = arrivals(plenary_or_404(slug).id)
    return jsonify(arrived=arrived, confirmed=confirmed)
