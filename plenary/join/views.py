"""``/join/<token>``: an online attendee's personal way into the meeting.

Unknown, forged and erased tokens answer the site's 404. A genuine link that leads nowhere (not confirmed, in
person, cancelled, no online part) says why; before the window a waiting page, inside it the join is recorded
and the visitor sent on to the meeting, after the end a page with where the documents are. None of these pages
is cached, indexed or passes its address on (``_private``).
"""

from datetime import datetime

from flask import Blueprint, abort, current_app, redirect, render_template, request

from plenary.calendar.views import personal_calendar
from plenary.db import utcnow
from plenary.extensions import db, limiter
from plenary.formatting import dual_times, zoned
from plenary.i18n import use_language
from plenary.join import services
from plenary.join.services import Phase
from plenary.join.tokens import registration_for_join_token
from plenary.registration.models import Registration

bp = Blueprint("join", __name__)


def _join_rate_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def _private(response):
    """No cache keeps it, no search engine lists it, no page it leads to learns the link (it is a key)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _registration_or_404(token: str) -> Registration:
    registration = registration_for_join_token(token)
    if registration is None:
        abort(404)
    use_language(registration.language)
    return registration


def _page(template: str, registration: Registration, token: str, status: int = 200, **context):
    plenary = registration.plenary
    response = current_app.make_response((render_template(
        template, registration=registration, plenary=plenary, token=token, **context), status))  # fmt: skip
    return _private(response)


@bp.route("/join/<token>")
@limiter.limit(_join_rate_limit)
def open(token: str):  # noqa: A001 - the endpoint is "join.open"
    """The waiting page, the way into the meeting, or the page after it; 404 for anything but a join link."""
    registration = _registration_or_404(token)
    reason = services.refusal(registration)
    if reason is not None:
        return _page("join/refused.html", registration, token, reason=reason)
    now = utcnow()
    plenary = registration.plenary
    phase = services.phase(plenary, now)
    if phase == Phase.OVER:
        return _page("join/over.html", registration, token)
    addresses = services.addresses(registration)
    # "?via=other": the other meeting address (the fallback offered where the first one does not work).
    target = addresses.fallback if request.args.get("via") == "other" and addresses.fallback else addresses.primary
    if phase == Phase.OPEN and target:
        if services.record_join(registration, now):
            db.session.commit()
            return _private(redirect(target, 303))
        db.session.rollback()
        registration = _registration_or_404(token)  # changed meanwhile: show what it is now
        return open_again(registration, token, now)
    return _waiting(registration, token, now, addresses)


def open_again(registration: Registration, token: str, now: datetime):
    """The page for a registration that changed between reading and the lock (rare): as if opened now."""
    reason = services.refusal(registration)
    if reason is not None:
        return _page("join/refused.html", registration, token, reason=reason)
    if services.phase(registration.plenary, now) == Phase.OVER:
        return _page("join/over.html", registration, token)
    return _waiting(registration, token, now, services.addresses(registration))


def _waiting(registration: Registration, token: str, now: datetime, addresses: services.Addresses):
    """Before the window (or inside it while the organizers have not set an address yet)."""
    plenary = registration.plenary
    opens = services.opens_at(plenary)
    zone = services.visitor_zone(registration)
    times = dual_times(plenary.starts_at, plenary.timezone)
    if zone and zone not in [t.zone for t in times]:
        times.append(zoned(plenary.starts_at, zone))
    # Come back when it opens (at most an hour from now, so that a moved plenary is noticed); inside the window
    # without an address, every minute.
    seconds = int((opens - now).total_seconds())
    refresh = min(max(seconds + 1, 15), 3600) if seconds > 0 else 60
    return _page("join/waiting.html", registration, token, times=times, visitor_zone=zone,
                 opens=zoned(opens, zone or plenary.timezone), opens_iso=opens.isoformat(), refresh=refresh,
                 is_open=seconds <= 0, fallback=addresses.fallback)  # fmt: skip


@bp.route("/join/<token>/invite.ics")
@limiter.limit(_join_rate_limit)
def calendar(token: str):
    """The attendee's calendar entry (with this join link), from the waiting page; 404 like the page."""
    registration = _registration_or_404(token)
    if services.refusal(registration) is not None:
        abort(404)
    return _private(personal_calendar(registration))
