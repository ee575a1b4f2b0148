"""Language choice, translated content with fallback, and locale-aware formatting."""

from dataclasses import dataclass
from urllib.parse import urlencode

import flask_babel
from flask import current_app, g, request, url_for
from markupsafe import Markup, escape

from plenary.cookies import cookie_secure


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown (``gettext(message)``)."""
    return message


#: Languages the site speaks; the first is the default and the source of truth for wording.
LANGUAGES = ("de", "en", "zh")

#: What a missing translation falls back to, per language (zh → en → de).
FALLBACK_ORDER = {"de": ("de", "en", "zh"), "en": ("en", "de", "zh"), "zh": ("zh", "en", "de")}

#: The value of <html lang> / lang="" per site language.
HTML_LANG = {"de": "de", "en": "en", "zh": "zh-Hans"}

#: Each language's name in itself, for the switcher.
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English", "zh": "中文"}


def _valid(code: str | None, languages=None) -> str | None:
    """Return ``code`` normalised to a site language (of ``languages``, default the app's), or None."""
    if not code:
        return None
    # "zh-CN", "zh-Hant-TW", "en-GB", "de_AT" all count as their primary language.
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in (languages or current_app.config["LANGUAGES"]) else None


def pick_language(arg: str | None, cookie: str | None, accepted, languages, default: str) -> str:
    """The one rule of :func:`current_language`, without a request (the page cache asks it too).

    ``accepted`` is the Accept-Language header parsed (Werkzeug's ``LanguageAccept``: tags by quality).
    """
    return (
        _valid(arg, languages)
        or _valid(cookie, languages)
        or next((lang for tag, _quality in accepted if (lang := _valid(tag, languages))), None)
        or default
    )


def reset_language() -> None:
    """Forget any language cached on ``g`` so that each request decides afresh.

    ``g`` lives as long as the application context, which a test (or a CLI command
    serving several requests) may keep open across requests.
    """
    g.pop("lang", None)
    flask_babel.refresh()


#: The Babel locale used for formatting in each site language. English follows British
#: conventions (24-hour clock, day before month), as the alliance's English texts do;
#: the "en" catalogue still serves its translations.
BABEL_LOCALES = {"de": "de_DE", "en": "en_GB", "zh": "zh_Hans_CN"}


def current_language() -> str:
    """The language of the current request: ?lang=, the remembered cookie, Accept-Language, German."""
    if "lang" not in g:
        config = current_app.config
        g.lang = pick_language(request.args.get("lang"), request.cookies.get(config["LANGUAGE_COOKIE"]),
                               request.accept_languages, config["LANGUAGES"], config["BABEL_DEFAULT_LOCALE"])
    return g.lang


def use_language(lang: str) -> None:
    """Speak ``lang`` on this page unless the visitor chose a language (?lang= or the cookie).

    A personal page opened from a message should be in the message's language, even in a
    browser that asks for another one.
    """
    if _valid(request.args.get("lang")) or _valid(request.cookies.get(current_app.config["LANGUAGE_COOKIE"])):
        return
    g.lang = lang
    flask_babel.refresh()


def select_locale() -> str:
    """Flask-Babel's locale selector: the Babel locale of the current language."""
    return BABEL_LOCALES[current_language()]


def remember_language(response):
    """Store an explicit ?lang= choice in a long-lived cookie."""
    if request.blueprint == "api":
        return response  # the API speaks JSON, not a language, and its responses are cached publicly
    chosen = _valid(request.args.get("lang"))
    if chosen and chosen != request.cookies.get(current_app.config["LANGUAGE_COOKIE"]):
        response.set_cookie(
            current_app.config["LANGUAGE_COOKIE"],
            chosen,
            max_age=current_app.config["LANGUAGE_COOKIE_MAX_AGE"],
            samesite="Lax",
            httponly=True,
            secure=cookie_secure(),
        )
    # Pages differ by language: caches must key on what decides it (static files do not).
    if request.endpoint and not request.endpoint.endswith("static"):
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    return response


@dataclass(frozen=True)
class Localized:
    """A piece of translated content and the language it is really in."""

    text: str
    lang: str
    wanted: str

    @property
    def is_fallback(self) -> bool:
        """True when the text is not in the language asked for."""
        return self.lang != self.wanted

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def __html__(self) -> str:
        """Render as text, wrapped in a span with its own lang when it is a fallback."""
        if self.is_fallback and self.text:
            return f'<span lang="{HTML_LANG[self.lang]}">{escape(self.text)}</span>'
        return str(escape(self.text))


def localize(values: dict | None, lang: str) -> Localized:
    """Return the best translation of ``values`` for ``lang``, falling back zh → en → de."""
    values = values or {}
    for candidate in FALLBACK_ORDER.get(lang, FALLBACK_ORDER["de"]):
        text = values.get(candidate)
        if text:
            return Localized(text, candidate, lang)
    return Localized("", lang, lang)


def lang_attr(item: Localized) -> Markup:
    """Return ` lang="…"` for an element holding a fallback, else nothing."""
    if item.is_fallback and item.text:
        return Markup(' lang="{}"').format(HTML_LANG[item.lang])
    return Markup("")


def localize_any(value: str | dict | None, lang: str) -> Localized:
    """Like :func:`localize`, but a plain string is taken as valid in every language."""
    if isinstance(value, dict):
        return localize(value, lang)
    return Localized(value or "", lang, lang)


def url_with_lang(code: str) -> str:
    """Return the current page's URL with ``?lang=code`` (other query arguments kept).

    Built with url_for from the matched endpoint, never from the raw request path,
    which could smuggle another host into the link (``/%5Cevil.example``).
    """
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    if request.endpoint and request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return url_for(request.endpoint, **(request.view_args or {})) + "?" + urlencode(args, doseq=True)
    return "?" + urlencode({"lang": code})
