"""Back office: a plenary's registrations — list, a registration's page and actions, participant list."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from plenary.admin.attendance_corrections import correction_message, day_choices
from plenary.admin.audit_labels import action_label, change_rows
from plenary.admin.blueprint import bp
from plenary.admin.organizer_notice import NOTICE_LABELS
from plenary.admin.registration_forms import NewRegistrationForm, OrganizerDetailsForm
from plenary.admin.services import (
    SORTS,
    RegistrationFilter,
    delegate_counts,
    list_summary,
    registration_list,
    registration_messages,
    valid_sort,
)
from plenary.attendance.corrections import channels_of
from plenary.audit.services import history
from plenary.auth.access import organizer_required, viewer_required
from plenary.countries import country_names
from plenary.db import utcnow
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.i18n import current_language
from plenary.labels import REGISTRATION_STATUS_LABELS
from plenary.members.services import member_choices
from plenary.registration import changes, errors, organizer, states
from plenary.registration.models import Registration
from plenary.registration.participants import (
    attended_participants,
    published_participants,
    set_participants_published,
)

PER_PAGE = 50


@bp.get("/plenaries/<slug>/registrations")
@viewer_required
def registrations(slug: str):
    """A plenary's registrations: search, filters, sorting, pagination, counts, the export form (_export_form.html)."""
    plenary = plenary_or_404(slug)
    filters = RegistrationFilter.from_args(request.args)
    sort = valid_sort(request.args.get("sort"))
    page = min(max(request.args.get("page", 1, type=int), 1), 10_000)
    pagination = registration_list(plenary.id, filters, sort, page, PER_PAGE)
    lang = current_language()
    head = None
    if filters.delegation.isdecimal():
        head = db.session.get(Registration, int(filters.delegation))
    summary = list_summary(plenary.id)
    # The preview of the participant list (one query, and only when someone may be listed).
    # The list's preview only on request: with thousands of listed people it would weigh on every page of the list.
    show_listed = summary.listed and request.args.get("participants") == "1"
    listed = published_participants(plenary, lang, preview=True) if show_listed else []
    # Attended / not attended per mode once the plenary has begun (or someone is recorded); "as attended" on request.
    show_attendance = bool(summary.attended) and (plenary.starts_at <= utcnow()
                                                  or any(a.attended for a in summary.attended.values()))  # fmt: skip
    as_attended = attended_participants(plenary.id) if request.args.get("participants") == "attended" else None
    return render_template(
        "admin/registrations.html", plenary=plenary, pagination=pagination, filters=filters, sort=sort,
        sorts=SORTS, list_args=filters.args() | {"sort": sort}, summary=summary, participants=listed,
        delegates=delegate_counts([r.id for r in pagination.items]), members=member_choices(lang),
        countries=_country_names(lang), head=head,
        takes_registrations_by_hand=states.takes_registrations_by_hand,
        modes=states.attendance_modes(plenary), notice_labels=NOTICE_LABELS, show_attendance=show_attendance,
        as_attended=as_attended,
    )  # fmt: skip


def _country_names(lang: str) -> dict[str, str]:
    return dict(country_names(lang))


@bp.get("/registrations/<int:registration_id>")
@viewer_required
def registration(registration_id: int):
    """One registration with every detail, its history and its messages (subjects only)."""
    registration = db.get_or_404(Registration, registration_id)
    plenary = registration.plenary
    return render_template(
        "admin/registration.html", registration=registration, plenary=plenary,
        history=_history(registration), messages=registration_messages(registration.id),
        modes=states.attendance_modes(plenary), country_names=_country_names(current_language()),
        actions=states.allowed_actions(registration, "organizer"), days=day_choices(plenary),
        attendance_note=correction_message("not_confirmed", registration), channels=channels_of(plenary),
    )  # fmt: skip


def _history(registration: Registration) -> list[dict]:
    """The registration's audit entries, their actions, fields and values named, times in the plenary's zone."""
    zone = registration.plenary.timezone
    return [{"entry": entry, "action": action_label(entry.action),
             "changes": change_rows(entry.changes, "registration", zone)}
            for entry in history("registration", registration.id)]  # fmt: skip


def _promote(registration_id: int):
    return organizer.promote(registration_id, above_capacity=request.form.get("above_capacity") == "1")


def _switch(registration_id: int):
    return changes.switch_attendance(registration_id, request.form.get("attendance", ""))


ACTIONS = {
    "approve": organizer.approve,
    "reject": organizer.reject,
    "cancel": changes.cancel,
    "promote": _promote,
    "attendance": _switch,
    "resend": organizer.resend_confirmation,
}


