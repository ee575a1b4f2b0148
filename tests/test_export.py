"""The export the agency uses as it is: XLSX (default) and CSV (comma, semicolon), readable titles and values in the
organizer's language, times in the plenary's zone named in the title, formula-safe, the form and the command."""

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from plenary.extensions import db
from plenary.members.models import Member
from plenary.registration import privacy, signup
from plenary.registration.export import EXPORT_COLUMNS, ExportTable, export_columns, xlsx_bytes
from plenary.registration.models import Registration
from tests.conftest import login, open_registration, person
from tests.helpers import count_queries

HOSTILE = {
    "remarks": '=HYPERLINK("http://evil.example","klick")',
    "organisation": "+cmd|' /C calc'!A0",
    "position": "@SUM(1+1)",
    "dietary": "-2+3",
    "honorific": "\t=1+1",
    "last_name": "\r=2+2",
    "first_name": '"><img src=x onerror=alert(1)>',
    "name_zh": "\u202e张伟",
}
#: The hostile texts as the sheet must show them (controls and bidi overrides gone, nothing else changed).
SHOWN = {
    "remarks": HOSTILE["remarks"], "organisation": HOSTILE["organisation"], "position": "@SUM(1+1)",
    "dietary": "-2+3", "honorific": "\t=1+1", "last_name": "=2+2", "first_name": HOSTILE["first_name"],
    "name_zh": "张伟",
}  # fmt: skip


@pytest.fixture
def shanghai(make_plenary):
    """A plenary in Foshan (Asia/Shanghai) with a German head, a delegate, a Chinese delegate, one erased."""
    plenary = make_plenary(timezone="Asia/Shanghai", starts_at="2031-10-15T15:00:00+08:00",
                           ends_at="2031-10-15T18:30:00+08:00",
                           registration=open_registration(capacity_in_person=10))  # fmt: skip
    foshan = Member(key="foshan", kind="member", country="CN", name={"de": "Foshan", "en": "Foshan", "zh": "佛山"})
    db.session.add(foshan)
    db.session.commit()
    head = signup.register(plenary.id, person("head@example.org", salutation="ms", interpretation=True,
                                              first_name="Zoë", last_name="Müller"),
                           [{"first_name": "Jonas", "last_name": "Becker", "email": "jonas@example.org",
                             "attendance": "online", "position": None, "organisation": "Stadt Köln",
                             "language": "de"}]).created[0]  # fmt: skip
    zhang = signup.register(plenary.id, person("zhang@example.cn", first_name="伟", last_name="张", name_zh="张伟",
                                               country="CN", member_id=foshan.id, language="zh",
                                               organisation="佛山市人民政府", honorific=None)).created[0]  # fmt: skip
    gone = signup.register(plenary.id, person("gone@example.org", first_name="Greta", last_name="Gone")).created[0]
    for registration in db.session.scalars(sa.select(Registration)):
        registration.created_at = datetime(2031, 9, 2, 7, 30, tzinfo=UTC)  # 15:30 in Shanghai, 09:30 in Berlin
    db.session.commit()
    privacy.erase(gone.id)
    db.session.commit()
    return plenary, head, zhang, gone


@pytest.fixture
def organizer(app, accounts):
    client = app.test_client()
    login(client, "organizer@isa.example")
    return client


def _url(plenary, query: str = "") -> str:
    return f"/admin/plenaries/{plenary.slug}/registrations/export?{query}"


def _sheet(response):
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    return load_workbook(io.BytesIO(response.data)).active


def _rows(sheet) -> list[tuple]:
    return list(sheet.values)


