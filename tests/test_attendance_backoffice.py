"""The attendance record in the back office: counts per mode, the list's filter and "as attended", the exports'
columns, the statistics' arrivals over time, and the correction by hand (confirmation, audit, undo, refusals,
permission)."""

import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from plenary.admin.attendance_statistics import arrivals
from plenary.admin.services import list_summary
from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceRecord, AttendanceSource
from plenary.certificates.services import certificate_for
from plenary.extensions import db
from plenary.registration import changes, signup
from plenary.registration.models import Registration
from tests.conftest import login, person
from tests.helpers import count_queries, entries

HALL, ONLINE = AttendanceChannel.HALL, AttendanceChannel.ONLINE
# The test plenary: 15 October 2031, 09:00–12:30 in Berlin (CEST, UTC+2).
T0 = datetime(2031, 10, 15, 6, 50, tzinfo=UTC)  # 08:50 in Berlin
DURING = datetime(2031, 10, 15, 8, 0, tzinfo=UTC)  # 10:00 in Berlin


@pytest.fixture
def organizer(app, accounts):
    client = app.test_client()
    login(client, "organizer@isa.example")
    client.get("/admin/?lang=en")
    return client


@pytest.fixture
def viewer(app, accounts):
    client = app.test_client()
    login(client, "viewer@isa.example")
    client.get("/admin/?lang=en")
    return client


@pytest.fixture
def crowd(open_plenary):
    """Four in person, three online; arrivals from the door, join links and an organizer; one cancelled."""
    plenary = open_plenary(capacity_in_person=None)
    people = {}
    for key, mode in (("door1", "in_person"), ("door2", "in_person"), ("fixed", "in_person"), ("absent", "in_person"),
                      ("link1", "online"), ("link2", "online"), ("came", "online"), ("gone", "online")):  # fmt: skip
        people[key] = signup.register(plenary.id, person(f"{key}@example.org", attendance=mode, last_name=key.title())
                                      ).created[0]  # fmt: skip
    db.session.commit()
    changes.cancel(people["gone"].id)
    db.session.commit()
    attendance.record_arrival(people["door1"], HALL, AttendanceSource.DOOR, by="door@isa.example", at=T0)
    attendance.record_arrival(people["door2"], HALL, AttendanceSource.DOOR, by="door@isa.example",
                              at=T0 + timedelta(minutes=20))  # fmt: skip
    attendance.record_arrival(people["fixed"], HALL, AttendanceSource.ORGANIZER, by="o@isa.example",
                              at=T0 + timedelta(minutes=35))  # fmt: skip
    attendance.record_arrival(people["link1"], ONLINE, AttendanceSource.JOIN_LINK, at=T0 + timedelta(minutes=5))
    attendance.record_arrival(people["link2"], ONLINE, AttendanceSource.JOIN_LINK, at=T0 + timedelta(minutes=25))
    attendance.record_arrival(people["link2"], HALL, AttendanceSource.DOOR, by="door@isa.example",
                              at=T0 + timedelta(minutes=70))  # fmt: skip
    attendance.record_arrival(people["came"], HALL, AttendanceSource.DOOR, by="door@isa.example",
                              at=T0 + timedelta(minutes=10))  # fmt: skip
    db.session.commit()
    return plenary, people


def _ids(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr>(?:<td><input [^>]*></td>)?<td><a href="/admin/registrations/(\d+)">',
                                        page)}  # fmt: skip


def test_counts_per_mode_with_door_join_link_and_organizer_records(organizer, crowd):
    plenary, p = crowd
    summary = list_summary(plenary.id)
    hall, online = summary.attended["in_person"], summary.attended["online"]
    assert (hall.confirmed, hall.attended, hall.own, hall.instead) == (4, 3, 3, 0)
    # link1 and link2 joined online (link2 also came to the hall); "came" only came to the hall; "gone" is cancelled.
    assert (online.confirmed, online.attended, online.own, online.instead) == (3, 3, 2, 1)
    page = organizer.get(f"/admin/plenaries/{plenary.slug}/registrations").get_data(as_text=True)
    assert "In the hall: 3 of 4 attended" in page and "Online: 2 of 3 joined" in page
    assert "(1 attended in the hall instead)" in page and "1 did not attend" in page
    with force_locale("de"):
        german = gettext("Online: %(attended)s of %(confirmed)s joined", attended=2, confirmed=3)
    organizer.get("/admin/?lang=de")
    assert german in organizer.get(f"/admin/plenaries/{plenary.slug}/registrations").get_data(as_text=True)


