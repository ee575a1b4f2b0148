"""Back office: correcting a registration's attendance record by hand (plenary/attendance/corrections.py).

Each correction is a POST (CSRF) answered first by a confirmation page that restates it with the time it will
record; only the confirmation's own POST (``confirm=1``) changes anything. A time that is no time or not on a
day of the plenary comes back on that page with the message and what was typed.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext
from flask_login import current_user

from plenary.admin.blueprint import bp
from plenary.attendance.corrections import (
    CorrectionError,
    channels_of,
    mark_attended,
    parse_local,
    plenary_days,
    remove_attendance,
    within_days,
)
from plenary.attendance.models import AttendanceChannel
from plenary.attendance.services import record_of
from plenary.auth.access import organizer_required
from plenary.db import utcnow
from plenary.extensions import db
from plenary.labels import REGISTRATION_STATUS_LABELS
from plenary.registration.models import Registration, RegistrationStatus


def correction_message(reason: str, registration: Registration | None = None) -> str:
    """Why a correction was refused, in the organizer's language."""
    if reason == "not_confirmed" and registration is not None:
        return gettext("Only confirmed registrations can be marked as attended; this one is “%(status)s”.",
                       status=REGISTRATION_STATUS_LABELS[registration.status])  # fmt: skip
    if reason == "time_outside" and registration is not None:
        days = [format_date(day, "medium") for day in plenary_days(registration.plenary)]
        return gettext("The time must be on a day of the plenary (%(days)s).", days=", ".join(days))
    return {
        "erased": gettext("This registration has been anonymised: its attendance cannot be changed."),
        "exists": gettext("This attendance is recorded already."),
        "no_channel": gettext("This plenary cannot be attended that way."),
        "missing": gettext("There is no such attendance record (any more)."),
        "time_invalid": gettext("Enter the time as hours and minutes, for example 09:30."),
        "time_needed": gettext("It is not a day of the plenary now: enter the day and time of the arrival."),
    }.get(reason, gettext("That is not possible for this registration."))


def _channel(channel: str) -> AttendanceChannel:
    if channel not in AttendanceChannel.__members__.values():
        abort(404)
    return AttendanceChannel(channel)


def _back(registration_id: int):
    return redirect(url_for("admin.registration", registration_id=registration_id, _anchor="attendance"))


@bp.post("/registrations/<int:registration_id>/attended/<channel>")
@organizer_required
def attendance_mark(registration_id: int, channel: str):
    """Mark a registration as attended in the hall or online (confirmation first; organizers; CSRF)."""
    channel = _channel(channel)
    registration = db.get_or_404(Registration, registration_id)
    plenary = registration.plenary
    day, clock = request.form.get("day", ""), request.form.get("time", "")
    refused = _refusal(registration, channel)
    if refused:
        flash(correction_message(refused, registration), "warning")
        return _back(registration_id)
    try:
        at = parse_local(plenary, day, clock)
        if at is None and not within_days(plenary, utcnow()):
            raise CorrectionError("time_needed")
    except CorrectionError as error:
        message = correction_message(error.reason, registration)
        return _confirm_page(registration, "mark", channel, day, clock, None, message), 400
    if request.form.get("confirm") != "1":
        return _confirm_page(registration, "mark", channel, day, clock, at or utcnow())
    try:
        mark_attended(registration_id, channel, current_user.email, at)
    except CorrectionError as error:
        db.session.rollback()
        flash(correction_message(error.reason, registration), "warning")
        return _back(registration_id)
    db.session.commit()
    flash(gettext("The attendance is recorded."), "success")
    return _back(registration_id)


@bp.post("/registrations/<int:registration_id>/attended/<channel>/remove")
@organizer_required
def attendance_remove(registration_id: int, channel: str):
    """Remove a registration's attendance record of one channel (confirmation first; organizers; CSRF)."""
    channel = _channel(channel)
    registration = db.get_or_404(Registration, registration_id)
    existing = record_of(registration, channel)
    if registration.anonymised_at is not None or existing is None:
        flash(correction_message("erased" if registration.anonymised_at else "missing", registration), "warning")
        return _back(registration_id)
    if request.form.get("confirm") != "1":
        return _confirm_page(registration, "remove", channel, "", "", existing.first_seen_at)
    try:
        remove_attendance(registration_id, channel)
    except CorrectionError as error:
        db.session.rollback()
        flash(correction_message(error.reason, registration), "warning")
        return _back(registration_id)
    db.session.commit()
    flash(gettext("The attendance record is removed."), "success")
    return _back(registration_id)


def _refusal(registration: Registration, channel: AttendanceChannel) -> str | None:
    if registration.anonymised_at is not None:
        return "erased"
    if registration.status != RegistrationStatus.CONFIRMED:
        return "not_confirmed"
    if record_of(registration, channel) is not None:
        return "exists"
    if channel not in channels_of(registration.plenary):
        return "no_channel"
    return None


def _confirm_page(registration, action, channel, day, clock, at, error=None):
    plenary = registration.plenary
    return render_template("admin/attendance_confirm.html", registration=registration, plenary=plenary,
                           action=action, channel=channel, day=day, clock=clock, at=at, error=error,
                           days=day_choices(plenary))  # fmt: skip


def day_choices(plenary) -> list[tuple[str, str]]:
    """The plenary's local days as (YYYY-MM-DD, the day in the organizer's language) for the day's select."""
    return [(day.isoformat(), format_date(day, "medium")) for day in plenary_days(plenary)]