def test_xlsx_is_the_default_with_readable_german_titles_and_values(organizer, shanghai):
    plenary, head, zhang, gone = shanghai
    names = ("id", "status", "attendance", "salutation", "first_name", "member_city", "country", "language",
             "interpretation", "delegation_head", "created_at", "consent_listing")  # fmt: skip
    columns = "&".join(f"columns={c}" for c in names)
    sheet = _sheet(organizer.get(_url(plenary, f"lang=de&{columns}")))  # no format: XLSX
    rows = _rows(sheet)
    assert rows[0] == ("Nr.", "Status", "Teilnahme", "Anrede", "Vorname", "Mitgliedsstadt oder -region", "Land",
                       "Sprache", "Simultanverdolmetschung", "Delegationsleitung", "Angemeldet am (Asia/Shanghai)",
                       "In der Teilnehmerliste")  # fmt: skip
    by_id = {row[0]: row for row in rows[1:]}
    assert len(by_id) == 4
    assert by_id[head.id][1:5] == ("Bestätigt", "Vor Ort", "Frau", "Zoë") and by_id[head.id][6] == "Deutschland"
    assert by_id[head.id][7:9] == ("Deutsch", "Ja")
    delegate = next(r for r in rows[1:] if r[4] == "Jonas")
    assert delegate[2] == "Online" and delegate[8] == "Nein" and delegate[9] == "Dr. Zoë Müller"
    assert by_id[zhang.id][5:8] == ("Foshan", "China", "Chinesisch")
    assert by_id[gone.id][1] == "Storniert"
    # A real date cell, in Shanghai time (07:30 UTC is 15:30 there), with a German number format.
    cell = sheet.cell(row=2, column=11)
    assert cell.value == datetime(2031, 9, 2, 15, 30) and cell.is_date and cell.number_format == "DD.MM.YYYY HH:MM"
    # Nothing stored as a code.
    values = {v for row in rows[1:] for v in row}
    assert not values & {"confirmed", "in_person", "CN", "DE", "True", "False", "ms", "de", "zh"}
    assert not any(isinstance(value, bool) for value in values)


def test_xlsx_layout_frozen_header_autofilter_widths_and_title(organizer, shanghai):
    plenary, *_ = shanghai
    sheet = _sheet(organizer.get(_url(plenary, "lang=de&columns=id&columns=organisation&columns=created_at")))
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C5"
    assert sheet.title == "42. Plenarversammlung"
    assert all(cell.font.bold for cell in sheet[1])
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] < 10  # a number
    assert widths[1] >= len("佛山市人民政府") * 2  # Chinese characters count double
    assert widths[2] >= len("Angemeldet am (Asia/Shanghai)")  # the title fits
    assert all(width <= 62 for width in widths)


def test_xlsx_in_chinese(organizer, shanghai):
    plenary, head, zhang, gone = shanghai
    query = "lang=zh&" + "&".join(f"columns={c}" for c in ("status", "attendance", "member_city", "country",
                                                           "interpretation", "created_at"))  # fmt: skip
    sheet = _sheet(organizer.get(_url(plenary, query)))
    rows = _rows(sheet)
    assert rows[0][:5] == ("报名状态", "参会方式", "所属成员城市或地区", "国家或地区", "同声传译")
    assert rows[0][5] == "报名时间（Asia/Shanghai）"  # needs the zh catalogue (full-width brackets)
    assert ("已确认", "线下", None, "德国", "是") == rows[1][:5]
    assert rows[3][:4] == ("已确认", "线下", "佛山", "中国")
    assert sheet.title == "第四十二届全体大会"
    assert sheet.cell(row=2, column=6).number_format == "YYYY-MM-DD HH:MM"


def _hostile(plenary_id: int) -> Registration:
    """A registration holding hostile texts as an import or older data could (the forms refuse some)."""
    registration = db.session.scalars(
        sa.select(Registration).where(Registration.plenary_id == plenary_id, Registration.email == "head@example.org")
    ).one()
    for name, value in HOSTILE.items():
        setattr(registration, name, value)
    registration.phone = "+49 221 123-456"
    db.session.commit()
    return registration


#: The hostile columns in the order the export writes them (the whitelist's).
COLUMNS = tuple(export_columns(["id", *HOSTILE, "phone"]))


