"""Correcting the attendance record by hand: an organizer marks that someone attended (who joined through a
colleague's device, or was let in without a scan), or removes a record, from the back office.

Both take the plenary's lock first, act only on confirmed registrations that are not erased, and write an audit
entry on the registration ("registration.attendance_recorded" / "registration.attendance_removed"). Removing goes
through ``attendance.services.undo``, which withdraws what rests on the record (a certificate). Functions flush,
never commit; a refusal is a ``CorrectionError`` whose ``reason`` the view words.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceRecord, AttendanceSource
from plenary.audit.services import record
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration, RegistrationStatus

#: The audit field of each channel's record (labelled in admin/audit_labels.py).
AUDIT_FIELDS = {AttendanceChannel.HALL: "attended_hall", AttendanceChannel.ONLINE: "attended_online"}


class CorrectionError(ValueError):
    """A correction refused: ``reason`` is "not_found", "not_confirmed", "erased", "exists", "missing",
    "no_channel" (an online plenary has no hall), "time_outside" (not during the plenary's days), "time_invalid"
    (not a time) or "time_needed" (now is not during the plenary: a time must be given)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Correction:
    """What a correction did: the registration and the record made or removed."""

    registration: Registration
    channel: AttendanceChannel
    at: datetime


def channels_of(plenary: Plenary) -> list[AttendanceChannel]:
    """The channels a plenary can be attended through: the hall if it has a venue, online unless in person only."""
    channels = [AttendanceChannel.HALL] if plenary.has_venue else []
    return channels + ([AttendanceChannel.ONLINE] if plenary.format != "in_person" else [])


def plenary_days(plenary: Plenary) -> list[date]:
    """The plenary's local days (its zone), first to last: the days an arrival may be placed on."""
    first, last = plenary.starts_at.astimezone(plenary.zone).date(), plenary.ends_at.astimezone(plenary.zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)][:31]


def within_days(plenary: Plenary, moment: datetime) -> bool:
    """True if ``moment`` falls on one of the plenary's local days."""
    return moment.astimezone(plenary.zone).date() in plenary_days(plenary)


#: A time of day as the form gives it: H:MM or HH:MM, 00:00–23:59 (a browser's time field may add ":SS" of 00).
CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::00)?")


def parse_local(plenary: Plenary, day: str | None, clock: str | None) -> datetime | None:
    """The instant of a local ``day`` (YYYY-MM-DD) and ``clock`` (HH:MM) in the plenary's zone; None if both are
    empty (meaning now). Raises ``CorrectionError("time_invalid")`` for garbage or a local time that does not exist,
    ``"time_outside"`` for a day that is not the plenary's."""
    day, clock = (day or "").strip()[:20], (clock or "").strip()[:20]
    if not clock:
        return None
    try:
        local_day = date.fromisoformat(day) if day else plenary_days(plenary)[0]
    except ValueError:
        raise CorrectionError("time_outside") from None  # not a day at all: not one of the plenary's days
    match = CLOCK.fullmatch(clock)
    if match is None:
        raise CorrectionError("time_invalid")
    local_clock = time(int(match.group(1)), int(match.group(2)))
    if local_day not in plenary_days(plenary):
        raise CorrectionError("time_outside")
    local = datetime.combine(local_day, local_clock, tzinfo=plenary.zone)
    back = local.astimezone(UTC).astimezone(plenary.zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise CorrectionError("time_invalid")  # a time skipped by the clocks going forward
    return local


def _locked(registration_id: int) -> Registration:
    plenary_id = db.session.scalar(sa.select(Registration.plenary_id).where(Registration.id == registration_id))
    if plenary_id is None:
        raise CorrectionError("not_found")
    lock_plenary(plenary_id)  # first, before anything is written
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    if registration.anonymised_at is not None:
        raise CorrectionError("erased")
    return registration


def mark_attended(registration_id: int, channel: AttendanceChannel, by: str, at: datetime | None = None) -> Correction:
    """Record by hand that the registration attended through ``channel`` at ``at`` (default now), recorded by the
    organizer's account ``by``; audited. Refuses a registration that is not confirmed, one that has that record
    already, and a time (or, without one, now) outside the plenary's days. Flushes."""
    registration = _locked(registration_id)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise CorrectionError("not_confirmed")
    if attendance.record_of(registration, channel) is not None:
        raise CorrectionError("exists")
    plenary = registration.plenary
    if channel not in channels_of(plenary):
        raise CorrectionError("no_channel")
    if at is None:
        at = utcnow()
        if not within_days(plenary, at):
            raise CorrectionError("time_needed")
    elif not within_days(plenary, at):
        raise CorrectionError("time_outside")
    if not attendance.record_arrival(registration, channel, AttendanceSource.ORGANIZER, by=by, at=at):
        raise CorrectionError("exists")  # another organizer's at the same moment
    record("registration.attendance_recorded", registration, summary=f"#{registration.id} {channel}",
           changes={AUDIT_FIELDS[channel]: [None, at.isoformat()]})  # fmt: skip
    db.session.flush()
    return Correction(registration, channel, at)


def remove_attendance(registration_id: int, channel: AttendanceChannel) -> Correction:
    """Remove the registration's record of ``channel`` (through ``attendance.services.undo``: what rests on it is
    withdrawn); audited with the record as it was. Flushes."""
    registration = _locked(registration_id)
    undone: AttendanceRecord | None = attendance.undo(registration, channel)
    if undone is None:
        raise CorrectionError("missing")
    record("registration.attendance_removed", registration, summary=f"#{registration.id} {channel}",
           changes={AUDIT_FIELDS[channel]: [undone.first_seen_at.isoformat(), None],
                    "attendance_source": [str(undone.source), None]})  # fmt: skip
    db.session.flush()
    return Correction(registration, channel, undone.first_seen_at)
