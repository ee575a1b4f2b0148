"""The attendance record: one per registration and channel; arrive, repeat, undo, counts in SQL, erasure keeps it."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceRecord, AttendanceSource
from plenary.attendance.signals import attendance_undone
from plenary.extensions import db
from plenary.registration import privacy, signup
from plenary.registration.models import Registration
from tests.conftest import person

HALL, ONLINE = AttendanceChannel.HALL, AttendanceChannel.ONLINE
T1 = datetime(2031, 10, 15, 7, 0, tzinfo=UTC)
T2 = datetime(2031, 10, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def three(open_plenary):
    plenary = open_plenary(capacity_in_person=None)
    people = [signup.register(plenary.id, person(f"p{i}@example.org")).created[0] for i in range(3)]
    db.session.commit()
    return people


def _records() -> list[tuple]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(AttendanceRecord.registration_id, AttendanceRecord.channel, AttendanceRecord.source,
                  AttendanceRecord.first_seen_at, AttendanceRecord.last_seen_at, AttendanceRecord.recorded_by)
        .order_by(AttendanceRecord.registration_id, AttendanceRecord.channel))]  # fmt: skip


def test_an_arrival_is_recorded_once_and_a_repeat_only_moves_last_seen(three):
    anna, _, _ = three
    assert not attendance.attended(anna) and anna.checked_in_at is None
    assert attendance.record_arrival(anna, HALL, AttendanceSource.DOOR, by="door@isa.example", at=T1) is True
    db.session.commit()
    assert attendance.record_arrival(anna, HALL, AttendanceSource.DOOR, by="other@isa.example", at=T2) is False
    db.session.commit()
    assert _records() == [(anna.id, "hall", "door", T1, T2, "door@isa.example")]
    assert attendance.attended(anna) and anna.checked_in and anna.checked_in_at == T1
    assert anna.checked_in_by == "door@isa.example"


def test_hall_and_screen_are_two_records_of_one_person(three):
    anna, _, _ = three
    attendance.record_arrival(anna, ONLINE, AttendanceSource.JOIN_LINK, at=T1)
    db.session.commit()
    assert attendance.attended(anna) and not anna.checked_in and anna.checked_in_at is None
    attendance.record_arrival(anna, HALL, AttendanceSource.ORGANIZER, by="o@isa.example", at=T2)
    db.session.commit()
    assert [r.channel for r in attendance.attendance_of(anna)] == [HALL, ONLINE]
    # The database itself refuses a second row of one channel (what makes the one-statement arrival safe).
    db.session.add(AttendanceRecord(registration_id=anna.id, channel=HALL, source="door", first_seen_at=T2,
                                    last_seen_at=T2))  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_undo_deletes_the_record_and_says_so(three):
    anna, bert, _ = three
    heard = []

    def listener(sender, channel):
        heard.append((sender.id, channel))

    attendance.record_arrival(anna, HALL, AttendanceSource.DOOR, by="door", at=T1)
    attendance.record_arrival(anna, ONLINE, AttendanceSource.JOIN_LINK, at=T1)
    db.session.commit()
    with attendance_undone.connected_to(listener):
        assert attendance.undo(bert, HALL) is None
        undone = attendance.undo(anna, HALL)
        db.session.commit()
    assert undone.first_seen_at == T1 and heard == [(anna.id, HALL)]
    assert [r[1] for r in _records()] == ["online"] and attendance.attended(anna) and not anna.checked_in


def test_attended_and_checked_in_count_in_sql(three):
    anna, bert, carl = three
    attendance.record_arrival(anna, HALL, AttendanceSource.DOOR, at=T1)
    attendance.record_arrival(bert, ONLINE, AttendanceSource.JOIN_LINK, at=T1)
    attendance.record_arrival(bert, HALL, AttendanceSource.DOOR, at=T1)
    db.session.commit()
    count = lambda clause: db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(clause))  # noqa: E731
    assert count(Registration.attended) == 2 and count(~Registration.attended) == 1
    assert count(Registration.checked_in) == 2
    assert db.session.scalars(sa.select(Registration.id).where(~Registration.attended)).all() == [carl.id]


def test_erasure_keeps_the_record_a_fact_of_the_plenary(three):
    anna, _, _ = three
    attendance.record_arrival(anna, HALL, AttendanceSource.DOOR, by="door@isa.example", at=T1)
    db.session.commit()
    privacy.erase(anna.id)
    db.session.commit()
    assert _records() == [(anna.id, "hall", "door", T1, T1, "door@isa.example")]
    assert db.session.get(Registration, anna.id).first_name == "—"
