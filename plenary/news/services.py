"""Announcements as the public site lists them."""

from datetime import datetime

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
