"""Whose badges or name plates are printed: a plenary's registrations by status, attendance, role, delegation, ids.

Defaults are what the door needs: confirmed, in person. Erased registrations are never printed. The people come
in the order they are laid out and cut: by organisation, then family name (pinyin for names in characters), then
given name (``badge_name``'s sort key), then id.
"""

from dataclasses import asdict, dataclass, fields

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from plenary.badges.names import badge_name
from plenary.extensions import db
from plenary.registration.filters import RegistrationFilter
from plenary.registration.models import Registration
from plenary.registration.roles import ParticipantRole
from plenary.registration.states import Attendance, RegistrationStatus

#: "any": every status (attendance) instead of the default.
ANY = "any"
#: At most this many ids in an explicit choice.
MAX_IDS = 2000


class InvalidSelection(ValueError):
    """A filter of the page's arguments has a value that is none of the known ones (``fields`` names them)."""

    def __init__(self, fields: list[str]):
        super().__init__(", ".join(fields))
        self.fields = fields


def _is_id(value: str) -> bool:
    return value.isdecimal() and len(value) < 10


@dataclass(frozen=True)
class BadgeSelection:
    """A selection of a plenary's registrations to print; built from query arguments, unknown values ignored."""

    status: str = RegistrationStatus.CONFIRMED.value  # or ANY
    attendance: str = Attendance.IN_PERSON.value  # or ANY
    role: str = ""  # "" every role
    delegation: str = ""  # a head's registration id: that delegation (head and delegates)
    ids: str = ""  # "12,15,40": only these

    @classmethod
    def from_args(cls, args: MultiDict | dict) -> "BadgeSelection":
        """The selection from request arguments (or a batch's stored filters), dropping anything invalid."""
        get = args.get
        status = str(get("status", "") or RegistrationStatus.CONFIRMED.value)
        status = status if status == ANY or status in RegistrationStatus.__members__.values() else cls.status
        attendance = str(get("attendance", "") or Attendance.IN_PERSON.value)
        known = attendance == ANY or attendance in Attendance.__members__.values()
        attendance = attendance if known else cls.attendance
        role = str(get("role", "") or "")
        role = role if role in ParticipantRole.__members__.values() else ""
        delegation = str(get("delegation", "") or "").strip()
        delegation = delegation if delegation.isdecimal() and len(delegation) < 10 else ""
        parts = str(get("ids", "") or "").replace(" ", ",").split(",")[:MAX_IDS]
        ids = ",".join(dict.fromkeys(p.strip() for p in parts if p.strip().isdecimal() and len(p.strip()) < 10))
        return cls(status=status, attendance=attendance, role=role, delegation=delegation, ids=ids)

    @classmethod
    def parse(cls, args: MultiDict | dict) -> "BadgeSelection":
        """The selection an organizer asked for; ``InvalidSelection`` if a filter's value is unknown.

        Never widened silently: ``ids=abc`` or ``status=bogus`` must not print everyone (``from_args`` is for
        stored filters, which were checked when they were stored).
        """
        get = args.get
        wrong = []
        status = str(get("status", "") or "")
        if status and status != ANY and status not in RegistrationStatus.__members__.values():
            wrong.append("status")
        attendance = str(get("attendance", "") or "")
        if attendance and attendance != ANY and attendance not in Attendance.__members__.values():
            wrong.append("attendance")
        role = str(get("role", "") or "")
        if role and role not in ParticipantRole.__members__.values():
            wrong.append("role")
        delegation = str(get("delegation", "") or "").strip()
        if delegation and not _is_id(delegation):
            wrong.append("delegation")
        parts = [p.strip() for p in str(get("ids", "") or "").replace(" ", ",").split(",") if p.strip()]
        if any(not _is_id(p) for p in parts) or len(parts) > MAX_IDS:
            wrong.append("ids")
        if wrong:
            raise InvalidSelection(wrong)
        return cls.from_args(args)

    def args(self) -> dict:
        """The selection as query arguments (for links and for storing with a batch)."""
        return {f.name: v for f, v in zip(fields(self), asdict(self).values(), strict=True) if v}

    def query(self, plenary_id: int) -> sa.Select:
        """The registrations selected (unordered; never erased ones)."""
        registration_filter = RegistrationFilter(
            status="" if self.status == ANY else self.status,
            attendance="" if self.attendance == ANY else self.attendance,
            delegation=self.delegation,
            ids=self.ids,
        )
        query = sa.select(Registration).where(Registration.plenary_id == plenary_id,
                                              Registration.anonymised_at.is_(None))  # fmt: skip
        if self.role:
            query = query.where(Registration.role == self.role)
        return registration_filter.apply(query)


def count(plenary_id: int, selection: BadgeSelection) -> int:
    """How many registrations ``selection`` prints."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(selection.query(plenary_id).subquery())) or 0


def sort_key(registration: Registration) -> tuple:
    """Organisation, family name (pinyin for names in characters), given name, id: the print order."""
    name = badge_name(registration.first_name, registration.last_name, registration.honorific, registration.name_zh)
    return ((registration.organisation or "").strip().casefold(), *name.sort_key, registration.id)


def selected(plenary_id: int, selection: BadgeSelection) -> list[Registration]:
    """The registrations ``selection`` prints, in print order, with their delegation heads (one query)."""
    rows = db.session.scalars(selection.query(plenary_id).options(joinedload(Registration.delegation_head))).unique()
    return sorted(rows, key=sort_key)


def delegation_heads(plenary_id: int) -> list[Registration]:
    """The plenary's heads of delegation (who registered others), for the delegation filter."""
    delegate = sa.orm.aliased(Registration)
    heads = sa.exists().where(delegate.delegation_head_id == Registration.id)
    query = sa.select(Registration).where(Registration.plenary_id == plenary_id,
                                          Registration.anonymised_at.is_(None), heads)  # fmt: skip
    return list(db.session.scalars(query.order_by(Registration.last_name, Registration.id)))