def test_an_upcoming_plenary_without_records_shows_no_attendance_line(organizer, open_plenary):
    plenary = open_plenary()
    signup.register(plenary.id, person("a@example.org"))
    db.session.commit()
    page = organizer.get(f"/admin/plenaries/{plenary.slug}/registrations").get_data(as_text=True)
    assert "attendance-counts" not in page and "As attended" not in page


def test_the_filter_attended_yes_no_hall_online(organizer, crowd):
    plenary, p = crowd
    base = f"/admin/plenaries/{plenary.slug}/registrations"

    def ids(query):
        response = organizer.get(f"{base}?{query}")
        assert response.status_code == 200
        return _ids(response.get_data(as_text=True))

    every = {r.id for r in p.values()}
    assert ids("attended=yes") == {p[k].id for k in ("door1", "door2", "fixed", "link1", "link2", "came")}
    assert ids("attended=no") == {p["absent"].id, p["gone"].id}
    assert ids("attended=hall") == {p[k].id for k in ("door1", "door2", "fixed", "link2", "came")}
    assert ids("attended=online") == {p["link1"].id, p["link2"].id}
    assert ids("attended=online&attendance=online&status=confirmed") == {p["link1"].id, p["link2"].id}
    assert ids("attended=<script>") == every  # unknown values are ignored
    page = organizer.get(f"{base}?attended=hall").get_data(as_text=True)
    assert '<option value="hall" selected>' in page
    assert 'name="attended" value="hall"' in page  # the export form keeps the filter


def test_the_list_as_attended_with_channel_and_first_time(organizer, crowd):
    plenary, p = crowd
    base = f"/admin/plenaries/{plenary.slug}/registrations"
    page = organizer.get(base).get_data(as_text=True)
    assert "Show the list as attended" in page and "as-attended" in page
    page = organizer.get(f"{base}?participants=attended").get_data(as_text=True)
    table = page[page.index('class="table table-sm as-attended"') :]
    table = table[: table.index("</table>")]
    order = re.findall(r"/admin/registrations/(\d+)", table)
    # First arrivals first: door1 08:50, link1 08:55, came 09:00, door2 09:10, link2 09:15, fixed 09:25 (Berlin).
    assert order == [str(p[k].id) for k in ("door1", "link1", "came", "door2", "link2", "fixed")]
    assert "Absent" not in table and "08:50" in table and "In the hall" in table and "Online" in table


def test_exports_have_the_attendance_columns_in_the_plenarys_zone(organizer, crowd):
    plenary, p = crowd
    url = f"/admin/plenaries/{plenary.slug}/registrations/export"
    response = organizer.get(f"{url}?attended=yes&columns=id&columns=attended_hall&columns=attended_online")
    rows = list(load_workbook(io.BytesIO(response.data)).active.values)
    assert rows[0] == ("No.", "Attended (hall) (Europe/Berlin)", "Attended (online) (Europe/Berlin)")
    by_id = {row[0]: row[1:] for row in rows[1:]}
    assert set(by_id) == {p[k].id for k in ("door1", "door2", "fixed", "link1", "link2", "came")}
    assert by_id[p["door1"].id] == (datetime(2031, 10, 15, 8, 50), None)
    assert by_id[p["link2"].id] == (datetime(2031, 10, 15, 10, 0), datetime(2031, 10, 15, 9, 15))
    csv = organizer.get(f"{url}?format=csv&columns=id&columns=attended_hall&columns=attended_online").data
    text = csv.decode("utf-8-sig")
    assert f"{p['link1'].id},,2031-10-15 08:55" in text and f"{p['absent'].id},," in text
    # The default columns include attendance (the form ticks them at first).
    default = list(load_workbook(io.BytesIO(organizer.get(url).data)).active.values)[0]
    assert "Attended (hall) (Europe/Berlin)" in default and "Attended (online) (Europe/Berlin)" in default


