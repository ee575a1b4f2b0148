"""Calendar downloads and the subscribable feed (no METHOD, no ORGANIZER/ATTENDEE)."""

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import force_locale, gettext
from sqlalchemy.orm import selectinload

from plenary.calendar.ical import Attendee, agenda_events, calendar, plenary_event
from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryStatus
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.i18n import BABEL_LOCALES, current_language
from plenary.join.services import gets_join_link, join_url
from plenary.registration.models import Registration, RegistrationStatus
from plenary.registration.tokens import hash_token

bp = Blueprint("calendar", __name__)


def _ics(cal, filename: str, last_modified) -> Response:
    """A text/calendar response with a file name, ETag and Last-Modified (304 when unchanged)."""
    response = Response(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    if last_modified:
        response.last_modified = last_modified
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/plenaries/<slug>.ics")
def plenary_ics(slug: str):
    """The plenary as one event (public: no private online link)."""
    plenary = plenary_or_404(slug, public=True)
    lang = current_language()
    event = plenary_event(plenary, lang, now=plenary.updated_at)
    return _ics(calendar([event], {plenary.timezone}), f"{slug}.ics", plenary.updated_at)


@bp.get("/plenaries/<slug>/agenda.ics")
def agenda_ics(slug: str):
    """One event per timed agenda item, each related to the plenary."""
    plenary = plenary_or_404(slug, public=True)
    lang = current_language()
    events = agenda_events(plenary, lang, now=plenary.updated_at)
    return _ics(calendar(events, {plenary.timezone}), f"{slug}-agenda.ics", plenary.updated_at)


@bp.get("/calendar.ics")
def feed():
    """All published plenaries, upcoming and of the past year (cancelled ones stay, marked)."""
    lang = current_language()
    since = utcnow() - timedelta(days=365)
    plenaries = db.session.scalars(
        db.select(Plenary)
        .where(Plenary.status != PlenaryStatus.DRAFT, Plenary.ends_at >= since)
        .order_by(Plenary.starts_at)
        .options(selectinload(Plenary.agenda_items))
    ).all()
    newest = max((p.updated_at for p in plenaries), default=None)
    events = [plenary_event(p, lang, now=p.updated_at) for p in plenaries]
    with force_locale(BABEL_LOCALES[lang]):
        name = gettext("ISA plenary assemblies")
        description = gettext("Plenary assemblies of the Sino-German Industrial Cities Alliance")
    cal = calendar(events, {p.timezone for p in plenaries}, name=name, description=description,
                   refresh_hours=current_app.config["CALENDAR_REFRESH_HOURS"])  # fmt: skip
    return _ics(cal, "isa-plenaries.ics", newest)


@bp.get("/registrations/<token>/invite.ics")
def personal_ics(token: str):
    """The registrant's own copy, in their language, with their join link where they attend online."""
    registration = db.session.scalar(db.select(Registration).where(Registration.token_hash == hash_token(token)))
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    return personal_calendar(registration)


def personal_calendar(registration: Registration) -> Response:
    """The .ics download of one confirmed registration (also reached from its join link's waiting page)."""
    plenary = registration.plenary
    attendee = Attendee(registration.email, registration.display_name, registration.attendance)
    link = join_url(registration) if gets_join_link(registration) else None
    event = plenary_event(plenary, registration.language, now=plenary.updated_at, attendee=attendee, join_link=link)
    # A download carries no ATTENDEE/ORGANIZER (apps would mail replies); the attendee only decides the link.
    del event["attendee"]
    del event["x-microsoft-cdo-busystatus"]
    response = _ics(calendar([event], {plenary.timezone}), f"{plenary.slug}.ics", plenary.updated_at)
    response.headers["Cache-Control"] = "private, no-store"
    return response
