"""Back-office forms for plenaries and their agenda: field shapes, limits, and the local-time rules.

Times are typed as a local date and time in the plenary's own zone. A time that does not exist there (skipped
when clocks go forward) is refused; one that occurs twice (clocks go back) means its first occurrence.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, available_timezones

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, StopValidation, ValidationError

from plenary.admin.language_fields import LANGUAGE_LABELS, add_language_fields, fill_language_fields, language_values
from plenary.admin.plenary_registration_fields import REGISTRATION_ERROR_FIELDS, RegistrationSettings
from plenary.agenda.models import AGENDA_KINDS
from plenary.config import DEFAULT_TIMEZONE
from plenary.events.checks import zone_names
from plenary.form_messages import FlaskForm
from plenary.form_messages import Form as _SubForm
from plenary.labels import AGENDA_KIND_LABELS, FORMAT_LABELS
from plenary.registration.forms import EmailAddress, choices
from plenary.validation import SLUG_PATTERN, multi_line, one_line, optional_choice

LANGS = ("de", "en", "zh")
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"
FIRST_ZONES = (DEFAULT_TIMEZONE, "Asia/Shanghai")


class LocalTimeError(ValueError):
    """A local date and time that does not exist in its zone (skipped by a daylight-saving change)."""


class DateRangeError(ValueError):
    """A date too far from now to be a plenary's (years before 1900 or after 2200 overflow time zones)."""


#: The years a plenary's dates may fall in.
YEARS = range(1900, 2201)


def to_instant(day: date, clock: time, zone: str) -> datetime:
    """The instant of the local ``day`` and ``clock`` in ``zone``; the first one when the time occurs twice.

    Raises ``LocalTimeError`` when the local time does not exist (clocks went forward over it); ValueError
    when ``zone`` is no IANA zone (typed: "Europe" is a folder).
    """
    if day.year not in YEARS:
        raise DateRangeError(day)
    if zone not in zone_names():
        raise ValueError("unknown time zone")
    tz = ZoneInfo(zone)
    local = datetime.combine(day, clock.replace(second=0, microsecond=0), tzinfo=tz).replace(fold=0)
    back = local.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise LocalTimeError(local)
    return local


def zone_choices(current: str | None = None) -> list:
    """Berlin and Shanghai first, then every IANA zone alphabetically (and ``current``, whatever its name)."""
    rest = {z for z in available_timezones() if z not in FIRST_ZONES and "/" in z and not z.startswith("Etc/")}
    if current and current not in FIRST_ZONES and current in available_timezones():
        rest.add(current)  # "UTC" or "Etc/GMT-8" from an import stays selectable
    return choices([(z, z) for z in FIRST_ZONES] + [(z, z) for z in sorted(rest)])


class Texts(_SubForm):
    """One short text per language (titles)."""

    def value(self) -> dict:
        """The filled languages as a {"de", "en", "zh"} dict."""
        return language_values(self)

    def set_value(self, value) -> None:
        """Fill from a dict, or put a plain string (valid in every language) into the German field."""
        value = value if isinstance(value, dict) else ({"de": value} if value else {})
        fill_language_fields(self, "", value, empty="")


add_language_fields(Texts, "", lambda lang: StringField(LANGUAGE_LABELS[lang], filters=[one_line],
                                                        validators=[Optional(), Length(max=300)]))  # fmt: skip


class ShortTexts(Texts):
    """A name that may be the same in every language (venue, organisation, party)."""

    def value(self):
        """A plain string when one language (or the same text everywhere) is given, else a dict; None if empty."""
        values = language_values(self)
        if not values:
            return None
        if len(set(values.values())) == 1:
            return next(iter(values.values()))
        return values


class LongTexts(Texts):
    """One longer text per language (summaries)."""


add_language_fields(LongTexts, "", lambda lang: TextAreaField(LANGUAGE_LABELS[lang], filters=[multi_line],
                    validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}))  # fmt: skip


class MarkdownTexts(Texts):
    """Markdown per language (descriptions)."""


add_language_fields(MarkdownTexts, "", lambda lang: TextAreaField(LANGUAGE_LABELS[lang], filters=[multi_line],
                    validators=[Optional(), Length(max=50000)], render_kw={"rows": 5}))  # fmt: skip


