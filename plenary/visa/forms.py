"""Visa letter forms: the delegate's request, the organizers' note, the plenary's settings (shapes only)."""

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, StopValidation, ValidationError

from plenary.form_messages import FlaskForm
from plenary.registration.forms import country_choices
from plenary.validation import multi_line, one_line, optional_choice
from plenary.visa.missions import OTHER, missions_for

#: One wording for every required field (ours, as the dates' ``Given`` says it; not WTForms' own).
REQUIRED = _l("This field is required.")


class Given:
    """Required input that keeps a date's parse error instead of replacing it with "required"."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if not field.raw_data or not str(field.raw_data[0]).strip():
            raise StopValidation(REQUIRED)


class AsInPassport:
    """Letters (of any script), spaces and the marks names use (- ' . , ( )): what a passport prints."""

    def __call__(self, form, field):
        if field.data and any(not (unicodedata.category(ch)[0] in "LM" or ch in " -'.,()") for ch in field.data):
            raise ValidationError(_l("Only letters, spaces, hyphens and apostrophes, as printed in the passport."))


def _upper(value):
    return value.upper().replace(" ", "") if isinstance(value, str) else value


class VisaRequestForm(FlaskForm):
    """What a letter needs: the passport's data, the planned stay and the mission where the person applies."""

    passport_name = StringField(_l("Name exactly as in the passport"), filters=[one_line], validators=[
        DataRequired(message=REQUIRED), Length(max=200), AsInPassport()])  # fmt: skip
    passport_number = StringField(_l("Passport number"), filters=[one_line, _upper], validators=[
        DataRequired(message=REQUIRED), Length(min=5, max=20),
        Regexp(r"^[A-Z0-9]+$", message=_l("Only Latin letters and digits, as printed in the passport.")),
    ])  # fmt: skip
    passport_expiry = DateField(_l("Passport valid until"), validators=[Given()])
    nationality = SelectField(_l("Nationality"), validators=[DataRequired(message=REQUIRED)])
    birth_date = DateField(_l("Date of birth"), validators=[Given()])
    birth_place = StringField(_l("Place of birth"), filters=[one_line], validators=[
        DataRequired(message=REQUIRED), Length(max=100), AsInPassport()])  # fmt: skip
    entry_date = DateField(_l("Planned date of entry"), validators=[Given()])
    exit_date = DateField(_l("Planned date of exit"), validators=[Given()])
    mission = SelectField(_l("Where you apply for the visa"), validators=[DataRequired(message=REQUIRED)])
    mission_other = StringField(_l("Other mission (its name and city)"), filters=[one_line],
                                validators=[Optional(), Length(max=300)])  # fmt: skip
    english = BooleanField(_l("I need the letter in English"))

    def fill_choices(self, host_country: str, lang: str) -> None:
        """The countries and missions in ``lang``; the missions that issue the host country's visas."""
        self.nationality.choices = country_choices()
        missions = [SelectChoice(m.key, m.name(lang)) for m in missions_for(host_country)]
        self.mission.choices = [SelectChoice("", "—"), *missions, SelectChoice(OTHER, _l("Another mission"))]

    def request_data(self) -> dict:
        """The request as the service takes it."""
        return {name: getattr(self, name).data for name in (
            "passport_name", "passport_number", "passport_expiry", "nationality", "birth_date", "birth_place",
            "entry_date", "exit_date", "mission", "mission_other", "english",
        )}  # fmt: skip


class NoteForm(FlaskForm):
    """The organizers' note to the person: what to correct, or why the request is declined."""

    note = TextAreaField(_l("Message to the delegate"), filters=[multi_line],
                         validators=[DataRequired(message=REQUIRED), Length(max=1000)])  # fmt: skip


class ApproveForm(FlaskForm):
    """Approve (CSRF only)."""


HOST_COUNTRIES = [SelectChoice("DE", _l("Germany (German missions in China)")),
                  SelectChoice("CN", _l("China (Chinese missions in Germany)"))]  # fmt: skip


class VisaSettingsForm(FlaskForm):
    """A plenary's visa letter settings."""

    offered = BooleanField(_l("Delegates may request a visa invitation letter"))
    host_country = SelectField(_l("Visa needed for"), choices=HOST_COUNTRIES, validators=[optional_choice()])
    costs_de = TextAreaField(_l("Who bears the costs (German)"), filters=[multi_line],
                             validators=[Optional(), Length(max=500)])  # fmt: skip
    costs_en = TextAreaField(_l("Who bears the costs (English)"), filters=[multi_line],
                             validators=[Optional(), Length(max=500)])  # fmt: skip
    costs_zh = TextAreaField(_l("Who bears the costs (Chinese)"), filters=[multi_line],
                             validators=[Optional(), Length(max=500)])  # fmt: skip
    signatory_name_de = StringField(_l("Signatory's name (German)"), filters=[one_line],
                                    validators=[Optional(), Length(max=200)])  # fmt: skip
    signatory_name_en = StringField(_l("Signatory's name (English)"), filters=[one_line],
                                    validators=[Optional(), Length(max=200)])  # fmt: skip
    signatory_name_zh = StringField(_l("Signatory's name (Chinese)"), filters=[one_line],
                                    validators=[Optional(), Length(max=200)])  # fmt: skip
    signatory_function_de = StringField(_l("Signatory's function (German)"), filters=[one_line],
                                        validators=[Optional(), Length(max=200)])  # fmt: skip
    signatory_function_en = StringField(_l("Signatory's function (English)"), filters=[one_line],
                                        validators=[Optional(), Length(max=200)])  # fmt: skip
    signatory_function_zh = StringField(_l("Signatory's function (Chinese)"), filters=[one_line],
                                        validators=[Optional(), Length(max=200)])  # fmt: skip

    def load(self, settings) -> None:
        """Fill the fields from stored settings."""
        self.offered.data = settings.offered
        self.host_country.data = settings.host_country
        for part in ("costs", "signatory_name", "signatory_function"):
            for lang in ("de", "en", "zh"):
                getattr(self, f"{part}_{lang}").data = (getattr(settings, part) or {}).get(lang)

    def values(self) -> dict:
        """The settings as the service stores them (texts per language, empty ones left out)."""
        values = {"offered": bool(self.offered.data), "host_country": self.host_country.data or "DE"}
        for part in ("costs", "signatory_name", "signatory_function"):
            values[part] = {lang: text for lang in ("de", "en", "zh") if (text := getattr(self, f"{part}_{lang}").data)}
        return values