def test_the_data_download_has_the_attendance(crowd):
    _, p = crowd
    from plenary.registration.privacy import personal_data

    data = personal_data(db.session.get(Registration, p["link2"].id))
    text = repr(data)
    assert "join_link" in text and "door" in text and "door@isa.example" not in text


def test_statistics_arrivals_per_15_minutes_hall_and_online(organizer, crowd):
    plenary, _ = crowd
    data = arrivals(plenary)
    assert data.step == timedelta(minutes=15)
    assert [s.strftime("%H:%M") for s in data.starts] == ["08:45", "09:00", "09:15", "09:30", "09:45", "10:00"]
    assert data.counts == {"hall": [1, 2, 1, 0, 0, 1], "online": [1, 0, 1, 0, 0, 0]}
    assert data.total == {"hall": 5, "online": 2}
    page = organizer.get(f"/admin/plenaries/{plenary.slug}/statistics").get_data(as_text=True)
    assert "Attendance over time" in page and "In the hall: 3 of 4 attended" in page
    svg = page[page.index("<svg", page.index('id="section-attendance"')) :]
    root = ET.fromstring(svg[: svg.index("</svg>") + 6])
    bars = [el for el in root.iter("{http://www.w3.org/2000/svg}rect") if el.find("{http://www.w3.org/2000/svg}title")
            is not None]  # fmt: skip
    assert len(bars) == 6  # four hall steps, two online


def test_long_arrivals_are_shown_per_hour(crowd):
    plenary, p = crowd
    attendance.record_arrival(p["absent"], ONLINE, AttendanceSource.JOIN_LINK, at=T0 + timedelta(hours=14))
    db.session.commit()
    data = arrivals(plenary)
    assert data.step == timedelta(hours=1) and data.starts[0].strftime("%H:%M") == "08:00"
    assert sum(data.counts["online"]) == 3 and data.counts["online"][-1] == 1


def test_statistics_take_one_query_more_for_arrivals(organizer, crowd):
    plenary, _ = crowd
    url = f"/admin/plenaries/{plenary.slug}/statistics"
    with count_queries() as queries:
        assert organizer.get(url).status_code == 200
    assert queries.selects <= 11  # the page's ten and the arrivals' grouped query


def _mark(client, registration, channel="hall", **form):
    return client.post(f"/admin/registrations/{registration.id}/attended/{channel}", data=form)


def test_marking_by_hand_asks_first_then_records_audits_and_shows(organizer, crowd):
    plenary, p = crowd
    absent = p["absent"]
    page = organizer.get(f"/admin/registrations/{absent.id}").get_data(as_text=True)
    assert "Mark as attended…" in page and 'name="day"' in page
    preview = _mark(organizer, absent, day="2031-10-15", time="09:40")
    assert preview.status_code == 200 and "Yes, record the attendance" in preview.get_data(as_text=True)
    assert "15 Oct 2031, 09:40" in preview.get_data(as_text=True)
    assert attendance.record_of(db.session.get(Registration, absent.id), HALL) is None  # nothing yet
    done = _mark(organizer, absent, day="2031-10-15", time="09:40", confirm="1")
    assert done.status_code == 302
    db.session.expire_all()
    record = attendance.record_of(db.session.get(Registration, absent.id), HALL)
    assert record.source == "organizer" and record.recorded_by == "organizer@isa.example"
    assert record.first_seen_at == datetime(2031, 10, 15, 7, 40, tzinfo=UTC)
    [entry] = entries("registration.attendance_recorded")
    assert entry.object_id == absent.id and entry.actor == "organizer@isa.example"
    page = organizer.get(f"/admin/registrations/{absent.id}").get_data(as_text=True)
    assert "Attendance recorded by hand" in page and "Attended in the hall" in page
    assert "By hand (organizer)" in page
    again = _mark(organizer, absent, day="2031-10-15", time="09:45", confirm="1")
    assert "This attendance is recorded already." in organizer.get(again.location).get_data(as_text=True)


