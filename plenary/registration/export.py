"""Registrations as a spreadsheet the agency can use as it is, and the one writer of XLSX and CSV.

Column titles and values are in the organizer's language ("Bestätigt", "China", "Vor Ort", "Ja"), never
the stored codes; every time is in the plenary's zone, named in the column title. The back office
(``admin/registration_exports.py``) and ``flask registrations export`` both call :func:`export_file`.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel import Locale
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import joinedload, selectinload

from plenary.countries import country_names
from plenary.extensions import db
from plenary.i18n import BABEL_LOCALES, localize
from plenary.labels import ATTENDANCE_LABELS, PERSON_FIELD_LABELS, REGISTRATION_STATUS_LABELS
from plenary.questions.export import answer_columns
from plenary.registration.forms import SALUTATIONS
from plenary.registration.models import Registration
from plenary.registration.roles import PARTICIPANT_ROLE_LABELS
from plenary.validation import strip_controls

#: What the back office may export (a whitelist), in this order, with the column titles.
EXPORT_COLUMNS = {
    "id": _l("No."),
    **{name: PERSON_FIELD_LABELS[name] for name in ("status", "attendance", "salutation", "honorific", "first_name",
                                                    "last_name", "name_zh", "organisation", "position")},
    "member_city": _l("Member city or region"),
    **{name: PERSON_FIELD_LABELS[name] for name in ("country", "email", "phone")},
    "language": _l("Language"),
    **{name: PERSON_FIELD_LABELS[name] for name in ("interpretation", "dietary", "remarks")},
    "delegation_head": _l("Head of delegation"),
    "created_at": _l("Registered at"),
    "confirmed_at": _l("Confirmed at"),
    "waitlisted_at": _l("On the waiting list since"),
    "offer_expires_at": _l("Offer of a place until"),
    "checked_in_at": _l("Checked in at"),
    "attended_hall": _l("Attended (hall)"),
    "attended_online": _l("Attended (online)"),
    "consent_listing": _l("Listed as participant"),
    "role": _l("Role at the plenary"),
}  # fmt: skip

#: The columns ticked when the export form opens (and what the command exports without --columns).
DEFAULT_EXPORT_COLUMNS = (
    "id", "status", "attendance", "salutation", "honorific", "first_name", "last_name", "name_zh", "organisation",
    "position", "member_city", "country", "email", "language", "interpretation", "delegation_head", "created_at",
    "attended_hall", "attended_online",
)  # fmt: skip

#: Columns holding an instant: a date cell in the plenary's zone, the zone named in the title.
TIME_COLUMNS = frozenset({"created_at", "confirmed_at", "waitlisted_at", "checked_in_at", "offer_expires_at",
                          "attended_hall", "attended_online"})  # fmt: skip
#: The attendance columns: the first time of the record of each channel (plenary/attendance), empty if none.
ATTENDANCE_COLUMNS = {"attended_hall": "hall", "attended_online": "online"}
#: Columns holding yes or no.
FLAG_COLUMNS = frozenset({"interpretation", "consent_listing"})

#: The file formats, in the order offered (the first is the default).
FORMATS = {
    "xlsx": _l("Excel workbook (.xlsx)"),
    "csv_semicolon": _l("CSV (Excel, semicolon)"),
    "csv": _l("CSV (comma)"),
}
DEFAULT_FORMAT = "xlsx"
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "csv_semicolon": "text/csv; charset=utf-8",
}
_DELIMITERS = {"csv": ",", "csv_semicolon": ";"}

#: How a date cell reads in each language (Excel number formats).
DATE_FORMATS = {"de": "DD.MM.YYYY HH:MM", "en": "DD/MM/YYYY HH:MM", "zh": "YYYY-MM-DD HH:MM"}


@dataclass
class ExportTable:
    """Column keys, their titles and one row of values per registration (texts, numbers, naive local times)."""

    columns: list[str]
    header: list[str]
    rows: list[list]
    lang: str
    ids: list[int] = field(default_factory=list)  # the registrations', row by row


def export_columns(requested: list[str]) -> list[str]:
    """The whitelisted columns of ``requested`` in export order; the default set if none is valid."""
    chosen = [name for name in EXPORT_COLUMNS if name in set(requested)]
    return chosen or list(DEFAULT_EXPORT_COLUMNS)


def export_format(requested: str | None) -> str:
    """``requested`` if it is a format offered, else the default (XLSX)."""
    return requested if requested in FORMATS else DEFAULT_FORMAT


def time_title(label: str, zone: str) -> str:
    """A time column's title with its zone: "Angemeldet am (Asia/Shanghai)"."""
    return gettext("%(label)s (%(zone)s)", label=label, zone=zone)


