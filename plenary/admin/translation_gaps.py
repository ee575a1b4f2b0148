"""What a plenary's texts lack in a language, said before publishing ("Title missing in: Chinese").

A missing translation does not block publishing: the public page then shows the text in another
language (plenary.i18n.FALLBACK_ORDER). But the organizers should know before a delegate in China
reads the German agenda, so the plenary's page lists every gap beside the Publish button.
"""

from babel import Locale
from flask_babel import get_locale, gettext

from plenary.events.models import Plenary
from plenary.i18n import LANGUAGES


def missing_languages(values: dict | None) -> list[str]:
    """The site's languages in which ``values`` (a {language: text} field) has no text."""
    values = values or {}
    return [lang for lang in LANGUAGES if not str(values.get(lang) or "").strip()]


def language_list(codes: list[str]) -> str:
    """``codes`` as language names in the current language ("Chinesisch, Englisch"; "中文、英语")."""
    locale = get_locale()
    names = [Locale.parse(code).get_display_name(locale) or code for code in codes]
    return ("、" if locale and locale.language == "zh" else ", ").join(names)


def translation_gaps(plenary: Plenary) -> list[str]:
    """Every text of ``plenary`` (title, summary, description, agenda item titles) missing in a language, said."""
    gaps = []
    fields = (
        (plenary.title, gettext("Title missing in: %(languages)s")),
        (plenary.summary, gettext("Summary missing in: %(languages)s")),
        (plenary.description, gettext("Description missing in: %(languages)s")),
    )
    for values, sentence in fields:
        missing = missing_languages(values)
        if missing:
            gaps.append(sentence % {"languages": language_list(missing)})
    for number, item in enumerate(plenary.agenda_items, start=1):
        missing = missing_languages(item.title)
        if missing:
            gaps.append(gettext("Agenda item %(number)s has no title in: %(languages)s", number=number,
                                languages=language_list(missing)))  # fmt: skip
    return gaps
