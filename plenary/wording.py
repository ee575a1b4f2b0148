"""Joining translated pieces the way each language writes them.

German and English put a space between two sentences and ", " between items; Chinese puts nothing after a
full stop (。), a colon (：) or before a full-width bracket (（), and joins items with "，". Templates that put
two translated sentences or an organisation and a position side by side use these filters.
"""

from flask_babel import get_locale
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

#: Full-width punctuation after which (or, for opening brackets, before which) Chinese puts no space.
_CJK_CLOSING = "。！？：；，、）」』】》"
_CJK_OPENING = "（「『【《"


def _text(part) -> str:
    """The visible text of ``part`` (a macro's markup without its tags), for deciding on a space."""
    return (part.striptags() if isinstance(part, Markup) else str(part)).strip()


def _separator(before: str, after: str) -> str:
    if (before and before[-1] in _CJK_CLOSING) or (after and after[0] in _CJK_OPENING):
        return ""
    return " "


def _chinese() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


@pass_eval_context
def sentences(eval_ctx, parts) -> str:
    """The non-empty ``parts`` as one run of text: a space between them, none after CJK punctuation."""
    pieces = [piece for piece in parts if piece is not None and _text(piece)]
    if eval_ctx.autoescape:
        pieces = [escape(piece) for piece in pieces]
    out, before = [], None
    for piece in pieces:
        if before is not None:
            out.append(_separator(before, _text(piece)))
        out.append(str(piece).strip())
        before = _text(piece)
    joined = "".join(out)
    return Markup(joined) if eval_ctx.autoescape else joined


@pass_eval_context
def items(eval_ctx, parts) -> str:
    """The non-empty ``parts`` as a list: "A, B" (de, en) or "A，B" (zh)."""
    pieces = [piece for piece in parts if piece is not None and _text(piece)]
    separator = "，" if _chinese() else ", "
    if eval_ctx.autoescape:
        return Markup(separator).join(escape(piece) for piece in pieces)
    return separator.join(str(piece) for piece in pieces)
