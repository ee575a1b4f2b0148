"""What visa letters do: who may request one, the request and its checks, the review, withdrawal and purge.

Every function changes the session and flushes at most; the caller commits (views, commands, the worker).
The letter itself (its statement and PDF) is ``plenary.visa.letter``.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from plenary.audit.services import current_actor, record
from plenary.db import utcnow
from plenary.events.models import Plenary, PlenaryStatus
from plenary.extensions import db
from plenary.registration.locking import lock_plenary
from plenary.registration.models import Registration
from plenary.registration.states import Attendance, RegistrationStatus
from plenary.sqlite import begin_write
from plenary.visa import crypto
from plenary.visa.missions import MISSIONS, OTHER, missions_for
from plenary.visa.models import EDITABLE, OPEN, RENEWABLE, VisaRequest, VisaSettings, VisaStatus

#: The passport data's fields (encrypted together); dates as ISO strings inside the token.
PASSPORT_FIELDS = ("passport_name", "passport_number", "passport_expiry", "nationality", "birth_date", "birth_place")
#: How far before the plenary's start and after its end a stay may reach (days).
STAY_MARGIN_DAYS = 30


class VisaRefused(Exception):
    """The request (or review action) is not possible now; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class VisaRequestInvalid(Exception):
    """The request's data has problems: ``problems`` maps field names to messages (in the visitor's language)."""

    def __init__(self, problems: dict):
        super().__init__(", ".join(problems))
        self.problems = problems


def letters_enabled() -> bool:
    """True if visa letters are switched on for this installation (FLASK_VISA_LETTERS)."""
    return bool(current_app.config.get("VISA_LETTERS"))


def default_host_country(plenary: Plenary) -> str:
    """Where a plenary takes place, as far as its zone tells: China for a Chinese zone, else Germany."""
    return "CN" if plenary.timezone in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi",
                                        "Asia/Hong_Kong", "Asia/Macau") else "DE"  # fmt: skip


def settings_for(plenary: Plenary) -> VisaSettings:
    """The plenary's visa settings (unsaved defaults if it has none yet: letters not offered)."""
    settings = db.session.get(VisaSettings, plenary.id)
    if settings is None:
        settings = VisaSettings(plenary_id=plenary.id, offered=False, host_country=default_host_country(plenary),
                                costs={}, signatory_name={}, signatory_function={})  # fmt: skip
    return settings


def save_settings(plenary: Plenary, values: dict) -> VisaSettings:
    """Store the plenary's visa settings (``offered``, ``host_country``, ``costs`` …) with an audit entry."""
    settings = settings_for(plenary)
    before = {key: getattr(settings, key) for key in values}
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.add(settings)
    changes = {key: [before[key], value] for key, value in values.items() if before[key] != value}
    if changes:
        record("visa.settings", plenary, summary="visa letter settings", changes=changes, plenary_id=plenary.id)
    db.session.flush()
    return settings


def request_for(registration: Registration) -> VisaRequest | None:
    """The registration's visa request, if it made one."""
    return db.session.scalar(sa.select(VisaRequest).where(VisaRequest.registration_id == registration.id))


def offer_refusal(registration: Registration) -> str | None:
    """Why this registration may not request a letter now (a code), or None if it may.

    Only where it makes sense: letters enabled for the installation and the plenary, the registration
    confirmed, in person, not erased, the plenary not cancelled, and the person not from the host country.
    """
    plenary = registration.plenary
    if not letters_enabled():
        return "disabled"
    if not settings_for(plenary).offered:
        return "not_offered"
    if plenary.status == PlenaryStatus.CANCELLED:
        return "cancelled"
    if registration.anonymised_at is not None:
        return "erased"
    if registration.status != RegistrationStatus.CONFIRMED:
        return "not_confirmed"
    if registration.attendance != Attendance.IN_PERSON:
        return "online"
    if registration.country and registration.country == settings_for(plenary).host_country:
        return "same_country"
    return None


