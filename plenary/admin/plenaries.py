"""Back office: creating, editing, previewing, publishing and cancelling plenaries.

Every change goes through ``plenary.events.editing.save_plenary`` with a whole exchange document
(the stored plenary exported with its private fields, the form's values written over it), so the
back office validates, moves the agenda, re-invites, cancels, promotes and logs exactly as
``flask plenary import`` does.
"""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy.orm import selectinload

from plenary.admin.blueprint import bp
from plenary.admin.plenary_forms import PLENARY_ERROR_FIELDS, ConfirmForm, LocalTimeError, PlenaryForm, to_instant
from plenary.admin.problems import readable, readable_errors
from plenary.admin.translation_gaps import translation_gaps
from plenary.agenda.models import AgendaItem
from plenary.auth.access import organizer_required, viewer_required
from plenary.config import DEFAULT_TIMEZONE
from plenary.events.changes import told_counts
from plenary.events.checks import Problem
from plenary.events.editing import save_plenary, set_status
from plenary.events.exchange import ExchangeError, export_plenary
from plenary.events.models import Plenary, PlenaryStatus
from plenary.events.services import plenary_or_404
from plenary.events.views import render_detail
from plenary.extensions import db
from plenary.registration.availability import seats
from plenary.registration.models import Registration, RegistrationStatus
from plenary.registration.states import DISPLAY_ORDER


def registration_counts(plenary_id: int) -> dict[str, int]:
    """The plenary's registrations counted by status."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count()).where(Registration.plenary_id == plenary_id)
        .group_by(Registration.status)
    ).all()  # fmt: skip
    return {status: count for status, count in rows}


def apply_errors(form, errors: list[str], fields: dict[str, str], prefix: str = "") -> list[str]:
    """Put each "path: message" error beside its form field; return the ones that fit no field."""
    rest = []
    for error in errors:
        path, _, message = error.partition(": ")
        if prefix:
            if not path.startswith(prefix):
                rest.append(readable(error))
                continue
            path = path[len(prefix):].lstrip(".")
        key = path.split("[")[0]
        name = fields.get(path) or fields.get(key)
        field = form._fields.get(name) if name and "-" not in name else None
        if name and "-" in name:
            outer, inner = name.split("-", 1)
            field = form[outer].form[inner] if outer in form._fields else None
        if field is None:
            rest.append(readable(error))
        else:
            field.errors = [*field.errors, readable(error) if isinstance(error, Problem) else message or error]
    return rest


def _preview_instants(form: PlenaryForm) -> dict:
    """The instants the form's date/time inputs mean (where they are complete and valid), for the zone display."""
    out = {}
    zone = form.timezone.data
    for date_name, time_name, key in form.MOMENTS:
        day, clock = form[date_name].data, form[time_name].data
        try:
            out[key] = to_instant(day, clock, zone) if day and clock and zone else None
        except (LocalTimeError, KeyError, ValueError):
            out[key] = None
    return out


def _render_form(form: PlenaryForm, plenary: Plenary | None, problems: list[str] = (), status: int = 200):
    return render_template("admin/plenary_form.html", form=form, plenary=plenary, problems=problems,
                           instants=_preview_instants(form), has_timed_agenda=bool(
                               plenary and any(item.starts_at for item in plenary.agenda_items)),
                           ), status  # fmt: skip


def _clashes(form: PlenaryForm, plenary: Plenary | None) -> bool:
    """Number and slug must be free (checked before saving, for messages in the organizer's language)."""
    ok = True
    if plenary is None and (form.slug.data in RESERVED_SLUGS
                            or db.session.scalar(sa.select(Plenary.id).where(Plenary.slug == form.slug.data))):
        form.slug.errors.append(gettext("This address name is taken by another plenary."))
        ok = False
    query = sa.select(Plenary.slug).where(Plenary.number == form.number.data)
    if plenary is not None:
        query = query.where(Plenary.id != plenary.id)
    if db.session.scalar(query):
        form.number.errors.append(gettext("Another plenary has this number already."))
        ok = False
    return ok


def _save(form: PlenaryForm, plenary: Plenary | None):
    """Validate, build the exchange document, save it; the response (a redirect, or the form with errors)."""
    if plenary is not None:
        form.slug.data = plenary.slug  # the identity: never changed by the edit form
    if not form.validate() or not _clashes(form, plenary):
        return _render_form(form, plenary, status=400)
    if plenary is None:
        doc = {"slug": form.slug.data, "status": PlenaryStatus.DRAFT, "agenda": []}
    else:
        doc = export_plenary(plenary, include_private=True)
    form.apply_to(doc)
    try:
        result = save_plenary(doc, move_agenda=bool(form.move_agenda.data))
    except ExchangeError as error:
        db.session.rollback()
        problems = apply_errors(form, error.errors, PLENARY_ERROR_FIELDS)
        return _render_form(form, plenary, problems, status=400)
    saved = result.plenary
    told = result.told is not None
    told_count = told_counts(saved.id).get(RegistrationStatus.CONFIRMED, 0) if told else 0
    db.session.commit()
    flash(gettext("The plenary was created as a draft.") if result.created else gettext("Saved."), "success")
    if told:
        flash(ngettext("%(num)s registered person was sent the change.",
                       "%(num)s registered people were sent the change.", told_count), "info")  # fmt: skip
    if result.promoted:
        flash(ngettext("%(num)s person moved up from the waiting list.",
                       "%(num)s people moved up from the waiting list.", len(result.promoted)), "info")  # fmt: skip
    return redirect(url_for("admin.plenary", slug=saved.slug))


