"""The registration form: field shapes, limits and validators only."""

from functools import lru_cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from plenary.countries import country_names, is_country
from plenary.form_messages import FlaskForm, Form
from plenary.i18n import LANGUAGE_NAMES, current_language
from plenary.members.services import sort_key
from plenary.validation import multi_line, normalised_email, one_line, optional_choice


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


SALUTATIONS = choices([("", "—"), ("ms", _l("Ms")), ("mr", _l("Mr")), ("mx", _l("Mx"))])
LANGUAGE_CHOICES = choices(list(LANGUAGE_NAMES.items()))
ATTENDANCE_CHOICES = choices([("in_person", _l("In person")), ("online", _l("Online"))])


class EmailAddress:
    """Check syntax with email-validator (no DNS lookup) and keep the normalised, lower-case address."""

    def __call__(self, form, field):
        if not field.data or field.process_errors:
            return  # empty, or already refused by its filter (line break, control character)
        address = normalised_email(field.data)
        if address is None:
            raise ValidationError(_l("Please enter a valid email address."))
        field.data = address


#: Babel territories that are not countries (pseudo-locales, unions, unknown, outlying).
FIRST_COUNTRIES = ("DE", "CN")  # listed first, before the others


def country_choices() -> list[SelectChoice]:
    """Countries named in the visitor's language, Germany and China first, then as readers sort them."""
    return choices(_country_pairs(current_language()))


@lru_cache(maxsize=8)
def _country_pairs(lang: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of ``country_choices`` in ``lang``, sorted once per process (CLDR's names do not change)."""
    names = country_names(lang)
    codes = sorted((c for c in names if is_country(c) and c not in FIRST_COUNTRIES),
                   key=lambda c: sort_key(names[c], lang))  # fmt: skip
    return (("", "—"), ("DE", names["DE"]), ("CN", names["CN"]), *((c, names[c]) for c in codes))



class DelegateForm(Form):
    """A further delegate of the same organisation (one row of the FieldList)."""

    salutation = SelectField(_l("Salutation"), choices=SALUTATIONS, validators=[optional_choice()])
    honorific = StringField(_l("Title or honorific"), filters=[one_line], validators=[Optional(), Length(max=100)])
    first_name = StringField(_l("First name"), filters=[one_line], validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), filters=[one_line], validators=[DataRequired(), Length(max=100)])
    name_zh = StringField(_l("Name in Chinese characters"), filters=[one_line], validators=[Optional(), Length(max=50)])
    email = StringField(_l("Email"), filters=[one_line], validators=[DataRequired(), Length(max=254), EmailAddress()])
    position = StringField(_l("Position"), filters=[one_line], validators=[Optional(), Length(max=200)])
    attendance = SelectField(_l("Attendance"), choices=ATTENDANCE_CHOICES, validators=[optional_choice()])
    # Empty: the head's language (rows posted by older pages carry none).
    language = SelectField(_l("Language of our messages"), validators=[optional_choice()],
                           choices=[SelectChoice("", _l("Same as yours")), *LANGUAGE_CHOICES])  # fmt: skip
    interpretation = BooleanField(_l("Needs simultaneous interpretation German ↔ Chinese"))
    dietary = StringField(_l("Dietary requirements"), filters=[one_line], validators=[Optional(), Length(max=300)])

    def person_data(self, head: dict | None = None) -> dict:
        """This delegate's own details; organisation, member city, country (and a language not chosen) are
        the head's: ``head``'s data, or left to the service (None)."""
        data = {
            "salutation": self.salutation.data or None, "honorific": self.honorific.data,
            "first_name": self.first_name.data, "last_name": self.last_name.data, "name_zh": self.name_zh.data,
            "email": self.email.data, "position": self.position.data, "attendance": self.attendance.data,
            "language": self.language.data or None, "interpretation": bool(self.interpretation.data),
            "dietary": self.dietary.data,
        }  # fmt: skip
        if head is not None:
            data |= {"organisation": head["organisation"], "member_id": head["member_id"], "country": head["country"],
                     "language": data["language"] or head["language"]}  # fmt: skip
        return data


class DetailsForm(FlaskForm):
    """Personal details; used to register and to edit on the personal page."""

    salutation = SelectField(_l("Salutation"), choices=SALUTATIONS, validators=[optional_choice()])
    honorific = StringField(_l("Title or honorific"), filters=[one_line], validators=[Optional(), Length(max=100)],
                            description=_l("For example Dr., Prof., Staatssekretär a. D., 市长"))  # fmt: skip
    first_name = StringField(_l("First name"), filters=[one_line], validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), filters=[one_line], validators=[DataRequired(), Length(max=100)])
    name_zh = StringField(_l("Name in Chinese characters"), filters=[one_line], validators=[Optional(), Length(max=50)])
    organisation = StringField(_l("Organisation"), filters=[one_line], validators=[DataRequired(), Length(max=200)])
    position = StringField(_l("Position"), filters=[one_line], validators=[Optional(), Length(max=200)])
    member_city = SelectField(_l("Member city or region"), validators=[optional_choice()], validate_choice=True)
    country = SelectField(_l("Country"), validators=[optional_choice()])
    phone = StringField(_l("Phone"), filters=[one_line], validators=[Optional(), Length(max=50)])
    language = RadioField(_l("Language of our messages to you"), choices=LANGUAGE_CHOICES,
                          validators=[InputRequired()])  # fmt: skip
    interpretation = BooleanField(_l("I need simultaneous interpretation German ↔ Chinese"))
    dietary = StringField(_l("Dietary requirements"), filters=[one_line], validators=[Optional(), Length(max=300)])
    remarks = TextAreaField(_l("Remarks"), filters=[multi_line], validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 3})  # fmt: skip
    consent_listing = BooleanField(_l("I may appear in the list of participants"))

    def fill_choices(self, member_choices: list[tuple[str, str]]) -> None:
        """Set the choices that depend on the database and the visitor's language."""
        self.member_city.choices = choices([("", _l("None")), *member_choices])
        self.country.choices = country_choices()

    def person_data(self) -> dict:
        """The submitted details as the registration service takes them."""
        return {
            "salutation": self.salutation.data or None,
            "honorific": self.honorific.data,
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "name_zh": self.name_zh.data,
            "organisation": self.organisation.data,
            "position": self.position.data,
            "member_id": int(self.member_city.data) if self.member_city.data else None,
            "country": self.country.data or None,
            "phone": self.phone.data,
            "language": self.language.data,
            "interpretation": self.interpretation.data,
            "dietary": self.dietary.data,
            "remarks": self.remarks.data,
            "consent_listing": self.consent_listing.data,
        }


