"""Back office: announcements and members.

Reading is for every back-office role; creating, editing, publishing and retiring for organizers and
admins. Every change is written to the audit log with its before → after values.
"""

from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from plenary.admin.blueprint import bp
from plenary.admin.content_forms import (
    EDITING_ZONE,
    AnnouncementForm,
    MemberForm,
    fill_translated,
    slugify,
    translated_data,
)
from plenary.audit.services import diff, record
from plenary.auth.access import organizer_required, viewer_required
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.i18n import current_language, localize
from plenary.members.models import Member
from plenary.members.services import _country_rank, sort_key
from plenary.news.models import Announcement

# --- services ---------------------------------------------------------------------------------------------------


def announcement_snapshot(announcement: Announcement) -> dict:
    """What the audit log compares of an announcement."""
    return {
        "slug": announcement.slug, "kind": announcement.kind, "place": dict(announcement.place or {}),
        "title": dict(announcement.title or {}), "lead": dict(announcement.lead or {}),
        "body": dict(announcement.body or {}),
        "published_at": announcement.published_at.isoformat(timespec="seconds") if announcement.published_at else None,
        "plenary_id": announcement.plenary_id,
    }  # fmt: skip


def unique_slug(base: str, exclude_id: int | None = None) -> str:
    """``base``, or ``base-2``, ``base-3`` … whichever no other announcement uses."""
    base = base or "announcement"
    taken = set(db.session.scalars(sa.select(Announcement.slug).where(
        Announcement.slug.like(f"{base}%"), Announcement.id != (exclude_id or 0))))  # fmt: skip
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[: 120 - len(suffix)] + suffix, n + 1
    return candidate


def slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    """True if another announcement has ``slug``."""
    query = sa.select(Announcement.id).where(Announcement.slug == slug)
    if exclude_id is not None:
        query = query.where(Announcement.id != exclude_id)
    return db.session.scalar(query) is not None


def apply_announcement(announcement: Announcement, values: dict) -> None:
    """Set an announcement's fields from ``values`` (keys as in :func:`announcement_snapshot`)."""
    for name in ("slug", "kind", "place", "title", "lead", "body", "published_at", "plenary_id"):
        setattr(announcement, name, values[name])


def save_announcement(announcement: Announcement | None, values: dict) -> Announcement:
    """Create (``announcement`` None) or update an announcement and log it; flushes."""
    if announcement is None:
        announcement = Announcement()
        apply_announcement(announcement, values)
        db.session.add(announcement)
        db.session.flush()
        record("announcement.create", announcement, changes=diff({}, announcement_snapshot(announcement)),
               summary=announcement.title.get("de", "")[:200])  # fmt: skip
        return announcement
    before = announcement_snapshot(announcement)
    apply_announcement(announcement, values)
    db.session.flush()
    changes = diff(before, announcement_snapshot(announcement))
    if changes:
        record("announcement.update", announcement, changes=changes, summary=announcement.title.get("de", "")[:200])
    return announcement


def publish_announcement(announcement: Announcement) -> None:
    """Publish now (a set time, even a future one, is kept: the announcement appears then); flushes."""
    if announcement.published_at is not None:
        return
    before = announcement_snapshot(announcement)
    announcement.published_at = utcnow()
    db.session.flush()
    record("announcement.publish", announcement, changes=diff(before, announcement_snapshot(announcement)),
           summary=announcement.title.get("de", "")[:200])  # fmt: skip


def unpublish_announcement(announcement: Announcement) -> None:
    """Back to a draft (the public pages and the feed drop it); flushes."""
    if announcement.published_at is None:
        return
    before = announcement_snapshot(announcement)
    announcement.published_at = None
    db.session.flush()
    record("announcement.unpublish", announcement, changes=diff(before, announcement_snapshot(announcement)),
           summary=announcement.title.get("de", "")[:200])  # fmt: skip


def member_snapshot(member: Member) -> dict:
    """What the audit log compares of a member."""
    return {
        "key": member.key, "kind": member.kind, "country": member.country, "name": dict(member.name or {}),
        "region": dict(member.region or {}), "joined_year": member.joined_year, "website": member.website,
        "note": dict(member.note or {}),
        "retired_at": member.retired_at.isoformat(timespec="seconds") if member.retired_at else None,
    }  # fmt: skip


