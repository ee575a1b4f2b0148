"""Soft hyphens in long German words, for headings and body text on phones.

Browsers hyphenate with ``hyphens: auto`` only where they ship a dictionary — Chromium on Linux
and Android WebViews do not — so "Simultanverdolmetschung" in a heading would stick out of a
390 px screen or break at an arbitrary letter. The server therefore marks the syllables of long
German words with U+00AD (shown as a hyphen only where the line breaks). Never inside what a
reader copies: addresses, links' targets, code, form values (templates only apply the filter
to headings and text, and tag attributes are never touched).
"""

import re
from functools import lru_cache

import pyphen
from jinja2 import pass_context
from markupsafe import Markup, escape

from plenary.i18n import Localized

SOFT_HYPHEN = "\u00ad"

#: Words shorter than this fit a phone's line even in a heading (17 letters of a 24 px heading are
#: ~240 px of the 342 px a 390 px phone leaves); only longer ones are marked, where the browser's own
#: ``hyphens: auto`` (where it has a dictionary) does the rest.
MIN_LENGTH = 18

#: No break closer than this to either end of a word ("Si-" / "-en" read badly).
MIN_PIECE = 3

#: Languages with a dictionary here (German is the one with long compounds).
DICTIONARIES = {"de": "de_DE"}

_WORD = re.compile(rf"[^\W\d_]{{{MIN_LENGTH},}}")
_TAG = re.compile(r"(<[^>]*>)")
# Pieces of text: split at spaces and at escaped markup characters (&lt; &gt; &#34; …, not &amp;,
# which belongs inside a web address).
_SPACE = re.compile(r"(\s+|&(?:lt|gt|quot|#34|#39|#x27);)")
# A piece of text that is an address, a path or a domain: left alone, it may be copied.
_COPYABLE = re.compile(r"[@/\\]|\w\.\w|&amp;")
# Elements whose text is copied or typed, not read: left alone.
_VERBATIM = {"code", "pre", "kbd", "samp", "textarea", "script", "style", "option"}


@lru_cache(maxsize=8)
def _dictionary(lang: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=DICTIONARIES[lang], left=MIN_PIECE, right=MIN_PIECE)


@lru_cache(maxsize=4096)
def hyphenate_word(word: str, lang: str = "de") -> str:
    """``word`` with soft hyphens at its syllable breaks (none in a word's first or last MIN_PIECE letters)."""
    if lang not in DICTIONARIES or len(word) < MIN_LENGTH:
        return word
    positions = _dictionary(lang).positions(word)
    pieces: list[str] = []
    for start, end in zip([0, *positions], [*positions, len(word)], strict=True):
        # A one-letter syllable joins the one before it ("Ple-na-r-ver" → "Ple-nar-ver").
        if pieces and end - start < 2:
            pieces[-1] += word[start:end]
        else:
            pieces.append(word[start:end])
    return SOFT_HYPHEN.join(pieces)


def _hyphenate_text(text: str, lang: str) -> str:
    """Mark the long words of plain (already escaped) text, leaving addresses and entities alone."""
    parts = _SPACE.split(text)
    for i, part in enumerate(parts):
        if part and not part.isspace() and not part.startswith("&") and not _COPYABLE.search(part):
            parts[i] = _WORD.sub(lambda m: hyphenate_word(m.group(0), lang), part)
    return "".join(parts)


def hyphenate(value, lang: str) -> Markup:
    """Return ``value`` as HTML with soft hyphens in its long words when it is German.

    ``value`` may be plain text (escaped here), HTML (``Markup``: only the text between tags
    changes, never tags, attributes or the content of code/pre) or a ``Localized`` (its own
    language wins over ``lang``: a German fallback on an English page is still German).
    """
    if isinstance(value, Localized):
        value, lang = value.text, value.lang
    html = value if isinstance(value, Markup) else escape("" if value is None else str(value))
    if lang not in DICTIONARIES or not _WORD.search(html):
        return Markup(html)
    out, verbatim = [], 0
    for piece in _TAG.split(str(html)):
        if piece.startswith("<"):
            name = piece[1:].lstrip("/").split(None, 1)[0].rstrip(">").lower() if len(piece) > 2 else ""
            if name in _VERBATIM:
                verbatim += -1 if piece.startswith("</") else 1
            out.append(piece)
        else:
            out.append(piece if verbatim > 0 else _hyphenate_text(piece, lang))
    return Markup("".join(out))


@pass_context
def hyphenate_filter(context, value, lang: str | None = None) -> Markup:
    """Jinja filter ``|hyphenate``: :func:`hyphenate` in the page's language unless told otherwise."""
    return hyphenate(value, lang or context.get("lang", ""))