class Given:
    """Required input that keeps a parse error ("Not a valid date value.") instead of replacing it."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if not field.raw_data or not str(field.raw_data[0]).strip():
            raise StopValidation(_l("This field is required."))


def _needs_one_language(field) -> bool:
    """A title in at least one language (FormFields take no inline validators: called from ``validate``)."""
    if field.form.value():
        return True
    field.form.de.errors = [*field.form.de.errors, _l("Please enter a text in at least one language.")]
    return False


FORMAT_CHOICES = choices([(key, label) for key, label in FORMAT_LABELS.items()])
TIME_HINT = _l("Local time in the plenary's time zone. When clocks go back, a time that occurs twice means the first "
               "occurrence (summer time).")  # fmt: skip


URL_MESSAGE = _l("Please enter a web address starting with https:// or http://.")


class PlenaryForm(RegistrationSettings, FlaskForm):
    """Every field of a plenary but its status (which only the publish and cancel buttons change)."""

    number = IntegerField(_l("Number"), validators=[DataRequired(), NumberRange(min=1, max=1000)],
                          description=_l("12 for the 12th Plenary Assembly."))  # fmt: skip
    slug = StringField(_l("Address name (slug)"), filters=[one_line],
                       validators=[DataRequired(), Length(max=100), Regexp(SLUG_PATTERN, message=_l(
                           "Only lower-case letters, digits and single hyphens, e.g. 12th-plenary."))],
                       description=_l("The plenary's address: /plenaries/<slug>. Cannot be changed later."),
                       )  # fmt: skip
    title = FormField(Texts, label=_l("Title"))
    summary = FormField(LongTexts, label=_l("Summary"))
    description = FormField(MarkdownTexts, label=_l("Description (Markdown)"))
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
    start_date = DateField(_l("Start date"), validators=[Given()])
    start_time = TimeField(_l("Start time"), validators=[Given()])
    end_date = DateField(_l("End date"), validators=[Given()])
    end_time = TimeField(_l("End time"), validators=[Given()])
    move_agenda = BooleanField(_l("Move the agenda's times with the plenary's start"), default=True)
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, validators=[DataRequired()])
    venue_name = FormField(ShortTexts, label=_l("Venue"))
    venue_address = FormField(ShortTexts, label=_l("Address"))
    venue_city = FormField(ShortTexts, label=_l("City"))
    online_url = StringField(_l("Online meeting link (private)"), filters=[one_line],
                             validators=[Optional(), Length(max=500),
                                         Regexp(URL_PATTERN, message=URL_MESSAGE)],
                             description=_l("Reached by registered online attendees through their personal join "
                                            "link; never shown publicly."),
                             )  # fmt: skip
    online_url_cn = StringField(_l("Online meeting link for mainland China (private)"), filters=[one_line],
                                validators=[Optional(), Length(max=500),
                                            Regexp(URL_PATTERN, message=URL_MESSAGE)],
                                description=_l("For example Tencent Meeting / VooV. Participants from China are "
                                               "sent here, everyone else to the link above; each is offered the "
                                               "other as a fallback."),
                                )  # fmt: skip
    contact_email = StringField(_l("Contact email"), filters=[one_line],
                                validators=[Optional(), Length(max=254), EmailAddress()])  # fmt: skip
    opens_date = DateField(_l("Registration opens (date)"), validators=[Optional()])
    opens_time = TimeField(_l("Registration opens (time)"), validators=[Optional()])
    closes_date = DateField(_l("Registration closes (date)"), validators=[Optional()])
    closes_time = TimeField(_l("Registration closes (time)"), validators=[Optional()])
    # capacity, waiting list, offers, approval: RegistrationSettings (plenary_registration_fields.py)
    submit = SubmitField(_l("Save"))

    #: (date field, time field) pairs and their place in the exchange document.
    MOMENTS = (("start_date", "start_time", "starts_at"), ("end_date", "end_time", "ends_at"),
               ("opens_date", "opens_time", "registration.opens_at"),
               ("closes_date", "closes_time", "registration.closes_at"))  # fmt: skip

    def __init__(self, *args, current_zone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The plenary's own zone (or the one submitted) is always a choice, even an unusual one from an import.
        self.timezone.choices = zone_choices(current_zone or (request.form.get("timezone") if request else None))
        self.instants: dict[str, datetime | None] = {}

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the local times (existing, in order) computed into ``self.instants``."""
        ok = super().validate(extra_validators)
        ok = _needs_one_language(self.title) and ok
        ok = self.validate_registration_settings() and ok
        zone = self.timezone.data if self.timezone.data in {c.value for c in self.timezone.choices} else None
        for date_name, time_name, key in self.MOMENTS:
            day, clock = self[date_name].data, self[time_name].data
            self.instants[key] = None
            if day is None and clock is None or zone is None or self[date_name].errors or self[time_name].errors:
                continue
            if (day is None) != (clock is None):
                missing = self[time_name] if clock is None else self[date_name]
                missing.errors.append(_l("Please give both the date and the time."))
                ok = False
                continue
            try:
                self.instants[key] = to_instant(day, clock, zone)
            except DateRangeError:
                self[date_name].errors.append(_l("Please enter a date between %(first)s and %(last)s.",
                                                 first=YEARS[0], last=YEARS[-1]))  # fmt: skip
                ok = False
            except LocalTimeError:
                self[time_name].errors.append(_l("This time does not exist in %(zone)s on that day: the clocks go "
                                                 "forward then. Please choose another time.", zone=zone))  # fmt: skip
                ok = False
        start, end = self.instants.get("starts_at"), self.instants.get("ends_at")
        if start and end and end < start:
            self.end_time.errors.append(_l("The plenary cannot end before it starts."))
            ok = False
        opens, closes = self.instants.get("registration.opens_at"), self.instants.get("registration.closes_at")
        if opens and closes and closes < opens:
            self.closes_time.errors.append(_l("Registration cannot close before it opens."))
            ok = False
        if opens and end and opens >= end:  # the rule of events.checks, said at its field
            self.opens_date.errors.append(_l("Registration cannot open after the plenary has ended."))
            ok = False
        if not self.venue_name.value() and (self.venue_address.value() or self.venue_city.value()):
            self.venue_name.de.errors.append(_l("Please name the venue."))  # else address and city would be lost
            ok = False
        return ok

    def fill(self, plenary) -> None:
        """Show a stored plenary in the form (on GET)."""
        zone = plenary.zone
        self.number.data = plenary.number
        self.slug.data = plenary.slug
        self.title.set_value(plenary.title)
        self.summary.set_value(plenary.summary)
        self.description.set_value(plenary.description)
        self.timezone.data = plenary.timezone
        for (date_name, time_name, _key), moment in zip(self.MOMENTS, (
            plenary.starts_at, plenary.ends_at, plenary.registration_opens_at, plenary.registration_closes_at
        ), strict=True):  # fmt: skip
            local = moment.astimezone(zone) if moment else None
            self[date_name].data = local.date() if local else None
            self[time_name].data = local.time().replace(tzinfo=None) if local else None
        self.format.data = plenary.format
        self.venue_name.set_value(plenary.venue_name)
        self.venue_address.set_value(plenary.venue_address)
        self.venue_city.set_value(plenary.venue_city)
        self.online_url.data = plenary.online_url
        self.online_url_cn.data = plenary.online_url_cn
        self.contact_email.data = plenary.contact_email
        self.fill_registration_settings(plenary)

    def apply_to(self, doc: dict) -> dict:
        """Write the form's values into the exchange document ``doc`` (after ``validate``)."""
        zone = ZoneInfo(self.timezone.data)

        def iso(key):
            moment = self.instants.get(key)
            return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None

        doc["number"] = self.number.data
        doc["title"] = self.title.value()
        doc["summary"] = self.summary.value()
        doc["description"] = self.description.value()
        doc["timezone"] = self.timezone.data
        doc["starts_at"], doc["ends_at"] = iso("starts_at"), iso("ends_at")
        doc["format"] = self.format.data
        name = self.venue_name.value()
        doc["venue"] = {"name": name, "address": self.venue_address.value(),
                        "city": self.venue_city.value()} if name else None  # fmt: skip
        doc["online_url"] = self.online_url.data or None
        doc["online_url_cn"] = self.online_url_cn.data or None
        doc["contact_email"] = self.contact_email.data or None
        registration = doc.get("registration") or {}
        registration.update({"opens_at": iso("registration.opens_at"), "closes_at": iso("registration.closes_at"),
                             **self.registration_settings()})  # fmt: skip
        doc["registration"] = registration
        return doc


