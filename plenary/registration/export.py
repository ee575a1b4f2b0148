"""Registrations as rows for CSV and Excel exports."""

import re

import sqlalchemy as sa

from plenary.extensions import db
from plenary.i18n import localize
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
    ).all()
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
