"""Back office: the audit log (admins only). Read-only: entries are never edited or deleted."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from plenary.admin.audit_labels import action_label, change_rows, summary_text
from plenary.admin.blueprint import bp
from plenary.audit.models import AuditEntry
from plenary.auth.access import admin_required
from plenary.config import DEFAULT_TIMEZONE
from plenary.events.models import Plenary
from plenary.extensions import db

PER_PAGE = 50

#: Values longer than this are shortened in the table; the full value is in a <details>.
SHORT = 80

#: Where an entry's object is shown in the back office: object type → (endpoint, URL argument).
OBJECT_PAGES = {
    "registration": ("admin.registration", "registration_id"),
    "announcement": ("admin.announcement_edit", "announcement_id"),
    "member": ("admin.member_edit", "member_id"),
    "user": ("admin.account_edit", "user_id"),
}


@dataclass(frozen=True)
class AuditFilter:
    """Which entries the log shows; built from query arguments, anything invalid ignored."""

    plenary: int | None = None
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: int | None = None

    @classmethod
    def from_args(cls, args: MultiDict) -> "AuditFilter":
        """The filter from request arguments."""

        def number(name):
            value = args.get(name, "")
            return int(value) if value.isascii() and value.isdecimal() and len(value) < 10 else None

        return cls(plenary=number("plenary"), actor=args.get("actor", "")[:254].strip(),
                   action=args.get("action", "")[:60].strip(), object_type=args.get("object_type", "")[:40].strip(),
                   object_id=number("object_id"))  # fmt: skip

    def args(self) -> dict:
        """The non-empty values, for pagination links."""
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}

    def apply(self, query: sa.Select) -> sa.Select:
        """``query`` restricted to this filter."""
        if self.plenary is not None:
            query = query.where(AuditEntry.plenary_id == self.plenary)
        if self.actor in ("registrant", "system"):
            query = query.where(AuditEntry.actor_kind == self.actor)
        elif self.actor:
            query = query.where(AuditEntry.actor == self.actor.lower())
        if self.action:
            escaped = self.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(AuditEntry.action.like(f"{escaped}%", escape="\\"))
        if self.object_type:
            query = query.where(AuditEntry.object_type == self.object_type)
        if self.object_id is not None:
            query = query.where(AuditEntry.object_id == self.object_id)
        return query


def audit_page(filters: AuditFilter, page: int):
    """One page of entries, newest first."""
    query = filters.apply(sa.select(AuditEntry)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def filter_choices() -> dict:
    """What the filter form offers: plenaries, the actors and object types that occur."""
    return {
        "plenaries": db.session.scalars(sa.select(Plenary).order_by(Plenary.starts_at.desc())).all(),
        "actors": db.session.scalars(sa.select(AuditEntry.actor).where(AuditEntry.actor.is_not(None))
                                     .distinct().order_by(AuditEntry.actor)).all(),
        "object_types": db.session.scalars(sa.select(AuditEntry.object_type).distinct()
                                           .order_by(AuditEntry.object_type)).all(),
    }  # fmt: skip


def object_url(entry: AuditEntry, plenary_slugs: dict[int, str]) -> str | None:
    """The back-office page of the entry's object, where there is one."""
    if entry.object_id is None:
        return None
    if entry.object_type == "plenary":
        slug = plenary_slugs.get(entry.object_id)
        return url_for("admin.registrations", slug=slug) if slug else None
    endpoint, argument = OBJECT_PAGES.get(entry.object_type, (None, None))
    if endpoint is None or endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **{argument: entry.object_id})


@bp.get("/audit")
@admin_required
def audit():
    """Every audit entry, newest first, 50 a page, filtered by plenary, actor, action and object."""
    filters = AuditFilter.from_args(request.args)
    page = min(max(request.args.get("page", 1, type=int), 1), 10_000)
    pagination = audit_page(filters, page)
    choices = filter_choices()
    slugs = {p.id: p.slug for p in choices["plenaries"]}
    titles = {p.id: p.title for p in choices["plenaries"]}
    zones = {p.id: p.timezone for p in choices["plenaries"]}
    # Codes named in the organizer's language, logged times in the entry's plenary's zone (audit_labels).
    rows = [{"entry": e, "url": object_url(e, slugs), "plenary": titles.get(e.plenary_id),
             "action": action_label(e.action), "summary": summary_text(e),
             "changes": change_rows(e.changes, e.object_type, zones.get(e.plenary_id) or DEFAULT_TIMEZONE)}
            for e in pagination.items]  # fmt: skip
    return render_template("admin/audit.html", pagination=pagination, rows=rows, filters=filters, short=SHORT,
                           **choices)  # fmt: skip
