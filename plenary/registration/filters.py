"""Which registrations of a plenary an organizer looks at: the list's filters, also a broadcast's recipients."""

import re
from dataclasses import asdict, dataclass, fields

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from plenary.attendance.models import AttendanceChannel, AttendanceRecord
from plenary.questions.models import Answer
from plenary.registration.models import Attendance, Registration, RegistrationStatus

#: At most this many chosen ids in a filter (a bulk selection; a page of the list holds 50).
MAX_IDS = 200
#: The attendance filter's values: attended at all, not at all, in the hall, online (the attendance record).
ATTENDED_CHOICES = ("yes", "no", "hall", "online")
#: An answer filter's value: a question id and a choice key.
ANSWER_PATTERN = re.compile(r"[0-9]{1,9}:[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class RegistrationFilter:
    """Which registrations of a plenary an organizer looks at (the list, its export, a message to them).

    Built from query arguments (``from_args``); unknown values are ignored, never an error.
    ``delegation``: "" (all), "heads" (who registered others), "delegates" (registered by someone),
    "individuals" (neither), or a registration id (that delegation: its head and delegates).
    """

    q: str = ""
    status: str = ""
    attendance: str = ""
    country: str = ""
    member: int | None = None
    delegation: str = ""
    #: Chosen people: registration ids, comma-separated ("12,15,40"; ticked in the list), or "".
    ids: str = ""
    #: An answer to one of the plenary's questions: "<question id>:<choice key>" (choice and yes/no questions).
    answer: str = ""
    #: What the attendance record says: "yes", "no", "hall" (attended in the hall), "online" (joined online).
    attended: str = ""

    @classmethod
    def from_args(cls, args: MultiDict | dict) -> "RegistrationFilter":
        """The filter from request arguments, dropping anything invalid."""
        get = args.get
        status = get("status", "") if get("status", "") in RegistrationStatus.__members__.values() else ""
        attendance = get("attendance", "") if get("attendance", "") in Attendance.__members__.values() else ""
        country = (get("country", "") or "").upper()
        country = country if len(country) == 2 and country.isascii() and country.isalpha() else ""
        member = get("member", "")
        member = int(member) if isinstance(member, str) and member.isdecimal() and len(member) < 10 else None
        delegation = get("delegation", "") or ""
        if delegation not in ("heads", "delegates", "individuals") and not (
            delegation.isdecimal() and len(delegation) < 10
        ):
            delegation = ""
        ids = [part.strip() for part in str(get("ids", "") or "").split(",")[:MAX_IDS]]
        ids = ",".join(dict.fromkeys(part for part in ids if part.isdecimal() and len(part) < 10))
        answer = get("answer", "") or ""
        answer = answer if isinstance(answer, str) and ANSWER_PATTERN.fullmatch(answer) else ""
        attended = get("attended", "") if get("attended", "") in ATTENDED_CHOICES else ""
        return cls(q=(get("q", "") or "")[:100].strip(), status=status, attendance=attendance, country=country,
                   member=member, delegation=delegation, ids=ids, answer=answer, attended=attended)  # fmt: skip

    def id_list(self) -> list[int]:
        """The chosen registration ids (empty: no choice by id)."""
        return [int(part) for part in self.ids.split(",")] if self.ids else []

    def args(self) -> dict:
        """The non-empty filter values, for links (pagination, export) and for storing with a message."""
        return {f.name: v for f, v in zip(fields(self), asdict(self).values(), strict=True) if v not in ("", None)}

    def apply(self, query: sa.Select) -> sa.Select:
        """``query`` (over Registration) restricted to this filter."""
        delegate = sa.orm.aliased(Registration)
        if self.status:
            query = query.where(Registration.status == self.status)
        if self.attendance:
            query = query.where(Registration.attendance == self.attendance)
        if self.country:
            query = query.where(Registration.country == self.country)
        if self.attended in ("yes", "no"):
            query = query.where(Registration.attended if self.attended == "yes" else ~Registration.attended)
        elif self.attended:
            channel = AttendanceChannel(self.attended)
            query = query.where(sa.exists().where(AttendanceRecord.registration_id == Registration.id,
                                                  AttendanceRecord.channel == channel))  # fmt: skip
        if self.member is not None:
            query = query.where(Registration.member_id == self.member)
        if self.delegation == "heads":
            query = query.where(sa.exists().where(delegate.delegation_head_id == Registration.id))
        elif self.delegation == "delegates":
            query = query.where(Registration.delegation_head_id.is_not(None))
        elif self.delegation == "individuals":
            query = query.where(Registration.delegation_head_id.is_(None),
                                ~sa.exists().where(delegate.delegation_head_id == Registration.id))  # fmt: skip
        elif self.delegation:
            head = int(self.delegation)
            query = query.where(sa.or_(Registration.id == head, Registration.delegation_head_id == head))
        if self.ids:
            query = query.where(Registration.id.in_(self.id_list()))
        if self.answer:
            question_id, key = self.answer.split(":")
            # The stored JSON holds the key in quotes ("ab12" or ["ab12", "cd34"]); keys are letters and digits.
            query = query.where(sa.exists().where(
                Answer.registration_id == Registration.id, Answer.question_id == int(question_id),
                sa.cast(Answer.value, sa.Text).contains(f'"{key}"', autoescape=True)))  # fmt: skip
        if self.q:
            # What was typed is matched as text: % and _ are not wildcards (autoescape).
            typed = self.q.lower()
            query = query.where(
                sa.or_(*(column.contains(typed, autoescape=True) for column in (
                    sa.func.lower(Registration.first_name), sa.func.lower(Registration.last_name),
                    sa.func.lower(Registration.organisation), Registration.email, Registration.name_zh,
                )))  # fmt: skip
            )
        return query


def filtered_registrations(plenary_id: int, filters: RegistrationFilter) -> sa.Select:
    """The query of a plenary's registrations matching ``filters`` (unordered)."""
    return filters.apply(sa.select(Registration).where(Registration.plenary_id == plenary_id))
