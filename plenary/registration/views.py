"""Sign-up and the personal registration page."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext

import plenary.ratelimits as ratelimits
from plenary.checkin.services import checkin_code, qr_svg
from plenary.events.services import get_public_plenary
from plenary.extensions import db, limiter
from plenary.i18n import current_language
from plenary.join import services as join_services
from plenary.legal import legal_details
from plenary.members.services import member_choices
from plenary.questions.signup import signup_form, store_answers
from plenary.registration import availability, changes, delegation, errors, offers, signup, states, waitlist
from plenary.registration.forms import (
    AddDelegateForm,
    AttendanceForm,
    ConfirmForm,
    DetailsForm,
    RegistrationForm,
    delegate_rows,
    with_at_most,
)
from plenary.registration.privacy import erase as erase_registration
from plenary.registration.privacy import personal_data
from plenary.registration.tokens import registration_or_404
from plenary.rows import add_row, remove_row

bp = Blueprint("registration", __name__)


def _rate_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _form_rate_limit() -> str:
    return current_app.config["REGISTRATION_FORM_RATE_LIMIT"]


def _personal_rate_limit() -> str:
    return current_app.config["REGISTRATION_PERSONAL_RATE_LIMIT"]


#: One budget for every POST on personal pages (per client address), whichever page it is.
personal_page_limit = limiter.shared_limit(_personal_rate_limit, scope="registration-personal", methods=["POST"])


def _form_for(plenary, form_class=RegistrationForm, keep_member: int | None = None, **kwargs):
    form = form_class(**kwargs)
    # A retired member city stays a valid choice for registrations that already name it.
    form.fill_choices(member_choices(current_language(), keep=keep_member))
    return form


@bp.route("/plenaries/<slug>/register", methods=["GET", "POST"])
# Every POST counts here (row presses and forms with mistakes too); registrations stored count again, in the view.
@limiter.limit(_form_rate_limit, methods=["POST"])
def register(slug: str):
    """Show the sign-up form, or register the person and their delegation."""
    plenary = get_public_plenary(slug, with_agenda=False)  # the form shows no agenda (two queries fewer)
    if plenary is None:
        abort(404)
    try:
        signup.check_open(plenary)
    except errors.RegistrationClosed as closed:
        return render_template("registration/closed.html", plenary=plenary, reason=closed.code)
    modes = states.attendance_modes(plenary)
    seats = availability.seats(plenary)  # said at the attendance choice (one query)
    most = current_app.config["REGISTRATION_MAX_DELEGATES"]
    form_class, asked = signup_form(plenary.id)  # with the plenary's questions (plenary/questions/signup.py)
    if request.method == "POST" and len(delegate_rows(request.form)) > most:
        # Refused before any row is built or checked: the cost stays that of a normal form, and so does the answer.
        form = _form_for(plenary, form_class, formdata=with_at_most(request.form, most))
        form.form_errors.append(gettext("At most %(num)s further delegates per submission.", num=most))
        page = render_template("registration/form.html", plenary=plenary, form=form, modes=modes, seats=seats,
                               asked=asked)  # fmt: skip
        return page, 400
    form = _form_for(plenary, form_class)
    if request.method == "GET":
        form.language.data = form.language.data or current_language()
        form.attendance.data = form.attendance.data or availability.default_mode(seats)
    if request.method == "POST" and _is_row_change():
        # Whatever else such a press carries, it only changes the rows shown: it never stores.
        _change_delegate_rows(form)
        return render_template("registration/form.html", plenary=plenary, form=form, modes=modes, seats=seats,
                               asked=asked)  # fmt: skip
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: answer as if all went well, store nothing
            return redirect(url_for(".sent", slug=slug))
        # Counted only now, atomically in the shared storage: forms with mistakes do not use up a delegate's budget,
        # and a burst of parallel submissions cannot all pass one check. The budget counts people, not submissions:
        # each registration stored sends a stranger's address a message.
        head, delegates = _people(form, modes)
        if not ratelimits.spend(_rate_limit(), "registration", ratelimits.client_address(), cost=1 + len(delegates)):
            abort(429)
        try:
            result = signup.register(plenary.id, head, delegates)
            store_answers(form, asked, result, modes)
        except errors.CapacityReached as full:
            db.session.rollback()
            form.form_errors.append(_capacity_message(full.details.get("attendance")))
            seats = availability.seats(plenary)  # as the refusal found them
        except errors.RegistrationClosed as closed:
            db.session.rollback()
            return render_template("registration/closed.html", plenary=plenary, reason=closed.code)
        else:
            db.session.commit()
            return redirect(url_for(".sent", slug=slug))
    status = 400 if request.method == "POST" else 200
    page = render_template("registration/form.html", plenary=plenary, form=form, modes=modes, seats=seats, asked=asked)
    return page, status


def _is_row_change() -> bool:
    """True for "add delegate" / "remove" presses (with any value): they only change the rows shown."""
    return "add_delegate" in request.form or "remove_delegate" in request.form


def _change_delegate_rows(form: RegistrationForm) -> None:
    """Handle "add delegate" / "remove" buttons (which work without JavaScript); odd values change nothing."""
    if "add_delegate" in request.form:
        add_row(form.delegates, current_app.config["REGISTRATION_MAX_DELEGATES"])
    else:
        remove_row(form.delegates, request.form.get("remove_delegate"))


def _people(form: RegistrationForm, modes: tuple[str, ...]) -> tuple[dict, list[dict]]:
    """The head's and the delegates' data as the service takes them."""
    default_mode = modes[0]
    head = form.person_data() | {
        "email": form.email.data,
        "attendance": form.attendance.data if form.attendance.data in modes else default_mode,
        "consent_privacy": form.consent_privacy.data,
    }
    delegates = []
    for entry in form.delegates.entries:
        delegate = entry.form.person_data(head)
        if delegate["attendance"] not in modes:
            delegate["attendance"] = head["attendance"]
        delegates.append(delegate)
    return head, delegates


def _capacity_message(attendance: str | None) -> str:
    if attendance == "online":
        return gettext("There are no online places left, and this plenary has no waiting list.")
    return gettext("There are no seats left, and this plenary has no waiting list.")


@bp.get("/plenaries/<slug>/register/sent")
def sent(slug: str):
    """The same answer for new and known addresses: check your email."""
    plenary = get_public_plenary(slug)
    if plenary is None:
        abort(404)
    return render_template("registration/sent.html", plenary=plenary)


@bp.get("/registrations/<token>")
def personal(token: str):
    """The registrant's own page: status, details, agenda, actions."""
    registration = registration_or_404(token)
    attendance_form = AttendanceForm(attendance=registration.attendance)
    # Only the people this head's own submissions registered; a delegate has none (one query either way at most).
    is_head = registration.delegation_head_id is None and registration.registered_by_name is None
    colleagues = delegation.delegation_rows(registration) if is_head else []
    about = request.args.get("colleague", "")
    named = next((c for c, _actions in colleagues if str(c.id) == about and c.anonymised_at is None), None)
    return render_template(
        "registration/personal.html",
        registration=registration,
        plenary=registration.plenary,
        token=token,
        modes=states.attendance_modes(registration.plenary),
        attendance_form=attendance_form,
        confirm_form=ConfirmForm(),
        qr_svg=qr_svg,
        checkin_code=checkin_code,
        actions=states.allowed_actions(registration, "registrant"),
        colleagues=colleagues,
        named=named,
        notice=request.args.get("done"),
        position=waitlist.position(registration),
        join=join_services.join_link_view(registration),
    )


