"""Logging in and out of the back office, and changing one's password."""

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from plenary.auth import throttle
from plenary.auth.access import log_in, log_out, refresh_login_session, safe_next, stay_logged_in
from plenary.auth.forms import LoginForm, PasswordForm
from plenary.auth.services import authenticate, change_password
from plenary.extensions import db, limiter

bp = Blueprint("auth", __name__, url_prefix="/admin")

#: A door page (plenary.checkin.views) as the login's ``next``: the login then says why it is asked for.
_DOOR = re.compile(r"^/admin/plenaries/[^/?#]+/checkin(\?|$)")
bp.before_app_request(refresh_login_session)


@bp.route("/login", methods=["GET", "POST"])
# Failed attempts only (answered 400) count against the address; a success or a refusal (429) does not.
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               deduct_when=lambda response: response.status_code == 400)  # fmt: skip
def login():
    """Log in; the same message for an unknown address and a wrong password."""
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        if not throttle.may_try(form.email.data):
            abort(429)  # too many failures for this account, and this address has never logged in to it
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.failed(form.email.data)
        else:
            throttle.succeeded(form.email.data)
            log_in(user)
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("admin.dashboard"))
        form.form_errors.append(gettext("Email or password is wrong."))
    status = 400 if request.method == "POST" else 200
    ended = request.method == "GET" and request.args.get("ended") == "1"
    door = bool(_DOOR.match(safe_next(form.next.data) or ""))
    return render_template("auth/login.html", form=form, ended=ended, door=door), status


@bp.post("/logout")
@login_required
def logout():
    """Log out (POST with CSRF, so no link can log anyone out)."""
    log_out()
    db.session.commit()
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        if change_password(current_user, form.current.data, form.new.data):
            stay_logged_in(current_user._get_current_object())  # every session has ended: a new one here
            db.session.commit()
            flash(gettext("Your password has been changed."))
            return redirect(url_for("admin.dashboard"))
        form.current.errors.append(gettext("This is not your current password."))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status