def test_hostile_values_are_text_in_xlsx(organizer, shanghai):
    plenary, *_ = shanghai
    hostile = _hostile(plenary.id)
    sheet = _sheet(organizer.get(_url(plenary, "format=xlsx&" + "&".join(f"columns={c}" for c in COLUMNS))))
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == hostile.id)
    cells = {name: row[header.index(title)] for name, title in zip(COLUMNS, header, strict=True)}
    for name, shown in SHOWN.items():
        cell = cells[name]
        assert cell.value == shown and cell.data_type == "s", name  # a text, never a formula
    for name in ("remarks", "organisation", "position", "dietary", "honorific", "last_name"):
        assert cells[name].quotePrefix, name  # and still a text when someone edits it
    assert not cells["first_name"].quotePrefix and not cells["name_zh"].quotePrefix
    assert cells["phone"].value == "+49 221 123-456" and not cells["phone"].quotePrefix
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


@pytest.mark.parametrize("fmt, delimiter", [("csv", ","), ("csv_semicolon", ";")])
def test_csv_dialects_bom_and_hostile_values(organizer, shanghai, fmt, delimiter):
    plenary, *_ = shanghai
    hostile = _hostile(plenary.id)
    response = organizer.get(_url(plenary, f"lang=de&format={fmt}&"
                                  + "&".join(f"columns={c}" for c in COLUMNS)))  # fmt: skip
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith('.csv"')
    assert response.data.startswith("\ufeff".encode())  # Excel reads UTF-8 with a BOM
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert len(rows) == 5 and all(len(row) == len(COLUMNS) for row in rows)
    row = next(r for r in rows[1:] if r[0] == str(hostile.id))
    cells = dict(zip(COLUMNS, row, strict=False))
    assert cells["remarks"] == "'" + SHOWN["remarks"]
    assert cells["organisation"] == "'+cmd|' /C calc'!A0"
    assert cells["position"] == "'@SUM(1+1)" and cells["dietary"] == "'-2+3"
    assert cells["honorific"] == "'\t=1+1" and cells["last_name"] == "'=2+2"
    assert cells["first_name"] == HOSTILE["first_name"] and cells["name_zh"] == "张伟"
    assert cells["phone"] == "+49 221 123-456"
    for value in (v for r in rows for v in r):
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")) or value == "+49 221 123-456"
        assert "\u202e" not in value and "\r" not in value


def test_erased_registrations_keep_no_personal_data(organizer, shanghai):
    plenary, head, zhang, gone = shanghai
    response = organizer.get(_url(plenary, "format=csv&lang=de&columns=" + "&columns=".join(
        ("id", "status", "first_name", "last_name", "email", "organisation", "position", "created_at"))))  # fmt: skip
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    text = response.data.decode("utf-8-sig")
    assert "Greta" not in text and "gone@example.org" not in text
    erased = next(r for r in rows if r[0] == str(gone.id))
    assert erased[1] == "Storniert" and set(erased[2:7]) <= {"—", ""}
    assert erased[7] == "2031-09-02 15:30"  # what happened stays (a FACT), who it was does not


def test_query_count_does_not_grow_with_rows(organizer, shanghai, app):
    plenary, *_ = shanghai
    url = _url(plenary, "format=xlsx&columns=id&columns=member_city&columns=delegation_head&columns=status")
    organizer.get(url)
    with count_queries(db.engine) as few:
        assert organizer.get(url).status_code == 200
    for n in range(6):
        signup.register(plenary.id, person(f"more{n}@example.org"),
                        [{"first_name": "D", "last_name": str(n), "email": f"d{n}@example.org", "position": None,
                          "attendance": "online", "organisation": "X", "language": "de"}])  # fmt: skip
    db.session.commit()
    with count_queries(db.engine) as many:
        sheet = _sheet(organizer.get(url))
    assert sheet.max_row == 1 + 4 + 12 and many.count == few.count


def test_form_offers_columns_and_labelled_file_format(organizer, shanghai):
    plenary, *_ = shanghai
    page = organizer.get(f"/admin/plenaries/{plenary.slug}/registrations?lang=en").get_data(as_text=True)
    assert "File format" in page and 'value="xlsx" id="format-xlsx" checked' in page
    assert "CSV (Excel, semicolon)" in page and "CSV (comma)" in page
    assert 'name="columns" value="email" id="column-email" checked' in page
    assert 'name="columns" value="phone" id="column-phone">' in page  # not ticked at first
    assert "Registered at (Asia/Shanghai)" in page
    # The list's times are the plenary's too (07:30 UTC → 15:30 in Shanghai), not Berlin's (09:30).
    assert "15:30" in page and "09:30" not in page.split("<tbody>")[1].split("</tbody>")[0]
    german = organizer.get(f"/admin/plenaries/{plenary.slug}/registrations?lang=de").get_data(as_text=True)
    assert "Dateiformat" in german and "Veranstaltungsform" not in german  # needs the de catalogue


