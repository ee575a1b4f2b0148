"""Back office: accounts of the back office (admins only).

Admins create accounts, change their name, role and whether they are active, and set new passwords. The last
active admin can be neither demoted nor deactivated, and nobody deactivates themself. A deactivated account
cannot log in. A change of role, of the active flag or of the password ends all of the account's sessions at
once (an admin changing their own account gets a new session). The audit log records every change, never a
password or its hash.
"""

import secrets

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from plenary.admin.blueprint import bp
from plenary.audit.services import diff, record
from plenary.auth.access import admin_required, stay_logged_in
from plenary.auth.forms import MIN_PASSWORD
from plenary.auth.models import Role, User
from plenary.auth.services import create_user
from plenary.auth.sessions import end_all_sessions
from plenary.extensions import db
from plenary.labels import ROLE_LABELS
from plenary.registration.forms import EmailAddress, choices
from plenary.validation import one_line

ROLE_CHOICES = choices([(role, ROLE_LABELS[role]) for role in ("viewer", "organizer", "admin")])
TOO_SHORT = _l("The password must have at least %(num)s characters.", num=MIN_PASSWORD)
PASSWORD_HINT = _l("At least %(num)s characters. Left empty, a password is generated and shown once.", num=MIN_PASSWORD)


class AccountError(Exception):
    """A change that would leave the back office without an active admin, or lock oneself out."""


# --- forms ------------------------------------------------------------------------------------------------------


class NewAccountForm(FlaskForm):
    """A new back-office account."""

    email = StringField(_l("Email"), filters=[one_line], validators=[DataRequired(), Length(max=254), EmailAddress()])
    name = StringField(_l("Name"), filters=[one_line], validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="organizer")
    password = PasswordField(_l("Initial password"), description=PASSWORD_HINT,
                             validators=[Optional(), Length(min=MIN_PASSWORD, max=200, message=TOO_SHORT)])


class AccountForm(FlaskForm):
    """Name, role and whether the account may log in."""

    name = StringField(_l("Name"), filters=[one_line], validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active (may log in)"))


class SetPasswordForm(FlaskForm):
    """An admin sets another account's password."""

    password = PasswordField(_l("New password"), description=PASSWORD_HINT,
                             validators=[Optional(), Length(min=MIN_PASSWORD, max=200, message=TOO_SHORT)])


# --- services ---------------------------------------------------------------------------------------------------


def account_snapshot(user: User) -> dict:
    """What the audit log compares of an account (never the password hash)."""
    return {"email": user.email, "name": user.name, "role": user.role, "active": user.is_active}


def generate_password() -> str:
    """A random password of 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def other_active_admins(user_id: int) -> int:
    """How many active admins there are besides ``user_id`` (rows locked on PostgreSQL until the commit)."""
    ids = db.session.scalars(
        sa.select(User.id).where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user_id)
        .with_for_update()
    ).all()  # fmt: skip
    return len(ids)


def add_account(email: str, role: str, name: str | None, password: str | None) -> tuple[User, str | None]:
    """Create an account; returns it and the generated password (None if one was given). Flushes.

    Raises ValueError if the address has an account already.
    """
    generated = None if password else generate_password()
    user = create_user(email, Role(role), password or generated, name=name)
    record("account.create", user, object_type="user", summary=user.email,
           changes=diff({}, account_snapshot(user)))  # fmt: skip
    return user, generated


def update_account(user: User, name: str | None, role: str, active: bool) -> dict:
    """Change name, role and active; refuses to demote or deactivate the last active admin, or oneself. Flushes.

    A change of role or active flag ends every session of the account.
    """
    if user.id == current_user.id and not active:
        raise AccountError(gettext("You cannot deactivate your own account."))
    losing_admin = user.role == Role.ADMIN and user.is_active and (role != Role.ADMIN or not active)
    if losing_admin and other_active_admins(user.id) == 0:
        raise AccountError(gettext("This is the last active administrator: make another account an administrator "
                                   "first."))  # fmt: skip
    before = account_snapshot(user)
    user.name, user.role, user.is_active = name, role, active
    db.session.flush()
    changes = diff(before, account_snapshot(user))
    if changes:
        record("account.update", user, object_type="user", summary=user.email, changes=changes)
    if "role" in changes or "active" in changes:
        end_all_sessions(user)
    return changes


def set_account_password(user: User, password: str | None) -> str | None:
    """Set a new password (a generated one if None, returned), ending the account's sessions; logged without any
    password value. Flushes."""
    generated = None if password else generate_password()
    user.set_password(password or generated)
    db.session.flush()
    end_all_sessions(user)
    record("account.password", user, object_type="user", summary=user.email,
           changes={"password": ["—", gettext("changed")]})  # fmt: skip
    return generated


# --- views ------------------------------------------------------------------------------------------------------


@bp.get("/accounts")
@admin_required
def accounts():
    """Every back-office account."""
    users = db.session.scalars(sa.select(User).order_by(User.is_active.desc(), User.email)).all()
    return render_template("admin/accounts.html", users=users)


@bp.route("/accounts/new", methods=["GET", "POST"])
@admin_required
def account_new():
    """Create an account with a chosen or a generated initial password (shown once)."""
    form = NewAccountForm()
    if form.validate_on_submit():
        try:
            user, generated = add_account(form.email.data, form.role.data, form.name.data, form.password.data)
        except ValueError:
            db.session.rollback()
            form.email.errors.append(gettext("There is an account with this address already."))
        else:
            db.session.commit()
            if generated:
                return _show_password(user, generated)
            flash(gettext("The account has been created."), "success")
            return redirect(url_for("admin.account_edit", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/accounts_new.html", form=form), status


def _show_password(user: User, password: str):
    """The generated password, once: in this answer only (never in the session or a flash message)."""
    return render_template("admin/accounts_password.html", user=user, password=password)


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def account_edit(user_id: int):
    """Change an account's name, role and whether it is active."""
    user = db.get_or_404(User, user_id)
    form = AccountForm()
    if request.method == "GET":
        form.name.data, form.role.data, form.active.data = user.name, user.role, user.is_active
    if form.validate_on_submit():
        try:
            changes = update_account(user, form.name.data, form.role.data, form.active.data)
        except AccountError as refused:
            db.session.rollback()
            form.form_errors.append(str(refused))
        else:
            if user.id == current_user.id:
                stay_logged_in(user)
            db.session.commit()
            flash(gettext("Saved.") if changes else gettext("Nothing changed."), "success")
            return redirect(url_for("admin.account_edit", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/accounts_edit.html", user=user, form=form, password_form=SetPasswordForm()), status


@bp.post("/accounts/<int:user_id>/password")
@admin_required
def account_password(user_id: int):
    """Set a new password for an account (a generated one is shown once)."""
    user = db.get_or_404(User, user_id)
    password_form = SetPasswordForm()
    if not password_form.validate_on_submit():
        form = AccountForm(formdata=None, data={"name": user.name, "role": user.role, "active": user.is_active})
        return render_template("admin/accounts_edit.html", user=user, form=form, password_form=password_form), 400
    generated = set_account_password(user, password_form.password.data)
    if user.id == current_user.id:
        stay_logged_in(user)
    db.session.commit()
    if generated:
        return _show_password(user, generated)
    flash(gettext("The password has been changed."), "success")
    return redirect(url_for("admin.account_edit", user_id=user.id))
