"""Where a registration stands: its statuses, how they may change, and where a person lands.

The one home of the registration state machine (issue 10):

- the statuses and the sets of them that rules ask about (``SEAT_HOLDING``, ``ACTIVE``, ``ENDED``);
  the predicates on the model (``Registration.holds_seat``, ``is_active``, ``gets_checkin_code``) are
  built from them and work in Python and in queries;
- ``TRANSITIONS``: from each status, the actions that change it and the statuses they lead to;
  every change of status goes through ``change_status``, which refuses any other (InvalidTransition);
- ``refusal`` / ``allowed_actions``: whether an organizer or the registrant may take an action on a
  registration now (the services check it; the templates ask it to show their buttons);
- ``landing``: where a new, returning or promoted person lands (a seat, else the waiting list).
"""

from enum import StrEnum

from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryFormat, PlenaryStatus
from plenary.events.services import RegistrationState, registration_state
from plenary.registration.errors import CapacityReached, InvalidTransition
from plenary.registration.signals import registration_ended


class RegistrationStatus(StrEnum):
    """Where a registration stands."""

    PENDING = "pending"  # waits for the organizers' approval; holds a seat
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # offered a freed seat until a deadline (the plenary's offer_hours); holds it meanwhile
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Attendance(StrEnum):
    """How a delegate attends."""

    IN_PERSON = "in_person"
    ONLINE = "online"


PENDING, CONFIRMED, WAITLISTED = RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED
REJECTED, CANCELLED = RegistrationStatus.REJECTED, RegistrationStatus.CANCELLED
OFFERED = RegistrationStatus.OFFERED

#: Statuses of someone who has a seat of their own (promoted, accepted, registered into a free seat).
SEATED = (PENDING, CONFIRMED)

#: Statuses that occupy a seat of their attendance mode (an open offer holds its seat until it lapses).
SEAT_HOLDING = (*SEATED, OFFERED)

#: Every status, in the order lists and counts show them.
DISPLAY_ORDER = (CONFIRMED, PENDING, OFFERED, WAITLISTED, CANCELLED, REJECTED)

#: Statuses of people still taking part (holding a seat or waiting for one): they hear of changes.
ACTIVE = (*SEAT_HOLDING, WAITLISTED)

#: Statuses that end a registration (a person may register again from them).
ENDED = (REJECTED, CANCELLED)

#: How a registration's status may change: from each status, each action and the statuses it leads to.
#: "switch" (the other attendance mode) keeps the status, or gives a waitlisted person a free seat;
#: "erase" ends what is not ended yet (a rejected registration stays rejected).
#: An offer ("offer") is accepted (a seat), declined or lapses (cancelled: they may register again).
TRANSITIONS: dict[RegistrationStatus, dict[str, tuple[RegistrationStatus, ...]]] = {
    PENDING: {"approve": (CONFIRMED,), "reject": (REJECTED,), "cancel": (CANCELLED,), "switch": (PENDING,),
              "erase": (CANCELLED,)},
    CONFIRMED: {"cancel": (CANCELLED,), "switch": (CONFIRMED,), "erase": (CANCELLED,)},
    WAITLISTED: {"promote": SEATED, "offer": (OFFERED,), "reject": (REJECTED,), "cancel": (CANCELLED,),
                 "switch": (*SEATED, WAITLISTED), "erase": (CANCELLED,)},
    OFFERED: {"accept": SEATED, "decline": (CANCELLED,), "lapse": (CANCELLED,), "promote": SEATED,
              "reject": (REJECTED,), "cancel": (CANCELLED,), "erase": (CANCELLED,)},
    REJECTED: {},
    CANCELLED: {"reactivate": (*SEATED, WAITLISTED), "erase": (CANCELLED,)},
}  # fmt: skip

#: Why an action is refused when the status does not allow it (InvalidTransition's code).
REFUSALS = {
    "approve": "not_pending", "reject": "not_rejectable", "promote": "not_waitlisted", "cancel": "not_active",
    "switch": "not_active", "update": "not_active", "edit": "anonymised", "reactivate": "not_cancelled",
    "erase": "anonymised", "resend": "anonymised", "add_delegates": "not_head", "offer": "not_waitlisted",
    "accept": "not_offered", "decline": "not_offered", "lapse": "not_offered",
}  # fmt: skip

#: What a head of delegation may do for a colleague their submissions registered (``head_refusal``).
HEAD_ACTIONS = ("switch", "resend", "cancel")

#: Who may take which action (besides the rules of ``refusal``).
ORGANIZER_ACTIONS = ("edit", "approve", "promote", "switch", "resend", "reject", "cancel")
REGISTRANT_ACTIONS = ("update", "switch", "cancel", "reactivate", "add_delegates", "erase", "accept", "decline")


def attendance_modes(plenary: Plenary) -> tuple[str, ...]:
    """The attendance modes a plenary offers."""
    if plenary.format == PlenaryFormat.HYBRID:
        return (Attendance.IN_PERSON, Attendance.ONLINE)
    if plenary.format == PlenaryFormat.ONLINE:
        return (Attendance.ONLINE,)
    return (Attendance.IN_PERSON,)


def takes_registrations_by_hand(plenary: Plenary) -> bool:
    """True if organizers may add someone by hand (any time, outside the sign-up window; never once cancelled)."""
    return plenary.status != PlenaryStatus.CANCELLED


