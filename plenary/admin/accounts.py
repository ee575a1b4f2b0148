"""Back office: accounts of the back office (admins only).

Admins create accounts, change their name, role and whether they are active, and set new passwords. The last
active admin can be neither demoted nor deactivated, and nobody deactivates themself. A deactivated account
cannot log in. A change of role, of the active flag or of the password ends all of the account's sessions at
once (an admin changing their own account gets a new session). The audit log records every change, never a
password or its hash (the changes and their entries: plenary.auth.services).
"""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from plenary.admin.blueprint import bp
from plenary.auth.access import admin_required, stay_logged_in
from plenary.auth.forms import MIN_PASSWORD
from plenary.auth.models import User
from plenary.auth.services import AccountError, add_account, set_account_password, update_account
from plenary.extensions import db
from plenary.form_messages import FlaskForm
from plenary.labels import ROLE_LABELS
from plenary.registration.forms import EmailAddress, choices
from plenary.validation import one_line

ROLE_CHOICES = choices([(role, ROLE_LABELS[role]) for role in ("viewer", "organizer", "admin")])
TOO_SHORT = _l("The password must have at least %(num)s characters.", num=MIN_PASSWORD)
PASSWORD_HINT = _l("At least %(num)s characters. Left empty, a password is generated and shown once.", num=MIN_PASSWORD)


# --- forms ------------------------------------------------------------------------------------------------------


class NewAccountForm(FlaskForm):
    """A new back-office account."""

    email = StringField(_l("Email"), filters=[one_line], validators=[DataRequired(), Length(max=254), EmailAddress()])
    name = StringField(_l("Name"), filters=[one_line], validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="organizer")
    password = PasswordField(_l("Initial password"), description=PASSWORD_HINT,
                             validators=[Optional(), Length(min=MIN_PASSWORD, message=TOO_SHORT),
                                         Length(max=200)])


class AccountForm(FlaskForm):
    """Name, role and whether the account may log in."""

    name = StringField(_l("Name"), filters=[one_line], validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active (may log in)"))


class SetPasswordForm(FlaskForm):
    """An admin sets another account's password."""

    password = PasswordField(_l("New password"), description=PASSWORD_HINT,
                             validators=[Optional(), Length(min=MIN_PASSWORD, message=TOO_SHORT),
                                         Length(max=200)])


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
            changes = update_account(user, form.name.data, form.role.data, form.active.data, by=current_user)
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