def may_request(registration: Registration) -> bool:
    """True if the person may request (or correct) a letter on their page now."""
    if offer_refusal(registration) is not None:
        return False
    existing = request_for(registration)
    return existing is None or existing.status in EDITABLE | RENEWABLE


def stay_window(plenary: Plenary) -> tuple[date, date]:
    """The earliest entry and the latest exit date a letter may name (around the plenary, local dates)."""
    margin = timedelta(days=STAY_MARGIN_DAYS)
    return plenary.local_start.date() - margin, plenary.local_end.date() + margin


def check_request(plenary: Plenary, data: dict, today: date) -> dict:
    """The problems of a request's data, by field (empty: none); the one place these rules live."""
    problems = {}
    settings = settings_for(plenary)
    entry, exit_, expiry = data.get("entry_date"), data.get("exit_date"), data.get("passport_expiry")
    earliest, latest = stay_window(plenary)
    start, end = plenary.local_start.date(), plenary.local_end.date()
    if entry and entry < today:
        problems["entry_date"] = _l("The date of entry lies in the past.")
    elif entry and entry > start:
        problems["entry_date"] = _l("Please arrive by the first day of the plenary.")
    elif entry and entry < earliest:
        problems["entry_date"] = _l("The letter can cover at most %(num)s days before the plenary.",
                                    num=STAY_MARGIN_DAYS)  # fmt: skip
    if exit_ and exit_ < end:
        problems["exit_date"] = _l("Please plan to leave after the last day of the plenary.")
    elif exit_ and exit_ > latest:
        problems["exit_date"] = _l("The letter can cover at most %(num)s days after the plenary.",
                                   num=STAY_MARGIN_DAYS)  # fmt: skip
    elif exit_ and entry and exit_ < entry:
        problems["exit_date"] = _l("The date of exit is before the date of entry.")
    if expiry and exit_ and expiry <= exit_:
        problems["passport_expiry"] = _l("The passport must still be valid after the date of exit.")
    elif expiry and expiry <= today:
        problems["passport_expiry"] = _l("This passport has expired.")
    birth = data.get("birth_date")
    if birth and birth >= today:
        problems["birth_date"] = _l("The date of birth must lie in the past.")
    if data.get("nationality") and data["nationality"] == settings.host_country:
        problems["nationality"] = _l("With this nationality you need no visa for this plenary.")
    mission = data.get("mission")
    if mission != OTHER and mission not in {m.key for m in missions_for(settings.host_country)}:
        problems["mission"] = _l("Please choose the mission where you apply.")
    if mission == OTHER and not data.get("mission_other"):
        problems["mission_other"] = _l("Please name the mission where you apply.")
    return problems


def submit(registration: Registration, data: dict, today: date) -> VisaRequest:
    """Store (or correct) the person's request; raise VisaRefused or VisaRequestInvalid, storing nothing."""
    # Under the plenary's lock, then everything re-read: two submissions at once are one after the other.
    lock_plenary(registration.plenary_id)
    db.session.refresh(registration)
    if offer_refusal(registration) is not None:
        raise VisaRefused(offer_refusal(registration))
    existing = request_for(registration)
    if existing is not None and existing.status not in EDITABLE | RENEWABLE:
        raise VisaRefused(str(existing.status))
    problems = check_request(registration.plenary, data, today)
    if problems:
        raise VisaRequestInvalid(problems)
    visa = existing or VisaRequest(registration_id=registration.id, plenary_id=registration.plenary_id)
    passport = {key: _jsonable(data.get(key)) for key in PASSPORT_FIELDS}
    visa.passport_token = crypto.encrypt(passport)
    visa.entry_date, visa.exit_date = data["entry_date"], data["exit_date"]
    visa.mission = data["mission"]
    visa.mission_other = data.get("mission_other") if data["mission"] == OTHER else None
    visa.english = bool(data.get("english"))
    corrected = existing is not None and existing.status == VisaStatus.CORRECTION
    visa.status = VisaStatus.REQUESTED
    visa.note = None if existing is not None and existing.status in RENEWABLE else visa.note
    visa.requested_at = utcnow()
    visa.purged_at = None
    db.session.add(visa)
    db.session.flush()
    record("visa.corrected" if corrected else "visa.requested", visa, object_type="visa_request",
           plenary_id=registration.plenary_id, summary=f"registration {registration.id}")  # fmt: skip
    return visa


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def passport_data(visa: VisaRequest) -> dict | None:
    """The decrypted passport data (dates as ``date``), or None once deleted or unreadable. Not audited."""
    if visa.passport_token is None:
        return None
    data = crypto.decrypt(visa.passport_token)
    if data is None:
        return None
    for key in ("passport_expiry", "birth_date"):
        if data.get(key):
            data[key] = date.fromisoformat(data[key])
    return data


