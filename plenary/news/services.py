"""Announcements: as the public site lists them, and the back office's changes to them (each audited)."""

from datetime import datetime

import sqlalchemy as sa

from plenary.audit.services import diff, record
from plenary.db import utcnow
from plenary.extensions import db
from plenary.news.models import Announcement


def _published(now: datetime | None = None):
    """Select announcements whose publication time has come."""
    now = now or utcnow()
    return (
        db.select(Announcement)
        .where(Announcement.published_at.is_not(None), Announcement.published_at <= now)
        .order_by(Announcement.published_at.desc(), Announcement.id.desc())
    )


def latest_announcements(limit: int = 3) -> list[Announcement]:
    """Return the ``limit`` most recent published announcements."""
    return list(db.session.scalars(_published().limit(limit)))


def paginate_announcements(page: int, per_page: int):
    """Return one page of published announcements, newest first."""
    return db.paginate(_published(), page=page, per_page=per_page, error_out=False)


def get_announcement(slug: str) -> Announcement | None:
    """Return the published announcement ``slug``, or None."""
    return db.session.scalar(_published().where(Announcement.slug == slug))


def announcements_for_plenary(plenary_id: int) -> list[Announcement]:
    """Return the published announcements linked to a plenary."""
    return list(db.session.scalars(_published().where(Announcement.plenary_id == plenary_id)))


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
