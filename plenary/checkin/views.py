"""The door: /admin/plenaries/<slug>/checkin (organizers; works on a phone), a page of the back office.

One field takes a name, an organisation or a code (typed, pasted, or the door URL a USB scanner types).
The QR image holds the door URL with ``?code=…``: a phone's camera app opens it, the organizer logs in if
needed (the login's ``next`` brings them back) and confirms with a button: a GET only shows, it never checks
in (link scanners and prefetchers open URLs too).

Its routes are on the back office's blueprint, so the door shows the scanned person under the back office's
headers (never stored, never indexed: plenary.headers).
"""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from plenary.admin.blueprint import bp
from plenary.auth.access import organizer_required
from plenary.checkin.search import MAX_QUERY, search
from plenary.checkin.services import (
    arrivals,
    check_in,
    check_in_registration,
    look_up,
    registration_id_of,
    undo_check_in,
)
from plenary.events.services import plenary_or_404
from plenary.extensions import db

#: Outcomes after which the door answers 200 (the others: 422, something is wrong with the person or code).
FINE = ("arrived", "again", "ready")


@bp.route("/plenaries/<slug>/checkin", methods=["GET", "POST"])
@organizer_required
def checkin(slug: str):
    """Search by name or code (GET shows, never checks in); POST checks a person in; counts arrivals."""
    plenary = plenary_or_404(slug)
    result = found = None
    typed = (request.args.get("q") or "")[:500].strip()  # a scanned door URL is longer than a name
    query = typed[:MAX_QUERY]
    if request.method == "POST":
        chosen = request.form.get("registration", "")
        if chosen.isascii() and chosen.isdigit() and len(chosen) < 12:
            result = check_in_registration(plenary.id, int(chosen), current_user.email)
        else:
            result = check_in(plenary.id, request.form.get("code", "")[:500], current_user.email)
        db.session.commit()
    elif request.args.get("code"):
        result = look_up(plenary.id, request.args["code"])
    elif typed:
        if registration_id_of(typed) is not None:  # a code or door URL typed or scanned into the field
            result = look_up(plenary.id, typed)
        else:
            found = search(plenary.id, query)
    arrived, expected = arrivals(plenary.id)
    status = 200 if result is None or result.outcome in FINE else 422
    return render_template("checkin/door.html", plenary=plenary, result=result, found=found, query=query,
                           arrived=arrived, confirmed=expected), status  # fmt: skip


@bp.post("/plenaries/<slug>/checkin/<int:registration_id>/undo")
@organizer_required
def checkin_undo(slug: str, registration_id: int):
    """Take back a check-in made by mistake."""
    plenary = plenary_or_404(slug)
    undone = undo_check_in(plenary.id, registration_id)
    db.session.commit()
    if undone is None:
        flash(gettext("There was no check-in to undo."), "warning")
    else:
        flash(gettext("Check-in undone: %(name)s", name=undone.display_name), "success")
    return redirect(url_for("admin.checkin", slug=plenary.slug))


@bp.get("/plenaries/<slug>/checkin/count")
@organizer_required
def checkin_count(slug: str):
    """The live count of in-person arrivals (polled by the door page)."""
    arrived, expected = arrivals(plenary_or_404(slug).id)
    return jsonify(arrived=arrived, confirmed=expected)