def seat_status(plenary: Plenary) -> RegistrationStatus:
    """The status of someone given a seat: pending when the plenary requires approval, else confirmed."""
    return PENDING if plenary.requires_approval else CONFIRMED


def landing(plenary: Plenary, attendance: str, seat_free: bool) -> RegistrationStatus:
    """Where a new, returning or moving person lands: a seat if one is free, else the waiting list.

    Raises CapacityReached when no seat is free and the plenary keeps no waiting list.
    """
    if seat_free:
        return seat_status(plenary)
    if plenary.waitlist:
        return WAITLISTED
    raise CapacityReached("full", attendance=attendance)


def change_status(registration, action: str, status: RegistrationStatus) -> None:
    """Move ``registration`` to ``status`` by ``action``, if ``TRANSITIONS`` allows it (else InvalidTransition).

    Joining the waiting list (again) puts the person at its end. An offer's deadline is kept once it
    lapsed or was declined (the pages say so); any other move forgets it (the offer is made in
    ``seats.promote_from_waitlist``, which sets the deadline).
    """
    if status not in TRANSITIONS[RegistrationStatus(registration.status)].get(action, ()):
        raise InvalidTransition(REFUSALS.get(action, "not_allowed"), status=registration.status)
    registration.status = status
    if status == WAITLISTED:
        registration.waitlisted_at = utcnow()
        registration.waitlist_position_told = None
    if status != OFFERED and action not in ("lapse", "decline"):
        registration.offer_expires_at = registration.offer_reminder_at = None
    if status != OFFERED:
        registration.offer_reminder_at = None
    if status in ENDED and getattr(registration, "id", None) is not None:  # a stored one (rules run on plain objects)
        registration_ended.send(registration, action=action)


def refusal(registration, action: str) -> str | None:
    """Why ``action`` cannot be taken on ``registration`` now (InvalidTransition's code), or None if it can."""
    plenary = registration.plenary
    anonymised = registration.anonymised_at is not None
    plenary_cancelled = plenary.status == PlenaryStatus.CANCELLED
    if action == "resend":
        if anonymised or not registration.email:
            return "anonymised"
        return "plenary_cancelled" if plenary_cancelled else None
    if action in ("edit", "erase"):
        return "anonymised" if anonymised else None  # an organizer's edit: whatever the status
    if action == "update":
        return None if registration.status in ACTIVE else REFUSALS[action]
    if action == "add_delegates":
        head = registration.delegation_head_id is None and registration.registered_by_name is None
        allowed = registration.status in ACTIVE and head and not anonymised
        return None if allowed and _open(plenary) else REFUSALS[action]
    if action not in TRANSITIONS[RegistrationStatus(registration.status)]:
        return REFUSALS[action]
    if action in ("accept", "decline"):
        open_offer = registration.status == OFFERED and not anonymised
        return None if open_offer and (action == "decline" or not plenary_cancelled) else REFUSALS[action]
    if action in ("approve", "promote", "switch", "offer") and plenary_cancelled:
        return REFUSALS[action]  # nobody moves into, or around in, a plenary that will not take place
    if action == "reactivate" and (anonymised or not _open(plenary)):
        return REFUSALS[action]
    return None


def _open(plenary: Plenary) -> bool:
    return registration_state(plenary) == RegistrationState.OPEN


def check(registration, action: str) -> None:
    """Raise InvalidTransition unless ``action`` may be taken on ``registration`` now."""
    code = refusal(registration, action)
    if code is not None:
        raise InvalidTransition(code, status=registration.status)


def head_refusal(head, colleague, action: str) -> str | None:
    """Why ``head`` may not take ``action`` on ``colleague`` now (InvalidTransition's code), or None if they may.

    Only for the people this head's own submissions registered (``delegation_head_id``), not erased, in a
    plenary that takes place; then the colleague's own rules (``refusal``) apply.
    """
    if action not in HEAD_ACTIONS or head is None or colleague.delegation_head_id != head.id:
        return "not_in_delegation"
    if head.anonymised_at is not None or colleague.anonymised_at is not None:
        return "anonymised"
    if colleague.plenary.status == PlenaryStatus.CANCELLED:
        return "plenary_cancelled"
    return refusal(colleague, action)


def check_head(head, colleague, action: str) -> None:
    """Raise InvalidTransition unless ``head`` may take ``action`` on ``colleague`` now."""
    code = head_refusal(head, colleague, action)
    if code is not None:
        raise InvalidTransition(code, status=colleague.status)


def head_actions(head, colleague) -> frozenset[str]:
    """The actions ``head`` may take on ``colleague`` now (the head's page asks this; "switch" as allowed_actions)."""
    modes = attendance_modes(colleague.plenary)
    return frozenset(
        name for name in HEAD_ACTIONS
        if head_refusal(head, colleague, name) is None and (name != "switch" or len(modes) > 1)
    )  # fmt: skip


def allowed_actions(registration, by: str) -> frozenset[str]:
    """The actions ``by`` ("organizer" or "registrant") may take on ``registration`` now (templates ask this).

    "switch" only where the plenary offers another attendance mode.
    """
    names = ORGANIZER_ACTIONS if by == "organizer" else REGISTRANT_ACTIONS
    modes = attendance_modes(registration.plenary)
    return frozenset(
        name for name in names
        if refusal(registration, name) is None and (name != "switch" or len(modes) > 1)
    )  # fmt: skip
