"""Back office: how a plenary's contact address hears of new registrations (each, a daily digest, never)."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from plenary.admin.blueprint import bp
from plenary.auth.access import organizer_required
from plenary.db import utcnow
from plenary.events.models import OrganizerNotice
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.registration.digest import choose_notice

#: The choices as the registrations page offers them.
NOTICE_LABELS = {
    OrganizerNotice.EACH: _l("A mail for each registration (a delegation: one mail)"),
    OrganizerNotice.DAILY: _l("A daily summary in the morning"),
    OrganizerNotice.NONE: _l("No mails"),
}


@bp.post("/plenaries/<slug>/organizer-notice")
@organizer_required
def organizer_notice(slug: str):
    """Save the plenary's choice of notice of new registrations (CSRF; organizers)."""
    plenary = plenary_or_404(slug)
    value = request.form.get("organizer_notice", "")
    if value not in OrganizerNotice.__members__.values():
        flash(gettext("Choose how you want to hear of new registrations."), "warning")
    else:
        choose_notice(plenary.id, OrganizerNotice(value), utcnow())
        db.session.commit()
        flash(gettext("Saved."), "success")
    return redirect(url_for("admin.registrations", slug=slug, _anchor="organizer-notice"))
