"""Writing the audit log.

Explicit entries (``record``) for what organizers do in the back office, and one automatic
rule: every new registration and every change of a registration's status or attendance mode
is logged, whoever causes it (an organizer, the registrant on their page, a promotion from
the waitlist, a command). Entries are never changed through the ORM (``_immutable``); the
only later change is the erasure of personal values (``scrub_registration``).
"""

from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user
from sqlalchemy.orm import Session

from plenary.audit.models import AuditEntry
from plenary.db import utcnow
from plenary.extensions import db
from plenary.registration.models import Registration

#: Registration fields whose changes the automatic rule logs (never personal data).
TRACKED = ("status", "attendance")


def current_actor() -> tuple[str | None, str]:
    """(account e-mail, kind) of whoever causes the current change.

    A logged-in account is a "user", whatever the page; a request without a login comes from a
    registrant (the sign-up form, a personal link); outside any request (a command, the worker)
    it is the "system".
    """
    if not has_request_context():
        return None, "system"
    if current_user.is_authenticated:
        return current_user.email, "user"
    return None, "registrant"


def record(action: str, obj: Any = None, *, summary: str = "", changes: dict | None = None,
           plenary_id: int | None = None, object_type: str | None = None) -> AuditEntry:  # fmt: skip
    """Add an entry for ``action`` on ``obj`` to the current unit of work (committed with the change)."""
    actor, kind = current_actor()
    if plenary_id is None and obj is not None:
        plenary_id = getattr(obj, "plenary_id", None) or (obj.id if type(obj).__name__ == "Plenary" else None)
    entry = AuditEntry(
        at=utcnow(), actor=actor, actor_kind=kind, action=action,
        object_type=object_type or (type(obj).__name__.lower() if obj is not None else "site"),
        object_id=getattr(obj, "id", None), plenary_id=plenary_id, summary=summary[:300],
        changes=_jsonable(changes or {}),
    )  # fmt: skip
    db.session.add(entry)
    return entry


def diff(before: Any, after: Any, path: str = "") -> dict:
    """The differences of two JSON-like documents as {"path": [before, after]}.

    Dicts are compared key by key; lists of objects with a ``uid`` (agenda items) item by item;
    other lists as a whole.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        changes = {}
        for key in list(before) + [k for k in after if k not in before]:
            changes |= diff(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return changes
    if _uid_list(before) and _uid_list(after):
        old = {item["uid"]: item for item in before}
        new = {item["uid"]: item for item in after}
        changes = {}
        for uid in list(old) + [u for u in new if u not in old]:
            changes |= diff(old.get(uid), new.get(uid), f"{path}[{_label(old.get(uid) or new.get(uid))}]")
        if [i["uid"] for i in before if i["uid"] in new] != [i["uid"] for i in after if i["uid"] in old]:
            changes[f"{path}.order"] = [[_label(i) for i in before], [_label(i) for i in after]]
        return changes
    return {} if before == after else {path: [before, after]}


def _uid_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, dict) and i.get("uid") for i in value)


def _label(item: dict) -> str:
    title = item.get("title")
    if isinstance(title, dict):
        title = title.get("de") or title.get("en") or title.get("zh")
    return str(title or item.get("uid"))[:60]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def history(object_type: str, object_id: int) -> list[AuditEntry]:
    """Every entry about one object, oldest first."""
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    ))  # fmt: skip


def scrub_registration(registration_id: int) -> None:
    """Erasure: entries about this registration keep what happened, but no personal values."""
    for entry_id, changes in db.session.execute(
        sa.select(AuditEntry.id, AuditEntry.changes).where(
            AuditEntry.object_type == "registration", AuditEntry.object_id == registration_id
        )
    ).all():
        kept = {k: v for k, v in (changes or {}).items() if k in TRACKED}
        removed = {k: ["—", "—"] for k in (changes or {}) if k not in TRACKED}
        if removed:
            db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry_id).values(changes=kept | removed))


def _registration_changes(session) -> list[dict]:
    """Log rows for new registrations and status/attendance changes in this flush."""
    rows = []
    actor, kind = current_actor()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Registration):
            continue
        state = sa.inspect(obj)
        changes = {}
        for name in TRACKED:
            hist = state.attrs[name].history
            if hist.added:
                old = hist.deleted[0] if hist.deleted else None
                if old != hist.added[0]:
                    changes[name] = [old, hist.added[0]]
        if changes:
            rows.append({"obj": obj, "created": obj in session.new, "changes": changes,
                         "actor": actor, "actor_kind": kind})  # fmt: skip
    return rows


def _immutable(session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("audit entries are never changed or deleted")
    session.info["audit_pending"] = _registration_changes(session)


def _write(session, _context) -> None:
    rows = session.info.pop("audit_pending", None)
    if not rows:
        return
    now = utcnow()
    session.connection().execute(sa.insert(AuditEntry.__table__), [
        {"at": now, "actor": row["actor"], "actor_kind": row["actor_kind"],
         "action": "registration.created" if row["created"] else "registration.status",
         "object_type": "registration", "object_id": row["obj"].id, "plenary_id": row["obj"].plenary_id,
         "summary": "", "changes": row["changes"]}
        for row in rows
    ])  # fmt: skip


def install() -> None:
    """Attach the rules to every session (once per process)."""
    if not sa.event.contains(Session, "before_flush", _immutable):
        sa.event.listen(Session, "before_flush", _immutable)
        sa.event.listen(Session, "after_flush", _write)