@bp.route("/plenaries/new", methods=["GET", "POST"])
@organizer_required
def plenary_new():
    """Create a plenary (as a draft)."""
    form = PlenaryForm()
    if request.method == "POST":
        return _save(form, None)
    if not form.is_submitted():
        latest = db.session.scalar(sa.select(sa.func.max(Plenary.number)))
        form.number.data = (latest or 0) + 1
        form.timezone.data = DEFAULT_TIMEZONE
        form.waitlist.data = True
        form.format.data = "hybrid"
    return _render_form(form, None)


#: Path segments of the back office that a plenary's slug must not shadow (/admin/plenaries/new).
RESERVED_SLUGS = frozenset({"new"})


@bp.get("/plenaries/<slug>")
@viewer_required
def plenary(slug: str):
    """A plenary's back-office home: status, counts and the ways to change it."""
    plenary = plenary_or_404(slug)
    return render_template("admin/plenary_home.html", plenary=plenary, counts=registration_counts(plenary.id),
                           told=told_counts(plenary.id), confirm=ConfirmForm(), seats=seats(plenary),
                           statuses=DISPLAY_ORDER, gaps=translation_gaps(plenary))  # fmt: skip


@bp.route("/plenaries/<slug>/edit", methods=["GET", "POST"])
@organizer_required
def plenary_edit(slug: str):
    """Edit every field of a plenary but its status."""
    plenary = plenary_or_404(slug)
    form = PlenaryForm(current_zone=plenary.timezone)
    if request.method == "POST":
        return _save(form, plenary)
    form.fill(plenary)
    return _render_form(form, plenary)


@bp.get("/plenaries/<slug>/preview")
@viewer_required
def plenary_preview(slug: str):
    """The public page of the plenary exactly as the public sees (or will see) it, drafts too."""
    plenary = plenary_or_404(slug, selectinload(Plenary.agenda_items).selectinload(AgendaItem.speakers))
    return render_detail(plenary, template="admin/plenary_preview.html")


def _set_status(plenary: Plenary, status: str, action: str):
    """Save the plenary with a new status (through save_plenary: mails, sequence, audit); None if refused."""
    try:
        return set_status(plenary, status, action)
    except ExchangeError as error:
        db.session.rollback()
        flash(gettext("The plenary could not be saved: %(errors)s", errors="; ".join(readable_errors(error.errors))),
              "warning")  # fmt: skip
        return None


@bp.post("/plenaries/<slug>/publish")
@organizer_required
def plenary_publish(slug: str):
    """Publish a draft: it appears on the public site."""
    plenary = plenary_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        return render_template("errors/error.html", code=400), 400
    if plenary.status != PlenaryStatus.DRAFT:
        flash(gettext("Only a draft can be published."), "warning")
    elif _set_status(plenary, PlenaryStatus.PUBLISHED, "plenary.publish"):
        db.session.commit()
        flash(gettext("The plenary is published."), "success")
        gaps = translation_gaps(plenary)
        if gaps:  # a warning, not a block: the public page shows those texts in another language
            flash(gettext("Some texts are missing in a language; the public page shows them in another one: "
                          "%(gaps)s", gaps="; ".join(gaps)), "warning")  # fmt: skip
    return redirect(url_for("admin.plenary", slug=slug))


@bp.route("/plenaries/<slug>/cancel", methods=["GET", "POST"])
@organizer_required
def plenary_cancel(slug: str):
    """Ask, then cancel a published plenary: every registered person is told (calendar CANCEL if confirmed)."""
    plenary = plenary_or_404(slug)
    form = ConfirmForm()
    if plenary.status != PlenaryStatus.PUBLISHED:
        flash(gettext("Only a published plenary can be cancelled."), "warning")
        return redirect(url_for("admin.plenary", slug=slug))
    told = told_counts(plenary.id)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("errors/error.html", code=400), 400
        if _set_status(plenary, PlenaryStatus.CANCELLED, "plenary.cancel"):
            db.session.commit()
            flash(ngettext("The plenary is cancelled; %(num)s registered person is being told.",
                           "The plenary is cancelled; %(num)s registered people are being told.",
                           sum(told.values())), "success")  # fmt: skip
        return redirect(url_for("admin.plenary", slug=slug))
    return render_template("admin/plenary_cancel.html", plenary=plenary, told=told, form=form)