def test_marking_now_during_the_plenary_and_refused_after_it_without_a_time(app, accounts, crowd):
    _, p = crowd
    client = app.test_client()
    with time_machine.travel(DURING, tick=False):  # (logged in at that moment: a session of 2026 would be over)
        login(client, "organizer@isa.example")
        response = _mark(client, p["absent"], "online", lang="en", confirm="1")
    assert response.location.endswith(f"/admin/registrations/{p['absent'].id}#attendance"), response.location
    db.session.expire_all()
    record = attendance.record_of(db.session.get(Registration, p["absent"].id), ONLINE)
    assert record.first_seen_at == DURING and record.source == "organizer"
    with time_machine.travel(DURING + timedelta(days=3), tick=False):
        login(client, "organizer@isa.example")
        client.get("/admin/?lang=en")
        response = _mark(client, p["absent"], "hall", confirm="1")
    assert response.status_code == 400
    assert "It is not a day of the plenary now" in response.get_data(as_text=True)


@pytest.mark.parametrize("day, clock, message", [
    ("2031-10-16", "09:00", "The time must be on a day of the plenary (15 Oct 2031)."),
    ("2031-10-15", "25:00", "Enter the time as hours and minutes"),
    ("2031-10-15", "<script>alert(1)</script>", "Enter the time as hours and minutes"),
    ("2031-10-15", "{{ 7*7 }}", "Enter the time as hours and minutes"),
    ("2031-10-15", "JOIN-LINK-TOKEN", "Enter the time as hours and minutes"),
    ("'; DROP TABLE x; --", "09:00", "The time must be on a day of the plenary (15 Oct 2031)."),
    ("9999-99-99", "09:00", "The time must be on a day of the plenary (15 Oct 2031)."),
    ("2031-10-15", "-0:30", "Enter the time as hours and minutes"),
    ("2031-10-15", "15:30:99", "Enter the time as hours and minutes"),
    ("2031-10-15", "1:5", "Enter the time as hours and minutes"),
    ("2031-10-15", "09:00\n10:00", "Enter the time as hours and minutes"),
    ("2031-10-15", "٠٩:٣٠ 🎉" * 40, "Enter the time as hours and minutes"),
])  # fmt: skip
def test_bad_times_get_a_clear_message_and_keep_what_was_typed(organizer, crowd, day, clock, message):
    _, p = crowd
    response = _mark(organizer, p["absent"], day=day, time=clock, confirm="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "<script>alert(1)" not in html and "49" not in html.split("alert-warning", 1)[1][:200]
    if len(clock) < 20 and "\n" not in clock:
        from markupsafe import escape

        assert f'value="{escape(clock)}"' in html
    db.session.expire_all()
    assert not db.session.get(Registration, p["absent"].id).attendance_records


def test_only_confirmed_registrations_can_be_marked(organizer, crowd):
    _, p = crowd
    page = organizer.get(f"/admin/registrations/{p['gone'].id}").get_data(as_text=True)
    assert "Only confirmed registrations can be marked as attended; this one is “Cancelled”." in page
    assert "Mark as attended…" not in page
    response = _mark(organizer, p["gone"], day="2031-10-15", time="09:00", confirm="1")
    assert "Only confirmed registrations" in organizer.get(response.location).get_data(as_text=True)
    assert not db.session.scalars(sa.select(AttendanceRecord).where(AttendanceRecord.registration_id == p["gone"].id)
                                  ).all()  # fmt: skip
    assert organizer.post(f"/admin/registrations/{p['door1'].id}/attended/roof").status_code == 404


def test_removing_asks_first_goes_through_undo_withdraws_the_certificate_and_is_audited(organizer, crowd):
    plenary, p = crowd
    door1 = db.session.get(Registration, p["door1"].id)
    with time_machine.travel(datetime(2031, 10, 16, tzinfo=UTC), tick=False):
        certificate = certificate_for(door1)
        db.session.commit()
    assert certificate.withdrawn_at is None
    url = f"/admin/registrations/{door1.id}/attended/hall/remove"
    preview = organizer.post(url)
    assert preview.status_code == 200 and "Yes, remove the record" in preview.get_data(as_text=True)
    assert organizer.post(url, data={"confirm": "1"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(Registration, door1.id).attendance_records
    assert db.session.get(type(certificate), certificate.id).withdrawn_reason == "undone"
    [entry] = entries("registration.attendance_removed")
    assert entry.changes["attendance_source"] == ["door", None]
    page = organizer.get(f"/admin/registrations/{door1.id}").get_data(as_text=True)
    assert "Attendance record removed" in page and "Check-in at the door" in page
    again = organizer.post(url, data={"confirm": "1"})
    assert "There is no such attendance record" in organizer.get(again.location).get_data(as_text=True)


def test_a_viewer_cannot_correct_and_sees_no_buttons(viewer, crowd, client):
    _, p = crowd
    page = viewer.get(f"/admin/registrations/{p['absent'].id}").get_data(as_text=True)
    assert "Mark as attended…" not in page and "Remove…" not in page and "Not recorded" in page
    assert _mark(viewer, p["absent"], day="2031-10-15", time="09:00", confirm="1").status_code == 403
    assert viewer.post(f"/admin/registrations/{p['door1'].id}/attended/hall/remove",
                       data={"confirm": "1"}).status_code == 403  # fmt: skip
    assert _mark(client, p["absent"], day="2031-10-15", time="09:00", confirm="1").status_code in (302, 401)
    db.session.expire_all()
    assert not db.session.get(Registration, p["absent"].id).attendance_records
    assert db.session.get(Registration, p["door1"].id).attendance_records


def test_a_correction_needs_the_csrf_token(app, accounts, crowd):
    _, p = crowd
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login(client, "organizer@isa.example")
    response = client.post(f"/admin/registrations/{p['absent'].id}/attended/hall",
                           data={"day": "2031-10-15", "time": "09:00", "confirm": "1"})  # fmt: skip
    assert response.status_code == 400
    assert client.post(f"/admin/registrations/{p['door1'].id}/attended/hall/remove",
                       data={"confirm": "1"}).status_code == 400  # fmt: skip
    db.session.expire_all()
    assert not db.session.get(Registration, p["absent"].id).attendance_records
    assert db.session.get(Registration, p["door1"].id).attendance_records


def test_the_registrations_list_keeps_its_query_budget(organizer, crowd):
    plenary, _ = crowd
    url = f"/admin/plenaries/{plenary.slug}/registrations?attended=yes"
    with count_queries() as queries:
        assert organizer.get(url).status_code == 200
    # The attendance counts ride on the summary's one grouped query: the list's budget of 11 is unchanged.
    assert queries.count <= 11, "\n\n".join(q[:150] for q in queries.statements)


def test_the_demo_gives_the_tenth_plenary_arrivals_twice_the_same(app):
    from plenary.demo.loader import load_demo
    from plenary.events.models import Plenary

    load_demo()
    db.session.commit()
    load_demo()  # idempotent: the same records, only the latest sightings would move
    db.session.commit()
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == "10th-plenary"))
    summary = list_summary(plenary.id)
    online = summary.attended["online"]
    # 12 delegates of plenary/demo/attendance.py (10 joined), the certificates' two and the survey's demo attendees
    # (plenary/survey/demo.py) who came.
    assert (online.confirmed, online.own) == (16, 14)
    sources = dict(db.session.execute(
        sa.select(AttendanceRecord.source, sa.func.count()).join(Registration)
        .where(Registration.plenary_id == plenary.id).group_by(AttendanceRecord.source)).all())  # fmt: skip
    assert sources == {"join_link": 11, "organizer": 3}
    data = arrivals(plenary)
    assert data.step == timedelta(minutes=15) and sum(data.counts["online"]) == 14


def test_an_online_plenary_offers_no_hall(organizer, make_plenary):
    from tests.conftest import open_registration

    plenary = make_plenary(format="online", venue=None, registration=open_registration(capacity_in_person=None))
    online = signup.register(plenary.id, person("o@example.org", attendance="online")).created[0]
    db.session.commit()
    page = organizer.get(f"/admin/registrations/{online.id}").get_data(as_text=True)
    assert f"/admin/registrations/{online.id}/attended/online" in page
    assert f"/admin/registrations/{online.id}/attended/hall" not in page
    response = _mark(organizer, online, "hall", day="2031-10-15", time="09:30", confirm="1")
    assert "This plenary cannot be attended that way." in organizer.get(response.location).get_data(as_text=True)
    assert _mark(organizer, online, "online", day="2031-10-15", time="09:30", confirm="1").status_code == 302
    db.session.expire_all()
    assert [r.channel for r in db.session.get(Registration, online.id).attendance_records] == ["online"]