class RegistrationForm(DetailsForm):
    """The sign-up form of a plenary, with optional further delegates."""

    email = StringField(_l("Email"), filters=[one_line], validators=[DataRequired(), Length(max=254), EmailAddress()])
    attendance = RadioField(_l("Attendance"), choices=ATTENDANCE_CHOICES, validators=[optional_choice()])
    consent_privacy = BooleanField(_l("I have read the privacy notice and agree to the processing of my data "
                                      "for this plenary."), validators=[DataRequired(_l("Please agree to the "
                                      "privacy notice to register."))])  # fmt: skip
    delegates = FieldList(FormField(DelegateForm), min_entries=0)
    # A trap for bots: hidden from people, so anything in it means a machine filled the form.
    website = StringField("Website", filters=[one_line])
    add_delegate = SubmitField(_l("Add a delegate"))
    submit = SubmitField(_l("Register"))

    def validate_delegates(self, field):
        """No email twice in one submission; not more delegates than allowed."""
        limit = current_app.config["REGISTRATION_MAX_DELEGATES"]
        if len(field.entries) > limit:
            raise ValidationError(_l("At most %(num)s further delegates per submission.", num=limit))
        seen = {self.email.data}
        for entry in field.entries:
            address = entry.form.email.data
            if address and address in seen:
                entry.form.email.errors.append(_l("This email address appears twice in the form."))
                raise ValidationError(_l("Each delegate needs their own email address."))
            seen.add(address)


#: Delegate rows arrive as ``delegates-<index>-<field>``; the prefix is the FieldList's name.
DELEGATE_PREFIX = "delegates-"


def _row(key: str) -> str:
    return key[len(DELEGATE_PREFIX):].split("-", 1)[0]


def delegate_rows(formdata) -> set[str]:
    """The delegate row indices in submitted form data, read from the keys alone (cheap, before any form is built).

    Every distinct index counts, also ones WTForms would skip: the count can only be too high, never too low.
    """
    return {_row(key) for key in formdata if key.startswith(DELEGATE_PREFIX)}


def with_at_most(formdata, rows: int) -> MultiDict:
    """``formdata`` with the head's fields and only the first ``rows`` delegate rows (to show a refused form)."""
    kept = set(sorted((i for i in delegate_rows(formdata) if i.isascii() and i.isdecimal()), key=int)[:rows])
    return MultiDict([(key, value) for key, value in formdata.items(multi=True)
                      if not key.startswith(DELEGATE_PREFIX) or _row(key) in kept])  # fmt: skip


class ConfirmForm(FlaskForm):
    """An empty form for confirmed actions (cancel, erase): CSRF protection only."""

    submit = SubmitField(_l("Confirm"))


class AttendanceForm(FlaskForm):
    """Switch between in person and online."""

    attendance = RadioField(_l("Attendance"), choices=ATTENDANCE_CHOICES, validators=[InputRequired()])
    submit = SubmitField(_l("Change attendance"))


class AddDelegateForm(FlaskForm):
    """One further member of one's delegation, added from one's personal page."""

    delegate = FormField(DelegateForm)
    submit = SubmitField(_l("Register this delegate"))


class EmailChangeForm(FlaskForm):
    """A new email address for one's registration (confirmed by a link sent to it)."""

    new_email = StringField(_l("New email address"), filters=[one_line],
                            validators=[DataRequired(), Length(max=254), EmailAddress()])  # fmt: skip
    submit = SubmitField(_l("Send the confirmation link"))
