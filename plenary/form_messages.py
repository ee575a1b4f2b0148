"""WTForms' own messages ("This field is required.", "Not a valid time value.") in the visitor's language.

Flask-WTF translates them with WTForms' catalogues, which leave some messages untranslated (WTForms 3.3:
"Not a valid time value." in German, "This field cannot be edited." in German and Chinese): those are in
our catalogue (marked here, so that extraction finds them) and translated from there. Every form of the
app is a ``FlaskForm`` from this module (sub-forms: ``Form``), so none shows WTForms' English.
"""

from functools import lru_cache

import flask_wtf
import wtforms
from babel import support
from flask import current_app, has_request_context, request
from flask_babel import get_locale, gettext
from flask_wtf.file import FileField
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.i18n import messages_path

from plenary.i18n import N_

#: WTForms messages its German or Chinese catalogue leaves untranslated; our catalogue has them.
GAPS = frozenset({
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
})  # fmt: skip


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> support.Translations:
    """WTForms' catalogue for ``locale``, read once per process (Flask-WTF reads the .mo file on every request)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsTranslations:
    """WTForms' catalogue of the request's locale (as ``flask_wtf.i18n.translations``), English outside a request."""

    @staticmethod
    def _catalogue():
        if not has_request_context() or "babel" not in current_app.extensions:
            return None
        return _wtforms_catalogue(str(get_locale()))

    def gettext(self, string: str) -> str:
        catalogue = self._catalogue()
        return string if catalogue is None else catalogue.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalogue = self._catalogue()
        if catalogue is None:
            return singular if n == 1 else plural
        return catalogue.ungettext(singular, plural, n)


wtforms_translations = _WTFormsTranslations()


class Translations:
    """WTForms' translations for the current request's locale, ours where WTForms has a gap."""

    def gettext(self, string: str) -> str:
        """``string`` in the visitor's language."""
        translated = wtforms_translations.gettext(string)
        return gettext(string) if translated == string and string in GAPS else translated

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """``singular`` or ``plural`` for ``n``, in the visitor's language."""
        return wtforms_translations.ngettext(singular, plural, n)


translations = Translations()


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form (CSRF, request data) with WTForms' messages in the visitor's language."""

    class Meta:
        """Our translations, also where WTForms' catalogue has none; uploads only where the form takes a file."""

        def get_translations(self, form):
            """The translations of this request's locale."""
            return translations

        def wrap_formdata(self, form, formdata):
            """The request's data as Flask-WTF gives it, but a file part only under the name of a file field.

            Flask-WTF merges every uploaded file into the form data, so a text field sent as a file part reached
            the validators as a FileStorage (``len()`` of it: a 500, anonymous, on any form). Such a part is
            dropped: the field reads as not filled in, and the form says so.
            """
            data = super().wrap_formdata(form, formdata)
            if not isinstance(data, CombinedMultiDict):
                return data
            file_fields = {field.name for field in form if isinstance(field, FileField)}
            files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in file_fields])
            return CombinedMultiDict((files, request.form)) if files else request.form


class Form(wtforms.Form):
    """A sub-form (FormField, FieldList rows) with WTForms' messages in the visitor's language, as FlaskForm."""

    class Meta:
        """Our translations, also where WTForms' catalogue has none."""

        def get_translations(self, form):
            """The translations of this request's locale."""
            return translations