@bp.post("/registrations/<int:registration_id>/<action>")
@organizer_required
def registration_action(registration_id: int, action: str):
    """Approve, reject, cancel, promote from the waitlist, switch attendance, resend (organizers; CSRF)."""
    if action not in ACTIONS:
        abort(404)
    db.get_or_404(Registration, registration_id)
    try:
        ACTIONS[action](registration_id)
    except errors.CapacityReached as full:
        db.session.rollback()
        flash(_full_message(action, full.details.get("attendance")), "warning")
    except errors.RegistrationError:
        db.session.rollback()
        flash(gettext("That is not possible for this registration."), "warning")
    else:
        db.session.commit()
        flash(gettext("The message has been queued.") if action == "resend" else gettext("Done."), "success")
    return redirect(url_for("admin.registration", registration_id=registration_id))


def _full_message(action: str, attendance: str | None) -> str:
    if action == "promote":
        return gettext("No seat is free in this attendance mode. Tick “above capacity” to promote anyway.")
    if attendance == "online":
        return gettext("There are no online places left, and this plenary has no waiting list.")
    return gettext("There are no seats left, and this plenary has no waiting list.")


def _fill(form, registration: Registration | None = None) -> None:
    # A retired member city stays a choice for the registration that names it (else saving would drop it).
    form.fill_choices(member_choices(current_language(), keep=registration.member_id if registration else None))
    if registration is not None and request.method == "GET":
        form.member_city.data = str(registration.member_id) if registration.member_id else ""
        form.country.data = registration.country or ""
        form.salutation.data = registration.salutation or ""


@bp.route("/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@organizer_required
def registration_edit(registration_id: int):
    """Edit a registration's details, the email included (unique per plenary)."""
    registration = db.get_or_404(Registration, registration_id)
    if registration.anonymised_at is not None:
        flash(gettext("That is not possible for this registration."), "warning")
        return redirect(url_for("admin.registration", registration_id=registration_id))
    form = OrganizerDetailsForm(obj=registration)
    _fill(form, registration)
    if form.validate_on_submit():
        try:
            changes = organizer.organizer_update(registration_id, form.person_data())
        except errors.EmailTaken:
            db.session.rollback()
            form.email.errors.append(gettext("Another registration for this plenary uses this email address."))
        except errors.RegistrationError:
            db.session.rollback()
            flash(gettext("That is not possible for this registration."), "warning")
            return redirect(url_for("admin.registration", registration_id=registration_id))
        else:
            db.session.commit()
            flash(gettext("Saved.") if changes else gettext("Nothing was changed."), "success")
            return redirect(url_for("admin.registration", registration_id=registration_id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/registration_form.html", form=form, registration=registration,
                           plenary=registration.plenary), status  # fmt: skip


@bp.route("/plenaries/<slug>/registrations/new", methods=["GET", "POST"])
@organizer_required
def registration_new(slug: str):
    """Register someone by hand (who phoned): the capacity rules apply, the registration window does not."""
    plenary = plenary_or_404(slug)
    modes = states.attendance_modes(plenary)
    form = NewRegistrationForm()
    _fill(form)
    form.limit_attendance(modes)
    if request.method == "GET":
        form.language.data = form.language.data or current_language()
        form.attendance.data = form.attendance.data or modes[0]
    if form.validate_on_submit():
        data = form.person_data() | {"attendance": form.attendance.data}
        try:
            created = organizer.register_by_hand(plenary.id, data, send_messages=form.send_messages.data)
        except errors.EmailTaken:
            db.session.rollback()
            form.email.errors.append(gettext("Another registration for this plenary uses this email address."))
        except errors.CapacityReached as full:
            db.session.rollback()
            form.form_errors.append(_full_message("new", full.details.get("attendance")))
        except errors.RegistrationError:
            db.session.rollback()
            form.form_errors.append(gettext("This plenary takes no registrations."))
        else:
            db.session.commit()
            flash(gettext("%(name)s is registered: %(status)s.", name=created.display_name,
                          status=_status_label(created.status)), "success")  # fmt: skip
            return redirect(url_for("admin.registration", registration_id=created.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/registration_form.html", form=form, registration=None, plenary=plenary), status


def _status_label(status: str) -> str:
    return str(REGISTRATION_STATUS_LABELS[status])


@bp.post("/plenaries/<slug>/participants")
@organizer_required
def participants_publish(slug: str):
    """Publish (publish=1) or withdraw (publish=0) the participant list on the public plenary page."""
    plenary = plenary_or_404(slug)
    published = request.form.get("publish") == "1"
    set_participants_published(plenary.id, published)
    db.session.commit()
    flash(gettext("The participant list is published.") if published else
          gettext("The participant list is no longer published."), "success")  # fmt: skip
    return redirect(url_for("admin.registrations", slug=slug, _anchor="participants"))
