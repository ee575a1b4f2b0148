"""WTForms' own messages ("This field is required.", "Not a valid time value.") in the visitor's language.

Flask-WTF translates them with WTForms' catalogues, which leave some messages untranslated (WTForms 3.3:
"Not a valid time value." in German, "This field cannot be edited." in German and Chinese): those are in
our catalogue (marked here, so that extraction finds them) and translated from there. Every form of the
app is a ``FlaskForm`` from this module (sub-forms: ``Form``), so none shows WTForms' English.
"""

import flask_wtf
import wtforms
from flask_babel import gettext
from flask_wtf.i18n import translations as wtforms_translations

from plenary.i18n import N_

#: WTForms messages its German or Chinese catalogue leaves untranslated; our catalogue has them.
GAPS = frozenset({
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
})  # fmt: skip


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
        """Our translations, also where WTForms' catalogue has none."""

        def get_translations(self, form):
            """The translations of this request's locale."""
            return translations


class Form(wtforms.Form):
    """A sub-form (FormField, FieldList rows) with WTForms' messages in the visitor's language, as FlaskForm."""

    class Meta:
        """Our translations, also where WTForms' catalogue has none."""

        def get_translations(self, form):
            """The translations of this request's locale."""
            return translations
