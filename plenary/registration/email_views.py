"""Changing one's email address from the personal page (routes on the registration blueprint)."""

from flask import abort, current_app, redirect, render_template, url_for
from flask_babel import gettext

import plenary.ratelimits as ratelimits
from plenary.extensions import db
from plenary.i18n import use_language
from plenary.registration import email_change, errors
from plenary.registration.forms import ConfirmForm, EmailChangeForm
from plenary.registration.tokens import registration_or_404, token_for
from plenary.registration.views import bp, personal_page_limit


@bp.route("/registrations/<token>/email", methods=["GET", "POST"])
@personal_page_limit
def change_email(token: str):
    """Ask for a new address; the link that confirms it goes to that address."""
    registration = registration_or_404(token)
    if registration.anonymised_at is not None or not registration.is_active:
        return redirect(url_for(".personal", token=token, done="not_possible"))
    form = EmailChangeForm()
    if form.validate_on_submit():
        # It sends a message to an address a stranger may have typed: the budget of registrations.
        if not ratelimits.spend(current_app.config["REGISTRATION_RATE_LIMIT"], "registration",
                                ratelimits.client_address()):  # fmt: skip
            abort(429)
        try:
            changed = email_change.request_change(registration.id, form.new_email.data)
        except errors.RegistrationError:
            db.session.rollback()
            return redirect(url_for(".personal", token=token, done="not_possible"))
        db.session.commit()
        if changed:
            return redirect(url_for(".personal", token=token, done="email_sent"))
        form.new_email.errors.append(gettext("This is already the address of your registration."))
    status = 400 if form.is_submitted() else 200
    return render_template("registration/email_change.html", registration=registration, form=form,
                           token=token), status  # fmt: skip


@bp.route("/registrations/email/<signed>", methods=["GET", "POST"])
@personal_page_limit
def confirm_email(signed: str):
    """Show, then (on the button: mail scanners open links) make the change a confirmation link asks for."""
    try:
        change = email_change.verify(signed)
    except errors.RegistrationError as refused:
        return render_template("registration/email_confirm.html", problem=refused.code), 404
    registration = change.registration
    use_language(registration.language)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            email_change.confirm_change(signed)
        except errors.EmailTaken:
            db.session.rollback()
            return render_template("registration/email_confirm.html", problem="taken"), 409
        except errors.RegistrationError as refused:
            db.session.rollback()
            return render_template("registration/email_confirm.html", problem=refused.code), 409
        db.session.commit()
        return redirect(url_for(".personal", token=token_for(registration), done="email_changed"))
    return render_template("registration/email_confirm.html", problem=None, change=change, form=form)
