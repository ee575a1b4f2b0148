"""Documents as PDF: a Jinja template rendered by WeasyPrint, with Noto CJK embedded and subset.

Every document extends ``templates/documents/_base.html`` (fonts, page defaults, the letterhead macro) and is
rendered in the language it is written in (``render_pdf``), whatever the language of the request that asks
for it. WeasyPrint fetches nothing from the network: its URL fetcher serves ``data:`` URIs and files under the
app's static folder only, and refuses everything else. The fonts come from the system (Debian's
``fonts-noto-cjk``, found through fontconfig by family name); ``missing_fonts`` says if one is not installed.
"""

import base64
import bisect
import functools
import io
import os
import shutil
import subprocess
import unicodedata
from urllib.parse import unquote, urlsplit

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetchingError

from plenary import i18n
from plenary.formatting import ordinal
from plenary.i18n import BABEL_LOCALES
from plenary.legal import legal_details

#: The alliance's name in each language (every letterhead names it in all three, the document's own first).
ALLIANCE_NAMES = {
    "de": "Chinesisch-Deutsche Industriestädteallianz (ISA)",
    "zh": "中德工业城市联盟",
    "en": "Sino-German Industrial Cities Alliance (ISA)",
}

#: The families the base stylesheet names (Debian: fonts-noto-cjk); their Latin glyphs serve German and English.
FONT_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")


class DocumentFontMissing(RuntimeError):
    """A font the documents need is not installed (the message says which, and how to install it)."""


@functools.cache
def missing_fonts() -> tuple[str, ...]:
    """The families of FONT_FAMILIES that fontconfig does not know (none on a machine set up by the scripts)."""
    if shutil.which("fc-list") is None:
        return FONT_FAMILIES
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    return tuple(family for family in FONT_FAMILIES if family not in listed)


@functools.cache
def _font_coverage() -> tuple[list[int], list[int]]:
    """The code points some installed font draws, as sorted (starts, ends) of ranges (fontconfig's charsets)."""
    if shutil.which("fc-list") is None:
        return [0x20], [0x7E]
    listed = subprocess.run(["fc-list", "--format=%{charset}\\n"], capture_output=True, text=True, check=False).stdout
    ranges = []
    for item in listed.split():
        first, _, last = item.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [start for start, _ in merged], [end for _, end in merged]


def _drawable(ch: str) -> bool:
    starts, ends = _font_coverage()
    index = bisect.bisect_right(starts, ord(ch)) - 1
    return index >= 0 and ord(ch) <= ends[index]


def printable(text: str) -> str:
    """``text`` as the installed fonts can print it: a character no font draws (an emoji) becomes U+FFFD, line and
    paragraph separators become spaces, other control characters go.

    WeasyPrint draws a character no font has as the .notdef glyph, and that glyph breaks the font's text mapping:
    the whole page's text layer (what a consulate's staff copies out, and what pypdf reads) comes out as garbage.
    Every document's HTML passes through here before it is printed (``render_pdf``).
    """
    out = []
    for ch in text:
        if ch < "\x7f" and (ch >= " " or ch in "\t\n\r"):
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if "\ufe00" <= ch <= "\ufe0f":
            continue  # variation selectors (an emoji's presentation): nothing to draw on paper
        if category in ("Zl", "Zp"):
            out.append(" ")
        elif category == "Cc":
            continue
        elif category == "Cf" or _drawable(ch):
            out.append(ch)  # format characters (soft hyphens, joiners) take no glyph of their own
        else:
            out.append("\ufffd")
    return "".join(out)


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's URL fetcher for documents: data: URIs and the app's own static files; nothing from any host."""

    def __init__(self, static_folder: str):
        super().__init__(allowed_protocols=("data", "file"))
        self._static = os.path.realpath(static_folder)

    def fetch(self, url, headers=None):
        """Fetch ``url`` if it is a data: URI or a file under the static folder; refuse anything else."""
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = os.path.realpath(unquote(parts.path))
            if not path.startswith(self._static + os.sep):
                raise URLFetchingError(f"documents load no files outside the static folder: {url[:80]}")
        elif parts.scheme != "data":
            raise URLFetchingError(f"documents load nothing from {parts.scheme or 'relative'} URLs: {url[:80]}")
        return super().fetch(url, headers)


def render_html(template_name: str, language: str, context: dict) -> str:
    """The document's HTML in ``language`` (what ``render_pdf`` prints; tests read it too)."""
    names = [ALLIANCE_NAMES[language], *(name for lang, name in ALLIANCE_NAMES.items() if lang != language)]
    with force_locale(BABEL_LOCALES[language]):
        # The document's language, not the request's (the context processor's lang and localize are the request's).
        return render_template(
            template_name, doc_lang=language, lang=language, html_lang=i18n.HTML_LANG[language],
            localize=lambda values: i18n.localize(values, language),
            localize_any=lambda value: i18n.localize_any(value, language),
            ordinal=lambda number: ordinal(number, language),
            alliance_names=names, legal=legal_details(language), **context,
        )  # fmt: skip


def render_pdf(template_name: str, language: str, context: dict) -> bytes:
    """The PDF of ``templates/<template_name>`` in ``language`` (fonts embedded and subset)."""
    missing = missing_fonts()
    if missing:
        raise DocumentFontMissing(
            f"documents need the fonts {', '.join(missing)} (Debian: apt-get install fonts-noto-cjk)"
        )
    html = printable(render_html(template_name, language, context))
    base_url = "file://" + os.path.realpath(current_app.static_folder) + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher(current_app.static_folder)).write_pdf()


def qr_data_uri(text: str, scale: int = 4) -> str:
    """``text`` as a QR code: a PNG ``data:`` URI for an ``<img src>`` in a document."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
