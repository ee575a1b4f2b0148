"""Back office: bulk actions on the registrations ticked in the list (approve, reject, cancel, move, message)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from plenary.admin.blueprint import bp
from plenary.auth.access import organizer_required
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.labels import ATTENDANCE_LABELS
from plenary.registration import bulk, states

#: Why one person was left out, as the summary names it.
REASONS = {
    "full_in_person": _l("no seat left in the hall"),
    "full_online": _l("no online place left"),
    "not_pending": _l("not waiting for approval"),
    "not_rejectable": _l("neither waiting for approval nor on the waiting list"),
    "not_active": _l("already cancelled or rejected"),
    "anonymised": _l("erased"),
    "same_mode": _l("already in that attendance mode"),
    "attendance_not_offered": _l("this attendance mode is not offered"),
    "not_found": _l("no longer exists"),
}

#: The bulk actions that are asked for once more, on a page that names the people, before they run.
CONFIRMED_ACTIONS = ("cancel", "reject")


def _done_message(action: str, count: int, attendance: str) -> str:
    if action == "approve":
        return ngettext("%(num)s registration approved.", "%(num)s registrations approved.", count)
    if action == "reject":
        return ngettext("%(num)s registration rejected.", "%(num)s registrations rejected.", count)
    if action == "cancel":
        return ngettext("%(num)s registration cancelled.", "%(num)s registrations cancelled.", count)
    return ngettext("%(num)s registration moved to “%(mode)s”.", "%(num)s registrations moved to “%(mode)s”.",
                    count, mode=ATTENDANCE_LABELS.get(attendance, attendance))  # fmt: skip


def _refused_message(action: str, count: int) -> str:
    if action == "approve":
        return ngettext("%(num)s not approved:", "%(num)s not approved:", count)
    if action == "reject":
        return ngettext("%(num)s not rejected:", "%(num)s not rejected:", count)
    if action == "cancel":
        return ngettext("%(num)s not cancelled:", "%(num)s not cancelled:", count)
    return ngettext("%(num)s not moved:", "%(num)s not moved:", count)


@bp.post("/plenaries/<slug>/registrations/bulk")
@organizer_required
def registrations_bulk(slug: str):
    """Apply one action to the ticked registrations (or every one on the page), person by person (CSRF)."""
    plenary = plenary_or_404(slug)
    back = request.form.get("back", "")
    back = back if back.startswith(f"/admin/plenaries/{slug}/registrations") else None
    back = back or url_for("admin.registrations", slug=slug)
    source = request.form.getlist("page_ids") if request.form.get("page_all") == "1" else request.form.getlist("ids")
    names = bulk.of_plenary(plenary.id, bulk.selected_ids(source))
    action = request.form.get("action", "")
    if not names:
        flash(gettext("Tick at least one registration first."), "warning")
        return redirect(back)
    if action == "message":
        return redirect(url_for("admin.message_new", slug=slug, ids=",".join(map(str, names))))
    if action == "badges":  # the badges page for exactly these people, whatever their status (plenary/badges)
        ids = ",".join(map(str, names))
        return redirect(url_for("admin.badges", slug=slug, ids=ids, status="any", attendance="any"))
    attendance = request.form.get("attendance", "")
    if action not in bulk.BULK_ACTIONS or (action == "move" and attendance not in states.attendance_modes(plenary)):
        flash(gettext("Choose what to do with the selected registrations."), "warning")
        return redirect(back)
    if action in CONFIRMED_ACTIONS and request.form.get("confirmed") != "1":
        # Cancelling and rejecting tell each person by mail and cannot be undone: ask first (no JavaScript).
        return render_template(
            "admin/registrations_bulk_confirm.html", plenary=plenary, action=action, names=names, back=back
        )
    db.session.rollback()  # the capacity lock begins each person's own unit of work (nothing written yet)
    outcome = bulk.one_by_one(action, list(names), db.session.commit, db.session.rollback, attendance)
    if outcome.done:
        flash(_done_message(action, len(outcome.done), attendance), "success")
    if outcome.refused:
        details = "; ".join(
            gettext("%(name)s (%(reason)s)", name=names[i], reason=REASONS.get(code, gettext("not possible")))
            for i, code in outcome.refused.items()
        )
        flash(f"{_refused_message(action, len(outcome.refused))} {details}", "warning")
    return redirect(back)