#: Where an exchange error's path belongs in the plenary form.
PLENARY_ERROR_FIELDS = {
    "number": "number", "slug": "slug", "title": "title-de", "summary": "summary-de", "description": "description-de",
    "timezone": "timezone", "starts_at": "start_time", "ends_at": "end_time", "format": "format",
    "venue": "venue_name-de", "venue.name": "venue_name-de", "venue.address": "venue_address-de",
    "venue.city": "venue_city-de", "online_url": "online_url",
    "online_url_cn": "online_url_cn", "contact_email": "contact_email",
    "registration.opens_at": "opens_time", "registration.closes_at": "closes_time", **REGISTRATION_ERROR_FIELDS,
}  # fmt: skip


class SpeakerForm(_SubForm):
    """One speaker of an agenda item (a row of the FieldList)."""

    name = StringField(_l("Name"), filters=[one_line], validators=[Optional(), Length(max=200)])
    name_zh = StringField(_l("Name in Chinese characters"), filters=[one_line],
                          validators=[Optional(), Length(max=100)])
    honorific = FormField(ShortTexts, label=_l("Title or honorific"))
    position = FormField(Texts, label=_l("Position"))
    organisation = FormField(ShortTexts, label=_l("Organisation"))

    def value(self) -> dict | None:
        """The exchange-format speaker, or None for an empty row."""
        speaker = {
            "name": self.name.data or None, "name_zh": self.name_zh.data or None,
            "honorific": self.honorific.value(), "position": self.position.value(),
            "organisation": self.organisation.value(),
        }  # fmt: skip
        return speaker if any(v for v in speaker.values()) else None

    def set_value(self, speaker: dict) -> None:
        """Fill the row from an exchange-format speaker."""
        self.name.data = speaker.get("name") or ""
        self.name_zh.data = speaker.get("name_zh") or ""
        self.honorific.set_value(speaker.get("honorific"))
        self.position.set_value(speaker.get("position"))
        self.organisation.set_value(speaker.get("organisation"))


