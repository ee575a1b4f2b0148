"""Migration 12c000000001: the door's two columns become hall records, and come back on downgrade."""

from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from plenary.extensions import db
from tests.test_offers_migration import _fill, _links

BEFORE, AFTER = "12a000000001", "12c000000001"
ARRIVED = datetime(2026, 11, 1, 8, 15)  # naive: the wall time as UTCDateTime stores it


def test_check_ins_move_into_the_attendance_record_and_back(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            _fill(connection)
            connection.execute(sa.text("UPDATE registration SET checked_in_at = :t, checked_in_by = 'door@isa.example' "
                                       "WHERE id = 1"), {"t": ARRIVED})  # fmt: skip
        before = _links()
        upgrade(revision=AFTER)
        assert _links() == before  # nothing pointing at a registration is lost
        rows = db.session.execute(sa.text("SELECT registration_id, channel, source, first_seen_at, last_seen_at, "
                                          "recorded_by FROM attendance")).all()  # fmt: skip
        db.session.rollback()
        assert [(r[0], r[1], r[2], r[5]) for r in rows] == [(1, "hall", "door", "door@isa.example")]
        assert {str(r[3])[:16] for r in rows} == {str(r[4])[:16] for r in rows} == {"2026-11-01 08:15"}
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("registration")}
        assert not columns & {"checked_in_at", "checked_in_by"}
        # An online record (issue 13) has no column to go back to.
        db.session.execute(sa.text("INSERT INTO attendance (registration_id, channel, source, first_seen_at, "
                                   "last_seen_at) VALUES (2, 'online', 'join_link', :t, :t)"),
                           {"t": ARRIVED})  # fmt: skip
        db.session.commit()
        downgrade(revision=BEFORE)
        back = db.session.execute(sa.text("SELECT id, checked_in_at, checked_in_by FROM registration ORDER BY id"))
        back = back.all()
        db.session.rollback()
        assert [(r[0], str(r[1])[:16] if r[1] else None, r[2]) for r in back] == [
            (1, "2026-11-01 08:15", "door@isa.example"),
            (2, None, None),
        ]  # online had no column: not a check-in
        assert _links() == before
        assert "attendance" not in sa.inspect(db.engine).get_table_names()
