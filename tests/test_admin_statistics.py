"""Back office: a plenary's statistics (figures, the SVG charts, constant query count)."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from plenary.admin.charts import bar_chart, nice_ticks, shorten, timeline_chart
from plenary.admin.statistics import plenary_statistics
from plenary.attendance.models import AttendanceRecord
from plenary.extensions import db
from plenary.members.models import Member
from plenary.registration.models import Registration
from tests.conftest import login
from tests.helpers import count_queries

SVG = "{http://www.w3.org/2000/svg}"


def add(plenary, n, **values):
    """Insert ``n`` registrations directly (no services: this is about counting); ``checked_in_at``: a hall record."""
    arrived = values.pop("checked_in_at", None)
    start = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    rows = [{"plenary_id": plenary.id, "status": "confirmed", "attendance": "in_person", "first_name": "A",
             "last_name": f"N{start + i}", "email": f"p{start + i}@example.org", "language": "de",
             "interpretation": False, "consent_listing": False, "token_salt": "", **values} for i in range(n)]
    db.session.execute(sa.insert(Registration.__table__), rows)
    if arrived:
        ids = db.session.scalars(sa.select(Registration.id).where(Registration.email.in_([r["email"] for r in rows])))
        db.session.add_all(AttendanceRecord(registration_id=i, channel="hall", source="door", first_seen_at=arrived,
                                            last_seen_at=arrived) for i in ids)  # fmt: skip
    db.session.commit()


def members(*names):
    rows = [Member(key=f"m{i}", kind="member", country="CN" if zh else "DE",
                   name={"de": de, "zh": zh} if zh else {"de": de}) for i, (de, zh) in enumerate(names)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def svgs(html: str) -> list[ET.Element]:
    """Every inline <svg> of a page, parsed as XML (fails if one is not well-formed)."""
    found, position = [], 0
    while (start := html.find("<svg", position)) != -1:
        end = html.index("</svg>", start) + len("</svg>")
        found.append(ET.fromstring(html[start:end]))
        position = end
    return found


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_figures_of_a_small_known_set(app, make_plenary):
    plenary = make_plenary()  # Europe/Berlin
    koeln, foshan = members(("Köln", None), ("Foshan", "佛山"))
    # 23:30 UTC on 1 March is already 2 March in Berlin (CET, UTC+1).
    add(plenary, 2, created_at=utc(2031, 3, 1, 23, 30), member_id=koeln.id, country="DE", interpretation=True)
    add(plenary, 1, created_at=utc(2031, 3, 1, 12, 0), member_id=foshan.id, country="CN",
        checked_in_at=utc(2031, 10, 15, 7, 0))
    add(plenary, 1, created_at=utc(2031, 3, 4, 9, 0), status="waitlisted", attendance="online", country=None)
    add(plenary, 1, created_at=utc(2031, 3, 4, 10, 0), status="cancelled", member_id=koeln.id, country="DE")
    stats = plenary_statistics(plenary)
    assert stats.total == 5 and stats.active == 4
    assert [(d.day.isoformat(), d.count, d.cumulative) for d in stats.days] == [
        ("2031-03-01", 1, 1), ("2031-03-02", 2, 3), ("2031-03-03", 0, 3), ("2031-03-04", 2, 5)]
    assert stats.by_status == [("confirmed", 3), ("waitlisted", 1), ("cancelled", 1)]
    assert stats.by_attendance == [("in_person", 3), ("online", 1)]
    assert stats.by_country == [("DE", 2), ("CN", 1), (None, 1)]
    assert stats.by_member == [(koeln.id, 2), (foshan.id, 1), (None, 1)]
    assert stats.interpretation == [(True, 2), (False, 2)]
    assert stats.checked_in == [(True, 1), (False, 2)]


def test_the_page_shows_charts_and_tables_with_escaped_labels(client, accounts, make_plenary):
    plenary = make_plenary()
    evil, zh = members(('<script>alert("m")</script>&Co', None), ("Foshan", "佛山市"))
    add(plenary, 3, created_at=utc(2031, 3, 1, 12, 0), member_id=evil.id, country="DE")
    add(plenary, 2, created_at=utc(2031, 3, 2, 12, 0), member_id=zh.id, country="CN")
    login(client, "viewer@isa.example")
    response = client.get(f"/admin/plenaries/{plenary.slug}/statistics?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    charts = svgs(html)
    assert len(charts) >= 6  # over time, status, attendance, country, member city, interpretation, checked in
    for svg in charts:
        assert svg.get("role") == "img" and svg.get("aria-label") and svg.get("viewBox")
        assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc") is not None
        assert not any(el.get("style") for el in svg.iter())  # the CSP allows no style attributes
    assert "Registrations over time" in html and "By member city or region" in html
    assert "Germany" in html and "China" in html  # the table beside the chart
    # The same figures in the table.
    assert '<th scope="row" class="fw-normal">Confirmed</th><td class="text-end">5</td>' in html
    zh_page = client.get(f"/admin/plenaries/{plenary.slug}/statistics?lang=zh").get_data(as_text=True)
    assert "佛山市" in zh_page
    for svg in svgs(zh_page):
        assert svg.tag == f"{SVG}svg"


def test_an_empty_plenary_says_so(client, accounts, make_plenary):
    plenary = make_plenary()
    login(client, "viewer@isa.example")
    html = client.get(f"/admin/plenaries/{plenary.slug}/statistics?lang=en").get_data(as_text=True)
    assert "No registrations yet." in html and "<svg" not in html
    assert client.get("/admin/plenaries/nope/statistics").status_code == 404


def test_query_count_is_constant(app, client, accounts, make_plenary):
    plenary = make_plenary()
    cities = members(*[(f"Stadt {i}", None) for i in range(20)])
    login(client, "viewer@isa.example")

    url = f"/admin/plenaries/{plenary.slug}/statistics"

    def statements():
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return queries.selects

    add(plenary, 10, member_id=cities[0].id, created_at=utc(2031, 1, 1, 10))
    few = statements()
    start = utc(2031, 1, 1, 10)
    for chunk in range(4):
        rows = 500
        db.session.execute(sa.insert(Registration.__table__), [
            {"plenary_id": plenary.id, "status": ("confirmed", "pending", "waitlisted", "cancelled")[i % 4],
             "attendance": ("in_person", "online")[i % 2], "first_name": "B", "last_name": f"X{chunk}-{i}",
             "email": f"bulk{chunk}-{i}@example.org", "language": "de", "interpretation": bool(i % 3),
             "consent_listing": False, "token_salt": "", "member_id": cities[(i // 4) % 20].id if i % 7 else None,
             "country": ("DE", "CN", "FR", None)[i % 4], "created_at": start + timedelta(hours=7 * i + chunk)}
            for i in range(rows)])  # fmt: skip
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2010
    many = statements()
    # 12: the page's ten, the arrivals over time (one grouped query of the attendance records) and the survey's
    # settings (plenary/survey/statistics.py).
    assert many == few and many <= 12
    stats = plenary_statistics(plenary)
    assert sum(n for _, n in stats.by_status) == 2010 and stats.days[-1].cumulative == 2010
    assert len(stats.by_member) == 17 and stats.by_member[15][0] == "others"  # top 15, others, none


def test_charts_are_well_formed_and_escape_labels():
    svg = ET.fromstring(bar_chart("c1", "A & B", "<desc>", [("<b>x</b>", 3), ("科隆" * 20, 0)]))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "<b>x</b>" in texts and any(t.endswith("…") for t in texts if t)
    assert svg.find(f"{SVG}title").text == "A & B"
    line = ET.fromstring(timeline_chart("c2", "T", "D", ["1. März"], [4], [4]))
    assert line.find(f"{SVG}polyline") is not None and line.find(f"{SVG}circle") is not None
    assert nice_ticks(0) == [0, 1] and nice_ticks(7) == [0, 2, 4, 6, 8] and nice_ticks(2010)[-1] >= 2010
    assert shorten("Köln", 10) == "Köln"


def test_an_online_plenary_has_no_door_section(client, accounts, make_plenary):
    """The door's "checked in" figures belong to a plenary with a hall; online ones count joins (attendance)."""
    hall, online = make_plenary(), make_plenary(slug="online-only", number=99, format="online")
    add(hall, 2, created_at=utc(2031, 3, 1, 12, 0))
    add(online, 2, created_at=utc(2031, 3, 1, 12, 0), attendance="online")
    login(client, "viewer@isa.example")
    assert 'id="section-checked_in"' in client.get(f"/admin/plenaries/{hall.slug}/statistics").get_data(as_text=True)
    page = client.get(f"/admin/plenaries/{online.slug}/statistics").get_data(as_text=True)
    assert "section-attendance" in page and 'id="section-checked_in"' not in page