KIND_CHOICES = choices([(kind, AGENDA_KIND_LABELS[kind]) for kind in AGENDA_KINDS])


class AgendaItemForm(FlaskForm):
    """One agenda item with its speakers, parties and document."""

    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validators=[DataRequired()])
    title = FormField(Texts, label=_l("Title"))
    description = FormField(MarkdownTexts, label=_l("Description (Markdown)"))
    day = SelectField(_l("Day"), validators=[optional_choice()])
    start_time = TimeField(_l("Start time"), validators=[Optional()], description=TIME_HINT)
    duration_minutes = IntegerField(_l("Duration in minutes"), validators=[Optional(), NumberRange(min=0, max=1440)])
    speakers = FieldList(FormField(SpeakerForm), min_entries=0, max_entries=50)
    known_speaker = SelectField(_l("A speaker we know"), validators=[Optional()], validate_choice=False)
    add_known_speaker = SubmitField(_l("Add this speaker"))
    add_speaker = SubmitField(_l("Add a speaker"))
    parties = FieldList(FormField(ShortTexts), min_entries=0, max_entries=20)
    add_party = SubmitField(_l("Add a party"))
    document_title = FormField(ShortTexts, label=_l("Document title"))
    document_url = StringField(_l("Document address (URL)"), filters=[one_line],
                               validators=[Optional(), Length(max=500),
                                           Regexp(URL_PATTERN, message=URL_MESSAGE)])  # fmt: skip
    document_file = FileField(_l("Or upload a PDF"))
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators=None) -> bool:
        """Field checks and a title in at least one language."""
        ok = super().validate(extra_validators)
        return _needs_one_language(self.title) and ok

    def validate_speakers(self, field):
        """Every speaker needs a name or, for a representative not yet named, an organisation."""
        for entry in field.entries:
            value = entry.form.value()
            if value and not value["name"] and not value["organisation"]:
                entry.form.name.errors.append(_l("Please give a name or an organisation."))
                raise ValidationError(_l("Every speaker needs a name or an organisation."))


#: Where an exchange error's path (inside the item) belongs in the agenda item form.
AGENDA_ERROR_FIELDS = {
    "kind": "kind", "title": "title-de", "starts_at": "start_time", "duration_minutes": "duration_minutes",
    "description": "description-de", "document_title": "document_title-de", "document_url": "document_url",
    "speakers": "known_speaker", "parties": "add_party",
}  # fmt: skip


class ConfirmForm(FlaskForm):
    """An empty form for confirmed actions: CSRF protection only."""

    submit = SubmitField(_l("Confirm"))
