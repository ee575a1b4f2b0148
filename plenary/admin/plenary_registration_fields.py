"""The registration settings of the back office's plenary form: capacity, waiting list and its offers, approval.

A mixin of ``plenary_forms.PlenaryForm`` (fields, how a stored plenary fills them, how they go into the
exchange document ``registration``). A freed seat goes to the first on the waiting list at once
("automatic", as before), or is offered to them and held ``offer_hours`` hours for their answer.
"""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

#: The longest an offer may be held (30 days); the shortest is one hour.
MAX_OFFER_HOURS = 720
#: What the form suggests when organizers switch to offers (pretix's default is 48 h; visas need longer).
SUGGESTED_OFFER_HOURS = 72

FREED_SEAT_CHOICES = [
    ("automatic", _l("Give it to the next person on the waiting list at once")),
    ("offer", _l("Offer it to the next person and hold it for them until they answer (or the time runs out)")),
]


class RegistrationSettings:
    """Fields and their exchange-document mapping for a plenary's registration settings."""

    capacity_in_person = IntegerField(_l("Seats in person"), validators=[Optional(), NumberRange(min=0, max=100000)],
                                      description=_l("Empty: unlimited."))  # fmt: skip
    capacity_online = IntegerField(_l("Places online"), validators=[Optional(), NumberRange(min=0, max=100000)],
                                   description=_l("Empty: unlimited."))  # fmt: skip
    waitlist = BooleanField(_l("Waiting list when full"))
    freed_seat = SelectField(_l("When a place becomes free"), choices=FREED_SEAT_CHOICES, default="automatic")
    offer_hours = IntegerField(
        _l("Hours to accept an offered place"),
        validators=[Optional(), NumberRange(min=1, max=MAX_OFFER_HOURS)],
        description=_l("For example 72 (three days: time to check a flight or a visa appointment). A reminder goes "
                       "out 24 hours before the time runs out; the offer never lasts beyond the plenary's start."),
    )  # fmt: skip
    requires_approval = BooleanField(_l("Registrations need approval"))

    def validate_registration_settings(self) -> bool:
        """Offers need their hours (empty: the suggestion is taken, and the form says so)."""
        if self.freed_seat.data == "offer" and self.offer_hours.data is None and not self.offer_hours.errors:
            self.offer_hours.errors.append(_l("Please give the hours a person has to accept, e.g. %(num)s.",
                                              num=SUGGESTED_OFFER_HOURS))  # fmt: skip
            return False
        return True

    def fill_registration_settings(self, plenary) -> None:
        """Show a stored plenary's settings."""
        self.capacity_in_person.data = plenary.capacity_in_person
        self.capacity_online.data = plenary.capacity_online
        self.waitlist.data = plenary.waitlist
        self.freed_seat.data = "offer" if plenary.offer_hours else "automatic"
        self.offer_hours.data = plenary.offer_hours
        self.requires_approval.data = plenary.requires_approval

    def registration_settings(self) -> dict:
        """The settings as the exchange document's ``registration`` carries them (after validation)."""
        return {
            "capacity_in_person": self.capacity_in_person.data, "capacity_online": self.capacity_online.data,
            "waitlist": bool(self.waitlist.data), "requires_approval": bool(self.requires_approval.data),
            "offer_hours": self.offer_hours.data if self.freed_seat.data == "offer" else None,
        }  # fmt: skip


#: Where an exchange error's path belongs in the form (registration settings).
REGISTRATION_ERROR_FIELDS = {
    "registration.capacity_in_person": "capacity_in_person", "registration.capacity_online": "capacity_online",
    "registration.offer_hours": "offer_hours",
}  # fmt: skip
