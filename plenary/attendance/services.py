"""The attendance record's verbs: record an arrival (once per channel), undo it, ask whether someone attended.

Every writer goes through here: the door's check-in (plenary/checkin/services.py) today, the online join
links of the next issue tomorrow. Functions flush, never commit.
"""

from datetime import datetime

import sqlalchemy as sa

from plenary.attendance.models import AttendanceChannel, AttendanceRecord, AttendanceSource
from plenary.attendance.signals import attendance_recorded, attendance_undone
from plenary.db import utcnow
from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.upsert import insert_once


def record_arrival(registration: Registration, channel: AttendanceChannel, source: AttendanceSource,
                   by: str | None = None, at: datetime | None = None) -> bool:  # fmt: skip
    """Record that ``registration`` attended through ``channel``; True if this made the record, False if it was
    there already (then only ``last_seen_at`` moves). One statement that succeeds once: two doors scanning the
    same person at the same moment make one record. Flushes."""
    at = at or utcnow()
    made = insert_once(AttendanceRecord.__table__, registration_id=registration.id, channel=channel, source=source,
                       first_seen_at=at, last_seen_at=at, recorded_by=by)  # fmt: skip
    if not made:
        db.session.execute(
            sa.update(AttendanceRecord)
            .where(AttendanceRecord.registration_id == registration.id, AttendanceRecord.channel == channel,
                   AttendanceRecord.last_seen_at < at)
            .values(last_seen_at=at)
        )  # fmt: skip
    db.session.expire(registration, ["attendance_records"])
    if made:
        attendance_recorded.send(registration, channel=channel)
    return made


def undo(registration: Registration, channel: AttendanceChannel) -> AttendanceRecord | None:
    """Delete ``registration``'s record of ``channel`` (an arrival made by mistake); the record as it was, or None
    if there was none. Tells the documents resting on it (``attendance_undone``). Flushes."""
    record = record_of(registration, channel)
    if record is None:
        return None
    db.session.delete(record)
    db.session.flush()
    db.session.expire(registration, ["attendance_records"])
    attendance_undone.send(registration, channel=channel)
    return record


def record_of(registration: Registration, channel: AttendanceChannel) -> AttendanceRecord | None:
    """``registration``'s record of one channel, if any (from the loaded records: no query once they are)."""
    return next((r for r in registration.attendance_records if r.channel == channel), None)


def attended(registration: Registration) -> bool:
    """True if ``registration`` attended, in the hall or online (``Registration.attended`` in queries)."""
    return registration.attended


def attendance_of(registration: Registration) -> list[AttendanceRecord]:
    """``registration``'s records, hall first."""
    order = list(AttendanceChannel)
    return sorted(registration.attendance_records, key=lambda r: order.index(r.channel))


def download(registration: Registration) -> list[dict]:
    """The records as the download of one's data shows them (without the organizer's account)."""
    return [{"channel": str(r.channel), "source": str(r.source), "first_seen_at": r.first_seen_at.isoformat(),
             "last_seen_at": r.last_seen_at.isoformat()} for r in attendance_of(registration)]  # fmt: skip