@bp.route("/registrations/<token>/delegates", methods=["GET", "POST"])
@personal_page_limit
def add_delegate(token: str):
    """Register a further member of one's delegation (the head's own page: the only way to join a delegation)."""
    registration = registration_or_404(token)
    if not signup.can_add_delegates(registration):
        return redirect(url_for(".personal", token=token, done="not_possible"))
    modes = states.attendance_modes(registration.plenary)
    seats = availability.seats(registration.plenary)  # said above the colleague's attendance choice
    form = AddDelegateForm()
    if request.method == "GET":
        form.delegate.attendance.data = availability.default_mode(seats, preferred=registration.attendance)
        form.delegate.language.data = registration.language
    if form.validate_on_submit():
        # It stores a registration: the same budget as the public form's registrations.
        if not ratelimits.spend(_rate_limit(), "registration", ratelimits.client_address()):
            abort(429)
        delegate = form.delegate.form.person_data()
        return _act(token, "delegate_added", lambda: signup.add_delegates(registration.id, [delegate]))
    status = 400 if request.method == "POST" else 200
    return render_template("registration/add_delegate.html", registration=registration, plenary=registration.plenary,
                           form=form, token=token, modes=modes, seats=seats), status  # fmt: skip


@bp.route("/registrations/<token>/edit", methods=["GET", "POST"])
@personal_page_limit
def edit(token: str):
    """Edit one's details."""
    registration = registration_or_404(token)
    form = _form_for(registration.plenary, DetailsForm, keep_member=registration.member_id, obj=registration)
    if request.method == "GET":
        form.member_city.data = str(registration.member_id) if registration.member_id else ""
        form.country.data = registration.country or ""
        form.salutation.data = registration.salutation or ""
    if form.validate_on_submit():
        try:
            changes.update_details(registration.id, form.person_data())
        except errors.InvalidTransition:
            db.session.rollback()
            abort(409)
        db.session.commit()
        return redirect(url_for(".personal", token=token, done="saved"))
    status = 400 if request.method == "POST" else 200
    return render_template("registration/edit.html", registration=registration, form=form, token=token), status