def save_member(member: Member | None, values: dict) -> Member:
    """Create (``member`` None) or update a member and log it; flushes."""
    created = member is None
    if created:
        member = Member()
        db.session.add(member)
    before = {} if created else member_snapshot(member)
    for name, value in values.items():
        setattr(member, name, value)
    db.session.flush()
    changes = diff(before, member_snapshot(member))
    if changes:
        record("member.create" if created else "member.update", member, changes=changes,
               summary=member.name.get("de", "")[:200])  # fmt: skip
    return member


def set_member_retired(member: Member, retired: bool) -> None:
    """Retire (leaves the public directory and the registration form) or reinstate a member; flushes."""
    if (member.retired_at is not None) == retired:
        return
    before = member_snapshot(member)
    member.retired_at = utcnow() if retired else None
    db.session.flush()
    record("member.retire" if retired else "member.reinstate", member,
           changes=diff(before, member_snapshot(member)), summary=member.name.get("de", "")[:200])  # fmt: skip


def key_taken(key: str, exclude_id: int | None = None) -> bool:
    """True if another member has ``key``."""
    query = sa.select(Member.id).where(Member.key == key)
    if exclude_id is not None:
        query = query.where(Member.id != exclude_id)
    return db.session.scalar(query) is not None


@dataclass
class MemberCountry:
    """The back office's member list: one country's members."""

    country: str
    members: list[Member]


def members_by_country(lang: str) -> list[MemberCountry]:
    """Every member (retired ones too), by country (Germany, China, others), then by name."""
    members = db.session.scalars(sa.select(Member)).all()
    groups: dict[str, list[Member]] = {}
    for member in members:
        groups.setdefault(member.country, []).append(member)
    return [
        MemberCountry(code, sorted(groups[code], key=lambda m: (m.kind, sort_key(localize(m.name, lang).text, lang))))
        for code in sorted(groups, key=_country_rank)
    ]


def plenary_choices(lang: str) -> list[tuple[str, str]]:
    """All plenaries (drafts too), newest first, as (id, "number. title") choices."""
    plenaries = db.session.scalars(sa.select(Plenary).order_by(Plenary.starts_at.desc())).all()
    return [(str(p.id), f"{p.number} · {localize(p.title, lang).text}") for p in plenaries]


# --- announcements ----------------------------------------------------------------------------------------------


@bp.get("/announcements")
@viewer_required
def announcements():
    """All announcements, drafts and scheduled ones too, newest first."""
    rows = db.session.scalars(
        sa.select(Announcement).options(sa.orm.joinedload(Announcement.plenary))
        .order_by(Announcement.published_at.desc().nulls_first(), Announcement.id.desc())
    ).all()  # fmt: skip
    return render_template("admin/announcements.html", announcements=rows, now=utcnow())


def _announcement_form(announcement: Announcement | None = None) -> AnnouncementForm:
    form = AnnouncementForm()
    form.fill_choices(plenary_choices(current_language()))
    if request.method == "GET" and announcement is not None:
        form.slug.data = announcement.slug
        form.kind.data = announcement.kind
        for name in ("place", "title", "lead", "body"):
            fill_translated(form, name, getattr(announcement, name))
        if announcement.published_at:
            form.published_at.data = announcement.published_at.astimezone(EDITING_ZONE).replace(tzinfo=None)
        form.plenary.data = str(announcement.plenary_id) if announcement.plenary_id else ""
    return form


def _announcement_values(form: AnnouncementForm, announcement: Announcement | None) -> dict | None:
    """The submitted values, or None with the errors set beside the fields."""
    exclude = announcement.id if announcement is not None else None
    slug = form.slug.data
    if slug and slug_taken(slug, exclude):
        form.slug.errors.append(gettext("Another announcement has this address already."))
        return None
    return {
        "slug": slug or unique_slug(slugify(form.title_de.data), exclude),
        "kind": form.kind.data,
        **{name: translated_data(form, name) for name in ("place", "title", "lead", "body")},
        "published_at": form.published_at_utc(),
        "plenary_id": int(form.plenary.data) if form.plenary.data else None,
    }


