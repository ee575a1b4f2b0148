"""Logging in and out of the back office, and changing one's password."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from plenary.auth.access import safe_next
from plenary.auth.forms import LoginForm, PasswordForm
from plenary.auth.services import authenticate, change_password
from plenary.extensions import db, limiter

bp = Blueprint("auth", __name__, url_prefix="/admin")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Log in; the same message for an unknown address and a wrong password."""
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user)
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            return redirect(safe_next(form.next.data) or url_for("admin.dashboard"))
        form.form_errors.append(gettext("Email or password is wrong."))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Log out (POST with CSRF, so no link can log anyone out)."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        if change_password(current_user, form.current.data, form.new.data):
            db.session.commit()
            flash(gettext("Your password has been changed."))
            return redirect(url_for("admin.dashboard"))
        form.current.errors.append(gettext("This is not your current password."))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status