@bp.post("/registrations/<token>/attendance")
@personal_page_limit
def attendance(token: str):
    """Switch between in person and online, if there is room."""
    registration = registration_or_404(token)
    form = AttendanceForm()
    if not form.validate_on_submit() or registration.plenary.has_ended():  # nothing to switch once it is over
        return redirect(url_for(".personal", token=token))
    return _act(token, "attendance", lambda: changes.switch_attendance(registration.id, form.attendance.data))


def _act(token: str, done: str, action, colleague: int | None = None):
    """Run a seat-changing action from the personal page; commit, and say on the page how it went.

    ``colleague``: the id of the head's colleague it was about, so the page can name them (only if they are
    among the head's own colleagues: the page looks them up there).
    """
    try:
        action()
    except errors.CapacityReached:
        db.session.rollback()
        done = "full"
    except errors.RegistrationError as refused:
        db.session.rollback()
        done = "offer_lapsed" if refused.code == "offer_lapsed" else "not_possible"  # the page says why
    else:
        db.session.commit()
    about = colleague if done.startswith("colleague_") else None
    return redirect(url_for(".personal", token=token, done=done, colleague=about))


@bp.route("/registrations/<token>/cancel", methods=["GET", "POST"])
@personal_page_limit
def cancel(token: str):
    """Ask, then cancel the registration."""
    registration = registration_or_404(token)
    if registration.plenary.has_ended():  # an attendance (and its certificate) is not undone afterwards
        return redirect(url_for(".personal", token=token))
    form = ConfirmForm()
    if form.validate_on_submit():
        return _act(token, "cancelled", lambda: changes.cancel(registration.id))
    return render_template("registration/confirm.html", registration=registration, token=token, form=form,
                           action="cancel")  # fmt: skip


@bp.post("/registrations/<token>/offer/accept")
@personal_page_limit
def accept_offer(token: str):
    """Accept the place held for one (an offer from the waiting list); refused after its deadline."""
    registration = registration_or_404(token)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".personal", token=token))
    return _act(token, "accepted", lambda: offers.accept(registration.id))


@bp.route("/registrations/<token>/offer/decline", methods=["GET", "POST"])
@personal_page_limit
def decline_offer(token: str):
    """Ask, then decline the place held for one (it goes to the next on the waiting list)."""
    registration = registration_or_404(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        return _act(token, "declined", lambda: offers.decline(registration.id))
    return render_template("registration/confirm.html", registration=registration, token=token, form=form,
                           action="decline")  # fmt: skip


@bp.post("/registrations/<token>/reactivate")
@personal_page_limit
def reactivate(token: str):
    """Register again after cancelling."""
    registration = registration_or_404(token)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".personal", token=token))
    return _act(token, "reactivated", lambda: changes.reactivate(registration.id))


@bp.get("/registrations/<token>/data.json")
def data(token: str):
    """Download everything stored about oneself."""
    registration = registration_or_404(token)
    # Readable in an editor: indented, Chinese as characters rather than \u escapes.
    body = current_app.json.dumps(personal_data(registration), ensure_ascii=False, indent=2)
    response = current_app.response_class(body + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="registration-{registration.plenary.slug}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/registrations/<token>/erase", methods=["GET", "POST"])
@personal_page_limit
def erase(token: str):
    """Ask, then anonymise the registration."""
    registration = registration_or_404(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        slug = registration.plenary.slug
        erase_registration(registration.id)
        db.session.commit()
        return render_template("registration/erased.html", slug=slug)
    return render_template("registration/confirm.html", registration=registration, token=token, form=form,
                           action="erase")  # fmt: skip


@bp.get("/privacy")
def privacy():
    """The privacy notice, with the controller and the retention periods as configured (plenary/legal.py)."""
    return render_template("legal/privacy.html", legal=legal_details(current_language()))
