"""One text per language in a back-office form, built, read and filled the same way in every form.

A form gets one field per site language (plenary.i18n.LANGUAGES) from ``add_language_fields``: ``<name>_de``,
``<name>_en``, ``<name>_zh`` beside the other fields (announcements, members, messages), or ``de``, ``en``, ``zh``
when the whole (sub-)form is the one text (the plenary forms' ``Texts``). Stored, such a text is a
``{"de": …, "en": …, "zh": …}`` dict.
"""

from collections.abc import Callable

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import Form
from wtforms.fields.core import UnboundField

from plenary.i18n import LANGUAGES

#: The languages' names in the back office's language, for field labels.
LANGUAGE_LABELS = {"de": _l("German"), "en": _l("English"), "zh": _l("Chinese")}


def field_name(name: str, lang: str) -> str:
    """The name of ``name``'s field for ``lang`` (``lang`` alone when ``name`` is empty)."""
    return f"{name}_{lang}" if name else lang


def add_language_fields(form_class: type[Form], name: str, make: Callable[[str], UnboundField]) -> None:
    """Give ``form_class`` one field per language, each built by ``make(lang)`` (before the form is used)."""
    for lang in LANGUAGES:
        setattr(form_class, field_name(name, lang), make(lang))


def language_values(form: Form, name: str = "", keep_empty: bool = False) -> dict:
    """The languages' texts as a dict; empty languages left out (or as "" with ``keep_empty``)."""
    values = {lang: form[field_name(name, lang)].data for lang in LANGUAGES}
    if keep_empty:
        return {lang: value or "" for lang, value in values.items()}
    return {lang: value for lang, value in values.items() if value}


def fill_language_fields(form: Form, name: str, values: dict | None, empty=None) -> None:
    """Put a stored ``{"de": …}`` dict into the fields (a language not in it gets ``empty``)."""
    for lang in LANGUAGES:
        form[field_name(name, lang)].data = (values or {}).get(lang) or empty


def check_subject_and_text(form: Form, subject: str, body: str) -> tuple[bool, bool]:
    """A message's rule in every form that writes one: in each language a subject and a text, or neither.

    ``subject``/``body``: the fields' names without the language. Puts the error beside the missing field;
    returns (valid, written in at least one language).
    """
    valid, written = True, False
    for lang in LANGUAGES:
        subject_field, body_field = form[field_name(subject, lang)], form[field_name(body, lang)]
        if subject_field.data and not body_field.data:
            body_field.errors.append(gettext("Write the text in this language too, or leave its subject empty."))
            valid = False
        elif body_field.data and not subject_field.data:
            subject_field.errors.append(gettext("Please give the message a subject in this language."))
            valid = False
        written = written or bool(subject_field.data or body_field.data)
    return valid, written
