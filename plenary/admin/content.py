"""Back office: announcements and members.

Reading is for every back-office role; creating, editing, publishing and retiring for organizers and
admins. Every change is written to the audit log with its before → after values, by the services that make it
(plenary.news.services, plenary.members.services).
"""

from types import SimpleNamespace

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from plenary.admin.blueprint import bp
from plenary.admin.content_forms import (
    EDITING_ZONE,
    AnnouncementForm,
    MemberForm,
    slugify,
)
from plenary.admin.language_fields import fill_language_fields, language_values
from plenary.auth.access import organizer_required, viewer_required
from plenary.db import utcnow
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.i18n import current_language, localize
from plenary.members.models import Member
from plenary.members.services import key_taken, members_by_country, save_member, set_member_retired
from plenary.news.models import Announcement
from plenary.news.services import (
    publish_announcement,
    save_announcement,
    slug_taken,
    unique_slug,
    unpublish_announcement,
)


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
            fill_language_fields(form, name, getattr(announcement, name))
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
        **{name: language_values(form, name) for name in ("place", "title", "lead", "body")},
        "published_at": form.published_at_utc(),
        "plenary_id": int(form.plenary.data) if form.plenary.data else None,
    }


def _save_or_show(form, obj, values_of, save, kind: str):
    """Save a valid submitted ``form`` (``values_of`` may refuse it: None) and go to its edit page, or show the form.

    ``kind``: "announcement" or "member" (the template admin/<kind>_form.html, the endpoint admin.<kind>_edit).
    """
    if form.validate_on_submit():
        values = values_of(form, obj)
        if values is not None:
            saved = save(obj, values)
            db.session.commit()
            flash(gettext("Saved."), "success")
            return redirect(url_for(f"admin.{kind}_edit", **{f"{kind}_id": saved.id}))
    status = 400 if request.method == "POST" else 200
    return render_template(f"admin/{kind}_form.html", form=form, **{kind: obj}), status


def _edit_announcement(announcement: Announcement | None):
    form = _announcement_form(announcement)
    return _save_or_show(form, announcement, _announcement_values, save_announcement, "announcement")


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
        **{name: language_values(form, name) for name in ("name", "region", "note")},
        "joined_year": form.joined_year.data, "website": form.website.data,
    }  # fmt: skip


def _edit_member(member: Member | None):
    form = MemberForm()
    form.fill_choices()
    if request.method == "GET" and member is not None:
        form.key.data, form.kind.data, form.country.data = member.key, member.kind, member.country
        form.joined_year.data, form.website.data = member.joined_year, member.website
        for name in ("name", "region", "note"):
            fill_language_fields(form, name, getattr(member, name))
    elif request.method == "GET":
        form.country.data = "DE"
    return _save_or_show(form, member, _member_values, save_member, "member")


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

