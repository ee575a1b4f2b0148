"""Forms of the back office's content areas: announcements and members (field shapes and validators only)."""

import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from plenary.admin.language_fields import add_language_fields
from plenary.config import DEFAULT_TIMEZONE
from plenary.form_messages import FlaskForm
from plenary.i18n import HTML_LANG
from plenary.registration.forms import choices, country_choices
from plenary.validation import SLUG_PATTERN, multi_line, one_line, optional_choice

#: Announcement times are typed and shown in Berlin time.
EDITING_ZONE = ZoneInfo(DEFAULT_TIMEZONE)

#: The alliance was founded in 2016 (the database refuses earlier years).
FOUNDING_YEAR = 2016

LANGUAGES = ("de", "en", "zh")

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def slugify(text: str, max_length: int = 120) -> str:
    """A URL slug from a (German) title: "Grußwort zur 10. Plenarversammlung" → "grusswort-zur-10-plenarversammlung"."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_GERMAN))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:max_length].rstrip("-")


def http_url(form, field):
    """Only absolute http(s) addresses with a host (no javascript:, data:, relative paths)."""
    if not field.data:
        return
    try:
        parts = urlsplit(field.data)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in field.data:
        raise ValidationError(_l("Please enter a web address starting with http:// or https://."))


def _translated(form_class, name: str, label, required_de: bool = False, textarea: bool = False,
                max_length: int = 300, rows: int = 3) -> None:  # fmt: skip
    """Add ``name_de``, ``name_en``, ``name_zh`` fields to ``form_class``."""
    labels = {"de": _l("%(label)s (German)", label=label), "en": _l("%(label)s (English)", label=label),
              "zh": _l("%(label)s (Chinese)", label=label)}  # fmt: skip
    field_class = TextAreaField if textarea else StringField
    text_filter = multi_line if textarea else one_line

    def field(lang: str):
        required = required_de and lang == "de"
        validators = [DataRequired() if required else Optional(), Length(max=max_length)]
        return field_class(labels[lang], filters=[text_filter], validators=validators,
                           render_kw={"rows": rows, "lang": HTML_LANG[lang]})  # fmt: skip

    add_language_fields(form_class, name, field)


class AnnouncementForm(FlaskForm):
    """A press release or greeting in up to three languages."""

    slug = StringField(_l("Address (slug)"), filters=[one_line],
                       validators=[Optional(), Length(max=120),
                                   Regexp(SLUG_PATTERN, message=_l("Only lowercase letters, digits and hyphens."))],
                       description=_l("Lowercase letters, digits and hyphens; left empty, it is made from the German "
                                      "title."))  # fmt: skip
    kind = SelectField(_l("Kind"), choices=choices([("press_release", _l("Press release")),
                                                     ("greeting", _l("Greeting"))]))  # fmt: skip
    published_at = DateTimeLocalField(_l("Published at (Berlin time)"), validators=[Optional()],
                                      format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
                                      description=_l("Empty: a draft. A future time: published then."))  # fmt: skip
    plenary = SelectField(_l("Linked plenary"), validators=[optional_choice()])

    def fill_choices(self, plenaries: list[tuple[str, str]]) -> None:
        """The plenaries one may link (id, label)."""
        self.plenary.choices = choices([("", _l("None")), *plenaries])

    def published_at_utc(self) -> datetime | None:
        """The typed Berlin time as an aware UTC instant, or None."""
        value = self.published_at.data
        return value.replace(tzinfo=EDITING_ZONE).astimezone(UTC) if value else None


_translated(AnnouncementForm, "title", _l("Title"), required_de=True, max_length=300)
_translated(AnnouncementForm, "place", _l("Place"), max_length=100)
_translated(AnnouncementForm, "lead", _l("Lead"), textarea=True, max_length=2000)
_translated(AnnouncementForm, "body", _l("Text (Markdown)"), textarea=True, max_length=50_000, rows=12)


class MemberForm(FlaskForm):
    """A member city or region, or an advisory board organisation."""

    key = StringField(_l("Key"), filters=[one_line],
                      validators=[DataRequired(), Length(max=80),
                                  Regexp(SLUG_PATTERN, message=_l("Only lowercase letters, digits and hyphens."))],
                      description=_l("A stable name for imports, e.g. koeln or foshan."))  # fmt: skip
    kind = SelectField(_l("Kind"), choices=choices([("member", _l("Member")),
                                                     ("advisory_board", _l("Advisory board"))]))  # fmt: skip
    country = SelectField(_l("Country"), validators=[DataRequired()])
    joined_year = IntegerField(_l("Joined in (year)"), validators=[Optional(), NumberRange(
        min=FOUNDING_YEAR, max=9999, message=_l("The alliance was founded in %(year)s: no earlier year.",
                                                year=FOUNDING_YEAR))])  # fmt: skip
    website = StringField(_l("Website"), filters=[one_line], validators=[Optional(), Length(max=300), http_url])

    def fill_choices(self) -> None:
        """Countries named in the current language."""
        self.country.choices = country_choices()


_translated(MemberForm, "name", _l("Name"), required_de=True, max_length=200)
_translated(MemberForm, "region", _l("Region (federal state or province)"), max_length=200)
_translated(MemberForm, "note", _l("Note"), textarea=True, max_length=1000, rows=2)

