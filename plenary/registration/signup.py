"""Signing up: the public form (a person and their delegation) and a head adding delegates later.

Capacity is decided under the capacity lock for everyone typed before any address is looked up
(``seats.plan_seats``); each person then lands where ``states.landing`` says.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryStatus
from plenary.events.services import RegistrationState, registration_state
from plenary.extensions import db
from plenary.registration.errors import RegistrationClosed
from plenary.registration.locking import lock_plenary, locked_registration
from plenary.registration.models import PERSON_FIELDS, Registration, introduced_name
from plenary.registration.notifications import notify, notify_organizers, notify_status
from plenary.registration.seats import plan_seats
from plenary.registration.states import RegistrationStatus, attendance_modes, check, refusal
from plenary.registration.tokens import rotate_token


@dataclass
class SignupResult:
    """What a submission did: new registrations, and people who were already registered."""

    created: list[Registration] = field(default_factory=list)
    already_registered: list[Registration] = field(default_factory=list)


def check_open(plenary: Plenary | None, now: datetime | None = None) -> Plenary:
    """Raise RegistrationClosed unless ``plenary`` takes registrations now."""
    if plenary is None or plenary.status == PlenaryStatus.DRAFT:
        raise RegistrationClosed("not_found")
    state = registration_state(plenary, now)
    if state != RegistrationState.OPEN:
        raise RegistrationClosed(str(state))
    return plenary


def find_registration(plenary_id: int, email: str) -> Registration | None:
    """The registration of ``email`` (normalised) for a plenary, if any."""
    return db.session.scalar(
        sa.select(Registration).where(Registration.plenary_id == plenary_id, Registration.email == email)
    )


def register(plenary_id: int, head: dict, delegates: list[dict] | None = None) -> SignupResult:
    """Register a person and, optionally, their delegation; all or nothing.

    ``head`` and each delegate are dicts of PERSON_FIELDS plus ``email`` (normalised),
    ``attendance``, and for the head the consents. Under the capacity lock each person
    gets a seat (confirmed, or pending when the plenary requires approval), else a place
    on the waitlist, else the whole submission is refused (CapacityReached).

    Nothing about an existing registration reaches anyone but its owner, and nobody joins a
    registration that is not theirs: the public form cannot tell who sent it. So capacity is
    decided for everyone typed before any address is looked up (the answer is the same for
    known and new addresses), and the typed delegates are registered exactly as if the head
    were new: each gets the same messages naming the head as typed (``registered_by_name``),
    so a delegate's mailbox cannot tell whether the head's address was known. A known head's
    registration is not changed and nobody is attached to it; the head is told at their own
    address who was registered naming them (they can add delegates on their personal page,
    ``add_delegates``). A known delegate is sent their own link and stays outside this delegation.
    """
    plenary = check_open(lock_plenary(plenary_id))
    people = _distinct([head, *(delegates or [])])
    statuses = plan_seats(plenary, people)
    result = SignupResult()
    typed_head = introduced_name(head.get("first_name"), head.get("last_name"), head.get("honorific"),
                                 head.get("name_zh"))  # fmt: skip
    known_head = find_registration(plenary.id, head["email"])
    if known_head is not None:
        result.already_registered.append(known_head)
        _join(plenary, None, people[1:], statuses[1:], result, registered_by=typed_head)
        if len(people) > 1:
            notify(known_head, "registration_delegates_proposed", proposed=[_typed_name(p) for p in people[1:]])
        else:
            notify(known_head, "registration_link")
        notify_organizers(result.created)
        db.session.flush()
        return result
    head_registration = _create(plenary, head, statuses[0], consents=True)
    result.created.append(head_registration)
    _join(plenary, head_registration, people[1:], statuses[1:], result, registered_by=typed_head)
    notify_organizers(result.created)  # one notice for the whole delegation
    db.session.flush()
    return result


def can_add_delegates(registration: Registration) -> bool:
    """True if ``registration`` may add members to its delegation: active, and not itself a delegate."""
    return refusal(registration, "add_delegates") is None


def add_delegates(head_id: int, delegates: list[dict]) -> SignupResult:
    """Register further members of one's delegation from one's personal page (the head's own link).

    Each delegate dict has PERSON_FIELDS of their own (salutation, honorific, names, language, dietary
    needs, interpretation …), email (normalised) and attendance; the organisation, member city and
    country are the head's, and so is the language when none is given. The rules of ``register``
    apply: capacity first for everyone, and a known address gets its own link and is not attached.
    """
    head, plenary = locked_registration(head_id)
    check_open(plenary)
    check(head, "add_delegates")
    modes = attendance_modes(plenary)
    own = {"organisation": head.organisation, "member_id": head.member_id, "country": head.country}
    people = [
        {name: d[name] for name in (*PERSON_FIELDS, "email") if name in d}
        | own
        | {"language": d.get("language") or head.language,
           "attendance": d["attendance"] if d.get("attendance") in modes else head.attendance}
        for d in delegates
    ]  # fmt: skip
    people = _distinct([{"email": head.email}, *people])[1:]
    result = SignupResult()
    _join(plenary, head, people, plan_seats(plenary, people), result, registered_by=introduced_name(
        head.first_name, head.last_name, head.honorific, head.name_zh))
    notify_organizers(result.created)
    db.session.flush()
    return result


def _distinct(people: list[dict]) -> list[dict]:
    """The people of a submission, each address once (the first wins; the head comes first)."""
    seen, kept = set(), []
    for person in people:
        if person["email"] not in seen:
            seen.add(person["email"])
            kept.append(person)
    return kept


def _join(plenary: Plenary, head: Registration | None, people: list[dict], statuses: list[str],
          result: SignupResult, registered_by: str) -> None:  # fmt: skip
    """Register ``people`` as ``head``'s delegates (None: attached to nobody), naming ``registered_by``
    to them; a known address gets its own link and is not attached."""
    for person, status in zip(people, statuses, strict=True):
        existing = find_registration(plenary.id, person["email"])
        if existing is not None:
            # Their registration stays theirs: not attached, and nothing about it shown to the head.
            result.already_registered.append(existing)
            notify(existing, "registration_link")
            continue
        result.created.append(_create(plenary, person, status, delegation_head=head, registered_by=registered_by))


def new_registration(plenary: Plenary, person: dict, status: RegistrationStatus, **values) -> Registration:
    """Add one registration in ``status`` with PERSON_FIELDS of ``person`` and ``values``, and its token."""
    registration = Registration(plenary=plenary, status=status, attendance=person["attendance"], email=person["email"],
                                **values)  # fmt: skip
    for name in PERSON_FIELDS:
        if name in person:
            setattr(registration, name, person[name])
    if status == RegistrationStatus.WAITLISTED:
        registration.waitlisted_at = utcnow()
    db.session.add(registration)
    db.session.flush()  # the id orders the waitlist and seeds the token
    rotate_token(registration)
    return registration


def _create(plenary: Plenary, person: dict, status: RegistrationStatus, consents: bool = False,
            delegation_head: Registration | None = None, registered_by: str | None = None) -> Registration:  # fmt: skip
    """Add one registration with its token and its message (the organizers' notice follows per submission)."""
    if consents:
        now = utcnow()
        listing = bool(person.get("consent_listing"))
        values = {"consent_privacy_at": now if person.get("consent_privacy") else None, "consent_listing": listing,
                  "consent_listing_at": now if listing else None}  # fmt: skip
    else:
        # Registered by the head of delegation: their own consent is not on record (their
        # message tells them who registered them and links the privacy notice).
        values = {"delegation_head": delegation_head, "registered_by_name": registered_by}
    registration = new_registration(plenary, person, status, **values)
    notify_status(registration)
    return registration


def _typed_name(person: dict) -> str:
    """A proposed delegate's name as typed (for the head's message; nothing looked up)."""
    return " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