def export_table(query: sa.Select, columns: list[str], lang: str, zone: str) -> ExportTable:
    """Titles and values (in ``lang``) of each registration ``query`` selects, in sign-up order; two queries."""
    registrations = db.session.scalars(
        query.options(joinedload(Registration.member), joinedload(Registration.delegation_head),
                      selectinload(Registration.attendance_records))
        .order_by(None).order_by(Registration.id)
    ).unique()  # fmt: skip
    tz = ZoneInfo(zone)
    with force_locale(BABEL_LOCALES[lang]):
        header = [time_title(str(EXPORT_COLUMNS[c]), zone) if c in TIME_COLUMNS else str(EXPORT_COLUMNS[c])
                  for c in columns]  # fmt: skip
        names = _Names(lang)
        registrations = list(registrations)
        rows = [[names.value(r, c, tz) for c in columns] for r in registrations]
    return ExportTable(columns, header, rows, lang, [r.id for r in registrations])


class _Names:
    """The readable name of each stored code, in one language (looked up once per export)."""

    def __init__(self, lang: str):
        locale = Locale.parse(BABEL_LOCALES[lang])
        self.lang = lang
        self.countries = country_names(lang)  # PRC usage on Chinese exports (plenary.countries)
        self.languages = locale.languages
        self.status = {k: str(v) for k, v in REGISTRATION_STATUS_LABELS.items()}
        self.attendance = {k: str(v) for k, v in ATTENDANCE_LABELS.items()}
        self.roles = {k: str(v) for k, v in PARTICIPANT_ROLE_LABELS.items()}
        self.salutations = {c.value: str(c.label) for c in SALUTATIONS if c.value}
        self.flags = {True: gettext("Yes"), False: gettext("No")}

    def value(self, r: Registration, column: str, tz: ZoneInfo):
        """What the cell of ``column`` shows for ``r``."""
        if column in ATTENDANCE_COLUMNS:
            raw = next((a.first_seen_at for a in r.attendance_records if a.channel == ATTENDANCE_COLUMNS[column]), None)
        else:
            raw = getattr(r, column, None)
        if column in TIME_COLUMNS:
            return raw.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0) if raw else None
        if column in FLAG_COLUMNS:
            return self.flags[bool(raw)]
        if column == "status":
            return self.status.get(raw, raw)
        if column == "attendance":
            return self.attendance.get(raw, raw)
        if column == "role":
            return self.roles.get(raw, raw)
        if column == "salutation":
            return self.salutations.get(raw, raw)
        if column == "country":
            return self.countries.get(raw, raw)
        if column == "language":
            return self.languages.get(raw, raw)
        if column == "member_city":
            return localize(r.member.name, self.lang).text if r.member else None
        if column == "delegation_head":
            return r.delegation_head.display_name if r.delegation_head else None
        return raw


#: Bidi embeddings, overrides and isolates: they reorder what a sheet shows (imported or older data may hold them).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: What a spreadsheet takes as the start of a formula (or a cell it splits).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: A phone number in international form (a plus, then at least six digits, spaces, dashes, brackets).
_PHONE = re.compile(r"^\+(?=(?:\D*\d){6})[\d\s()/.-]+$")


def clean_text(value: str) -> str:
    """A text without control characters but line breaks and tabs, and without bidi controls."""
    return _BIDI.sub("", strip_controls(value, keep="\n\t"))


def risky(value: str, column: str) -> bool:
    """Would a spreadsheet run ``value`` as a formula? (A phone number such as +49 221 123 is left as it is.)"""
    if not value.startswith(FORMULA_STARTS):
        return False
    return not (column == "phone" and _PHONE.match(value))


