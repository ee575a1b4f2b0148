"""Registrations as rows for CSV and Excel exports, and the one writer of both formats."""

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy.orm import joinedload

from plenary.config import DEFAULT_TIMEZONE
from plenary.extensions import db
from plenary.i18n import localize
from plenary.labels import ATTENDANCE_LABELS, REGISTRATION_STATUS_LABELS
from plenary.registration.models import Registration

COLUMNS = (
    "id", "status", "attendance", "salutation", "honorific", "first_name", "last_name", "name_zh", "organisation",
    "position", "member_city", "country", "email", "phone", "language", "interpretation", "dietary", "remarks",
    "consent_privacy_at", "consent_listing", "consent_listing_at", "delegation_head_id", "delegation_head",
    "waitlisted_at", "created_at", "updated_at",
)  # fmt: skip


def export_rows(plenary_id: int) -> tuple[list[str], list[list]]:
    """Header and one row per registration of a plenary, in sign-up order (times in UTC, ISO 8601)."""
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.plenary_id == plenary_id).order_by(Registration.id)
        .options(joinedload(Registration.member))  # one query, not one per row
    ).unique().all()  # fmt: skip
    by_id = {r.id: r for r in registrations}
    rows = []
    for r in registrations:
        head = by_id.get(r.delegation_head_id)
        values = {
            **{name: getattr(r, name, None) for name in COLUMNS},
            "member_city": localize(r.member.name, "de").text if r.member else None,
            "delegation_head": head.display_name if head else None,
            "consent_privacy_at": _iso(r.consent_privacy_at),
            "consent_listing_at": _iso(r.consent_listing_at),
            "waitlisted_at": _iso(r.waitlisted_at),
            "created_at": _iso(r.created_at),
            "updated_at": _iso(r.updated_at),
        }
        rows.append([_cell(values[name]) for name in COLUMNS])
    return list(COLUMNS), rows


_PHONE = re.compile(r"^\+?[\d\s()/.-]+$")


def _cell(value):
    """Defuse text a spreadsheet would run as a formula (=, +, -, @ at the start); phone numbers stay."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PHONE.match(value):
        return "'" + value
    return value


def _iso(value):
    return value.isoformat(timespec="seconds") if value else None


#: What the back office may export (a whitelist), in this order, with the column headings.
EXPORT_COLUMNS = {
    "id": _l("No."),
    "status": _l("Status"),
    "attendance": _l("Attendance"),
    "salutation": _l("Salutation"),
    "honorific": _l("Title or honorific"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "name_zh": _l("Name in Chinese characters"),
    "organisation": _l("Organisation"),
    "position": _l("Position"),
    "member_city": _l("Member city or region"),
    "country": _l("Country"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "language": _l("Language"),
    "interpretation": _l("Interpretation"),
    "dietary": _l("Dietary requirements"),
    "remarks": _l("Remarks"),
    "delegation_head": _l("Head of delegation"),
    "created_at": _l("Registered at"),
    "offer_expires_at": _l("Offer of a place until"),
    "checked_in_at": _l("Checked in at"),
    "consent_listing": _l("Listed as participant"),
}

#: The columns ticked when the export form opens.
DEFAULT_EXPORT_COLUMNS = (
    "id", "status", "attendance", "salutation", "honorific", "first_name", "last_name", "name_zh", "organisation",
    "position", "member_city", "country", "email", "language", "interpretation", "delegation_head", "created_at",
)  # fmt: skip


def export_columns(requested: list[str]) -> list[str]:
    """The whitelisted columns of ``requested`` in export order; the default set if none is valid."""
    chosen = [name for name in EXPORT_COLUMNS if name in set(requested)]
    return chosen or list(DEFAULT_EXPORT_COLUMNS)


def export_table(query: sa.Select, columns: list[str], lang: str = "de",
                 zone: str = DEFAULT_TIMEZONE) -> tuple[list[str], list[list]]:  # fmt: skip
    """Headings (in the current language) and one row per registration of ``query`` (a select of Registration).

    Values are defused for spreadsheets (``_cell``); times are naive date-times in ``zone``
    (a spreadsheet shows them as dates); status and attendance are named in the current language.
    """
    registrations = db.session.scalars(
        query.options(joinedload(Registration.member), joinedload(Registration.delegation_head))
        .order_by(None).order_by(Registration.id)
    ).unique()  # fmt: skip
    tz = ZoneInfo(zone)
    header = [str(EXPORT_COLUMNS[name]) for name in columns]
    rows = []
    for r in registrations:
        values = {
            "status": str(REGISTRATION_STATUS_LABELS.get(r.status, r.status)),
            "attendance": str(ATTENDANCE_LABELS.get(r.attendance, r.attendance)),
            "member_city": localize(r.member.name, lang).text if r.member else None,
            "delegation_head": r.delegation_head.display_name if r.delegation_head else None,
            "created_at": _local(r.created_at, tz),
            "checked_in_at": _local(r.checked_in_at, tz),
            "offer_expires_at": _local(r.offer_expires_at, tz),
        }
        rows.append([_cell(values[name] if name in values else getattr(r, name)) for name in columns])
    return header, rows


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return value.astimezone(tz).replace(tzinfo=None, microsecond=0) if value else None


def csv_text(header: list[str], rows: list[list]) -> str:
    """The table as CSV text (empty cells for None)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return text.getvalue()


def spreadsheet(header: list[str], rows: list[list], fmt: str, title: str) -> bytes:
    """The table as a file: ``fmt`` "xlsx" (a workbook, sheet ``title``) or "csv" (UTF-8 with a BOM, for Excel)."""
    if fmt != "xlsx":
        return ("\ufeff" + csv_text(header, rows)).encode("utf-8")
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