def _edit_announcement(announcement: Announcement | None):
    form = _announcement_form(announcement)
    if form.validate_on_submit():
        values = _announcement_values(form, announcement)
        if values is not None:
            saved = save_announcement(announcement, values)
            db.session.commit()
            flash(gettext("Saved."), "success")
            return redirect(url_for("admin.announcement_edit", announcement_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/announcement_form.html", form=form, announcement=announcement), status


@bp.route("/announcements/new", methods=["GET", "POST"])
@organizer_required
def announcement_new():
    """Write a new announcement (a draft until published)."""
    return _edit_announcement(None)


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@organizer_required
def announcement_edit(announcement_id: int):
    """Edit an announcement."""
    return _edit_announcement(db.get_or_404(Announcement, announcement_id))


@bp.get("/announcements/<int:announcement_id>/preview")
@organizer_required
def announcement_preview(announcement_id: int):
    """The public page of an announcement as the public would see it, published or not."""
    announcement = db.get_or_404(Announcement, announcement_id)
    # A stand-in, never the ORM object: nothing the page needs (a date for a draft) may be flushed.
    shown = SimpleNamespace(**{name: getattr(announcement, name) for name in (
        "id", "slug", "kind", "place", "title", "lead", "body", "plenary", "created_at", "updated_at")},
        published_at=announcement.published_at or utcnow())  # fmt: skip
    return render_template("admin/announcement_preview.html", announcement=shown, original=announcement,
                           now=utcnow())  # fmt: skip


@bp.post("/announcements/<int:announcement_id>/publish")
@organizer_required
def announcement_publish(announcement_id: int):
    """Publish now (or at the time already set)."""
    announcement = db.get_or_404(Announcement, announcement_id)
    publish_announcement(announcement)
    db.session.commit()
    if announcement.published_at > utcnow():
        flash(gettext("Scheduled: the announcement appears at the time set."), "info")
    else:
        flash(gettext("Published."), "success")
    return redirect(url_for("admin.announcement_edit", announcement_id=announcement_id))


@bp.post("/announcements/<int:announcement_id>/unpublish")
@organizer_required
def announcement_unpublish(announcement_id: int):
    """Withdraw: back to a draft."""
    unpublish_announcement(db.get_or_404(Announcement, announcement_id))
    db.session.commit()
    flash(gettext("Withdrawn: the announcement is a draft again."), "success")
    return redirect(url_for("admin.announcement_edit", announcement_id=announcement_id))


# --- members ----------------------------------------------------------------------------------------------------


@bp.get("/members")
@viewer_required
def members():
    """Every member, retired ones too, by country."""
    return render_template("admin/members.html", groups=members_by_country(current_language()))


def _member_values(form: MemberForm, member: Member | None) -> dict | None:
    if key_taken(form.key.data, member.id if member is not None else None):
        form.key.errors.append(gettext("Another member has this key already."))
        return None
    return {
        "key": form.key.data, "kind": form.kind.data, "country": form.country.data,
        **{name: translated_data(form, name) for name in ("name", "region", "note")},
        "joined_year": form.joined_year.data, "website": form.website.data,
    }  # fmt: skip


def _edit_member(member: Member | None):
    form = MemberForm()
    form.fill_choices()
    if request.method == "GET" and member is not None:
        form.key.data, form.kind.data, form.country.data = member.key, member.kind, member.country
        form.joined_year.data, form.website.data = member.joined_year, member.website
        for name in ("name", "region", "note"):
            fill_translated(form, name, getattr(member, name))
    elif request.method == "GET":
        form.country.data = "DE"
    if form.validate_on_submit():
        values = _member_values(form, member)
        if values is not None:
            saved = save_member(member, values)
            db.session.commit()
            flash(gettext("Saved."), "success")
            return redirect(url_for("admin.member_edit", member_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/member_form.html", form=form, member=member), status


@bp.route("/members/new", methods=["GET", "POST"])
@organizer_required
def member_new():
    """Add a member city or region, or an advisory board organisation."""
    return _edit_member(None)


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@organizer_required
def member_edit(member_id: int):
    """Edit a member."""
    return _edit_member(db.get_or_404(Member, member_id))


@bp.post("/members/<int:member_id>/retire")
@organizer_required
def member_retire(member_id: int):
    """Retire a member: gone from the directory and the registration form, kept on past registrations."""
    set_member_retired(db.get_or_404(Member, member_id), True)
    db.session.commit()
    flash(gettext("The member is retired: no longer in the public directory."), "success")
    return redirect(url_for("admin.member_edit", member_id=member_id))


@bp.post("/members/<int:member_id>/reinstate")
@organizer_required
def member_reinstate(member_id: int):
    """Bring a retired member back into the directory."""
    set_member_retired(db.get_or_404(Member, member_id), False)
    db.session.commit()
    flash(gettext("The member is back in the public directory."), "success")
    return redirect(url_for("admin.member_edit", member_id=member_id))