def export_file(plenary, query: sa.Select, columns: list[str], fmt: str, lang: str,
                today: date | None = None) -> tuple[bytes, str, str]:  # fmt: skip
    """The registrations ``query`` selects as a file: its bytes, its name and its content type."""
    table = export_table(query, columns, lang, plenary.timezone)
    with_answers(table, plenary.id)
    data = xlsx_bytes(table, sheet_title(localize(plenary.title, lang).text or plenary.slug)) if fmt == "xlsx" \
        else csv_bytes(table, _DELIMITERS[fmt])  # fmt: skip
    extension = "xlsx" if fmt == "xlsx" else "csv"
    return data, f"registrations-{plenary.slug}-{(today or date.today()).isoformat()}.{extension}", MIMETYPES[fmt]


def with_answers(table: ExportTable, plenary_id: int) -> None:
    """Add one column per question of the plenary (plenary/questions/export.py) to ``table``."""
    keys, titles, values = answer_columns(plenary_id, table.ids, table.lang)
    table.columns += keys
    table.header += titles
    for row, more in zip(table.rows, values, strict=True):
        row += more


def csv_bytes(table: ExportTable, delimiter: str = ",") -> bytes:
    """The table as CSV in UTF-8 with a BOM (Excel reads it so), formula-safe; times as YYYY-MM-DD HH:MM."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    # Headers are data too: a question's or a survey's text, typed by an organizer, names its column.
    writer.writerow([_csv_cell(title, "") for title in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(value, column) for value, column in zip(row, table.columns, strict=True)])
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def _csv_cell(value, column: str):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str):
        value = clean_text(value)
        # The apostrophe is what Excel itself puts before a text that looks like a formula.
        return "'" + value if risky(value, column) else value
    return value


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str) -> str:
    """A worksheet's name: at most 31 characters, none of []:*?/\\ (Excel refuses them)."""
    return _SHEET_FORBIDDEN.sub(" ", clean_text(title)).strip()[:31].strip() or "Registrations"


def xlsx_bytes(table: ExportTable, title: str) -> bytes:
    """The table as an Excel workbook: date cells, a bold frozen header row, an autofilter, fitting widths.

    Written in openpyxl's write-only mode (rows streamed out, not kept as cell objects): the widths are measured
    first, because a streamed sheet writes its column widths before its rows.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    book.properties.title = title
    # The header is data too: a question's or a survey's text, typed by an organizer: text, never a formula.
    header = [clean_text(title) for title in table.header]
    rows = [[clean_text(value) if isinstance(value, str) else value for value in row] for row in table.rows]
    date_format = DATE_FORMATS.get(table.lang, DATE_FORMATS["de"])
    widths = [_width(title) for title in header]
    for row in rows:
        for index, value in enumerate(row):
            if value is None:
                continue
            width = _width(value) if isinstance(value, str) else \
                len(date_format) if isinstance(value, datetime) else len(str(value))  # fmt: skip
            if width > widths[index]:
                widths[index] = width
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 6), 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{len(rows) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, value, "", bold) for value in header])
    for row in rows:
        sheet.append([
            _text_cell(sheet, value, column) if isinstance(value, str) and _needs_cell(value, column)
            else _date_cell(sheet, value, date_format) if isinstance(value, datetime) else value
            for value, column in zip(row, table.columns, strict=True)
        ])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _needs_cell(value: str, column: str) -> bool:
    """Would openpyxl take ``value`` for a formula or an error code, or must it keep a quote prefix?"""
    return value.startswith(FORMULA_STARTS) or value in ERROR_CODES


def _text_cell(sheet, value: str, column: str, font: Font | None = None) -> WriteOnlyCell:
    """A cell that holds ``value`` as text, never a formula, whatever it starts with (quoted if it looks like one)."""
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    if risky(value, column):
        cell.quotePrefix = True  # and stays text when someone edits the cell
    if font is not None:
        cell.font = font
    return cell


def _date_cell(sheet, value: datetime, date_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = date_format
    return cell


def _width(text: str) -> int:
    """How many character widths ``text``'s longest line takes (a Chinese character takes two)."""
    if text.isascii():
        return max(map(len, text.split("\n")))
    return max((sum(2 if _wide(ch) else 1 for ch in line) for line in text.split("\n")), default=0)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")
