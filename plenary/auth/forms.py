"""Login and password forms."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from plenary.form_messages import FlaskForm
from plenary.validation import one_line

MIN_PASSWORD = 12


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), filters=[one_line], validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(), EqualTo("new")])
    submit = SubmitField(_l("Change password"))