#: What became of a request's passport data: there, deleted (purged or never stored), or unreadable.
PASSPORT_PRESENT, PASSPORT_DELETED, PASSPORT_UNREADABLE = "present", "deleted", "unreadable"


def passport_state(visa: VisaRequest) -> str:
    """Whether the passport data is there, deleted, or cannot be read with the configured FLASK_VISA_KEY."""
    if visa.passport_token is None:
        return PASSPORT_DELETED
    if crypto.decrypt(visa.passport_token) is not None:
        return PASSPORT_PRESENT
    current_app.logger.warning("visa request %s: passport data unreadable with FLASK_VISA_KEY (another key?)", visa.id)
    return PASSPORT_UNREADABLE


def download(registration: Registration) -> dict | None:
    """The person's visa request for their data download (their own passport data included), or None."""
    visa = request_for(registration)
    if visa is None:
        return None
    passport = passport_data(visa)
    return {
        "status": visa.status.value, "requested_at": visa.requested_at.isoformat(timespec="seconds"),
        "decided_at": visa.decided_at.isoformat(timespec="seconds") if visa.decided_at else None,
        "note": visa.note, "mission": mission_name(visa, registration.language), "english": visa.english,
        "entry_date": _jsonable(visa.entry_date), "exit_date": _jsonable(visa.exit_date),
        "passport": {key: _jsonable(value) for key, value in passport.items()} if passport else None,
        "passport_deleted_at": visa.purged_at.isoformat(timespec="seconds") if visa.purged_at else None,
    }  # fmt: skip


def view_passport_data(visa: VisaRequest) -> dict | None:
    """The passport data for an organizer's eyes: every such view is written to the audit log."""
    # A write after the page's reads: start it as one (SQLite waits for another writer instead of failing).
    begin_write(db.session())
    record("visa.viewed", visa, object_type="visa_request", plenary_id=visa.plenary_id,
           summary=f"registration {visa.registration_id}")  # fmt: skip
    return passport_data(visa)


def mission_name(visa: VisaRequest, lang: str) -> str:
    """The mission as ``lang`` names it (a typed name as typed)."""
    if visa.mission == OTHER:
        return visa.mission_other or ""
    mission = MISSIONS.get(visa.mission)
    return mission.name(lang) if mission else visa.mission


def _decide(visa: VisaRequest, status: VisaStatus, note: str | None, action: str) -> None:
    before = visa.status
    visa.status = status
    visa.note = note
    visa.decided_at = utcnow()
    visa.decided_by = current_actor()[0]
    record(action, visa, object_type="visa_request", plenary_id=visa.plenary_id,
           summary=f"registration {visa.registration_id}",
           changes={"status": [str(before), str(status)]} | ({"note": [None, note]} if note else {}))  # fmt: skip


