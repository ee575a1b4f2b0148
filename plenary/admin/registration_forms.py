"""The organizers' forms for a registration: edit details, add someone by hand."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from plenary.registration.forms import ATTENDANCE_CHOICES, LANGUAGE_CHOICES, DetailsForm, EmailAddress
from plenary.validation import one_line


class OrganizerDetailsForm(DetailsForm):
    """A registration's details as organizers edit them: the public form's fields, the email, in the third person."""

    email = StringField(_l("Email"), filters=[one_line], validators=[DataRequired(), Length(max=254), EmailAddress()])
    language = RadioField(_l("Language of our messages"), choices=LANGUAGE_CHOICES, validators=[InputRequired()])
    interpretation = BooleanField(_l("Needs simultaneous interpretation German ↔ Chinese"))
    consent_listing = BooleanField(_l("Agreed to appear in the list of participants"))

    def person_data(self) -> dict:
        """The submitted details (with the email) as the registration services take them."""
        return super().person_data() | {"email": self.email.data}


class NewRegistrationForm(OrganizerDetailsForm):
    """Someone registered by an organizer (who phoned or wrote): details, attendance, whether to send mail."""

    attendance = RadioField(_l("Attendance"), choices=ATTENDANCE_CHOICES, validators=[InputRequired()])
    send_messages = BooleanField(_l("Send the usual messages (confirmation, waiting list …)"), default=True,
                                 validators=[Optional()])  # fmt: skip

    def limit_attendance(self, modes: tuple[str, ...]) -> None:
        """Offer only the attendance modes the plenary has."""
        self.attendance.choices = [choice for choice in ATTENDANCE_CHOICES if choice.value in modes]