def test_unknown_format_and_columns_fall_back_to_defaults(organizer, shanghai):
    plenary, *_ = shanghai
    sheet = _sheet(organizer.get(_url(plenary, "format=pdf&columns=bogus&columns=token_hash&lang=en")))
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["No.", "Status", "Attendance"] and "Email" in header
    assert not any("token" in h.lower() for h in header)
    assert organizer.get("/admin/plenaries/nope/registrations/export").status_code == 404


def test_command_exports_xlsx_in_the_organizers_language(runner, shanghai, tmp_path, monkeypatch):
    plenary, head, zhang, gone = shanghai
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["registrations", "export", plenary.slug])
    assert result.exit_code == 0, result.output
    files = list(tmp_path.glob(f"registrations-{plenary.slug}-*.xlsx"))
    assert len(files) == 1
    rows = list(load_workbook(files[0]).active.values)
    assert rows[0][:3] == ("Nr.", "Status", "Teilnahme") and "Angemeldet am (Asia/Shanghai)" in rows[0]
    assert {r[1] for r in rows[1:]} == {"Bestätigt", "Storniert"}
    target = tmp_path / "zh.xlsx"
    result = runner.invoke(args=["registrations", "export", plenary.slug, "--language", "zh", "--output",
                                 str(target), "--columns", "status,country"])  # fmt: skip
    assert result.exit_code == 0 and "4 registrations" in result.output
    assert list(load_workbook(target).active.values)[0] == ("报名状态", "国家或地区")


def test_command_csv_to_standard_output_and_column_errors(runner, shanghai):
    plenary, *_ = shanghai
    result = runner.invoke(args=["registrations", "export", plenary.slug, "--format", "csv_semicolon",
                                 "--language", "en", "--columns", "all"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout), delimiter=";"))
    assert rows[0][:3] == ["No.", "Status", "Attendance"] and len(rows[0]) == len(EXPORT_COLUMNS) and len(rows) == 5
    assert "Phone" in rows[0] and "Registered at (Asia/Shanghai)" in rows[0]
    bad = runner.invoke(args=["registrations", "export", plenary.slug, "--columns", "email,token_hash"])
    assert bad.exit_code != 0 and "token_hash" in bad.output
    assert "No plenary with slug" in runner.invoke(args=["registrations", "export", "nope"]).output


def test_streamed_workbook_keeps_error_codes_formulas_and_dates_as_typed():
    # The workbook is written in openpyxl's write-only mode: a plain value there is typed by openpyxl, which takes
    # "#N/A" for an error and "=…" for a formula; the export keeps both as text, and times as date cells.
    table = ExportTable(["remarks", "organisation", "phone", "created_at", "id"], ["A", "=B", "C", "D", "E"],
                        [["#N/A", "=1+1", "+49 221 123", datetime(2031, 9, 2, 15, 30), 7],
                         ["#REF!", "Stadt Köln", None, None, 8]], "zh")  # fmt: skip
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table, "T"))).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == ["A", "=B", "C", "D", "E"] and rows[0][1].data_type == "s"
    assert rows[0][1].quotePrefix and all(c.font.bold for c in rows[0])
    assert [(c.value, c.data_type) for c in rows[1][:3]] == [("#N/A", "s"), ("=1+1", "s"), ("+49 221 123", "s")]
    assert rows[1][1].quotePrefix and not rows[1][2].quotePrefix and not rows[1][0].quotePrefix
    assert rows[1][3].is_date and rows[1][3].number_format == "YYYY-MM-DD HH:MM" and rows[1][4].value == 7
    assert (rows[2][0].value, rows[2][0].data_type, rows[2][2].value) == ("#REF!", "s", None)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E3"