def _open_request(visa: VisaRequest, approving: bool = False) -> None:
    """Refuse a decision on a request that is no longer open (another organizer decided); an approval also where
    no letter may be made now (the registration moved online, was cancelled; letters were switched off)."""
    # The plenary's lock: two organizers deciding at once decide one after the other, the second sees the first.
    lock_plenary(visa.plenary_id)
    db.session.refresh(visa)
    db.session.refresh(visa.registration)
    if visa.status not in OPEN:
        raise VisaRefused(str(visa.status))
    refusal = offer_refusal(visa.registration) if approving else None
    if refusal is not None:
        # The registration or the settings have changed since (cancelled, moved online, letters off): no decision.
        raise VisaRefused(refusal)


def ask_correction(visa: VisaRequest, note: str) -> VisaRequest:
    """Send the request back to the person with ``note`` (what to correct)."""
    _open_request(visa)
    _decide(visa, VisaStatus.CORRECTION, note, "visa.correction")
    db.session.flush()
    return visa


def decline(visa: VisaRequest, reason: str) -> VisaRequest:
    """Decline the request, saying why."""
    _open_request(visa)
    _decide(visa, VisaStatus.DECLINED, reason, "visa.declined")
    db.session.flush()
    return visa


def mark_approved(visa: VisaRequest) -> VisaRequest:
    """Mark the request approved (the letter is issued by ``plenary.visa.review.approve``)."""
    _open_request(visa, approving=True)
    state = passport_state(visa)
    if state == PASSPORT_UNREADABLE:
        raise VisaRefused("passport_unreadable")
    if state != PASSPORT_PRESENT:
        raise VisaRefused("no_passport_data")
    _decide(visa, VisaStatus.APPROVED, None, "visa.approved")
    db.session.flush()
    return visa


def purge(visa: VisaRequest) -> bool:
    """Delete the passport data of one request (idempotent); True if there was any."""
    if visa.passport_token is None and visa.purged_at is not None:
        return False
    visa.passport_token = None
    visa.purged_at = utcnow()
    return True


def withdraw_request(registration: Registration) -> VisaRequest | None:
    """The registration ended (or moved online): an open or approved request is withdrawn and its passport data
    deleted at once, as nothing needs it any more (its letter is withdrawn by the caller)."""
    visa = request_for(registration)
    if visa is not None:
        purge(visa)
    if visa is not None and visa.status not in (VisaStatus.DECLINED, VisaStatus.WITHDRAWN):
        visa.status = VisaStatus.WITHDRAWN
        visa.decided_at = utcnow()
        record("visa.withdrawn", visa, object_type="visa_request", plenary_id=visa.plenary_id,
               summary=f"registration {registration.id}")  # fmt: skip
    return visa


def requests_due_for_purge(now: datetime) -> list[int]:
    """Ids of requests still holding passport data whose plenary ended VISA_RETENTION_DAYS before ``now``."""
    days = float(current_app.config.get("VISA_RETENTION_DAYS") or 0)
    return list(db.session.scalars(
        sa.select(VisaRequest.id)
        .join(Plenary, Plenary.id == VisaRequest.plenary_id)
        .where(Plenary.ends_at < now - timedelta(days=days), VisaRequest.passport_token.is_not(None))
        .order_by(VisaRequest.id)
    ))  # fmt: skip


def requests_of(plenary: Plenary, status: VisaStatus | None = None) -> list[VisaRequest]:
    """The plenary's requests (of one status), newest first, with their registrations."""
    query = sa.select(VisaRequest).where(VisaRequest.plenary_id == plenary.id)
    if status is not None:
        query = query.where(VisaRequest.status == status)
    query = query.options(joinedload(VisaRequest.registration)).order_by(VisaRequest.requested_at.desc())
    return list(db.session.scalars(query))


def counts_of(plenary: Plenary) -> dict[str, int]:
    """How many requests the plenary has per status."""
    rows = db.session.execute(
        sa.select(VisaRequest.status, sa.func.count()).where(VisaRequest.plenary_id == plenary.id)
        .group_by(VisaRequest.status)
    )  # fmt: skip
    return {str(status): count for status, count in rows}
