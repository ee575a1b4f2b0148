"""Mail headers with text (Subject, display names) that every reader decodes to exactly what was written.

The email package's own folder (Python 3.11) loses the space between two encoded words when it
folds a long header: "…der Städte Düsseldorf…" arrives as "…der StädteDüsseldorf…"; Flask-Mail's
``Header(...).encode()`` is refolded by it. Here the text becomes RFC 2047 encoded words with
every space inside a word, so the folding whitespace between the words is the only whitespace,
which readers drop. A header never carries a line break or another control character.
"""

import base64
import math
import re
import string
from email.utils import formataddr, parseaddr

from plenary.validation import strip_controls

#: The longest line of a header (RFC 5322 2.1.1, without CRLF) and the longest encoded word (RFC 2047 2).
MAX_LINE = 78
MAX_WORD = 75
#: What a "Q" encoded word may carry as it is, even in a display name (RFC 2047 5 (3)); a space becomes "_".
_Q_LITERAL = frozenset(string.ascii_letters + string.digits + "!*+-/")
_PRINTABLE_ASCII = re.compile(r"[ -~]*")


def one_line(value: str) -> str:
    """``value`` on one line: line breaks and other control characters become a space, ends stripped."""
    return strip_controls(value, " ").strip()  # a line break would end the header


def _q_length(char: str) -> int:
    return 1 if char == " " or char in _Q_LITERAL else 3 * len(char.encode("utf-8"))


def _q(chars: str) -> str:
    return "".join("_" if c == " " else c if c in _Q_LITERAL else "".join(f"={b:02X}" for b in c.encode("utf-8"))
                   for c in chars)  # fmt: skip


def encoded_words(text: str, first: int = MAX_WORD) -> list[str]:
    """``text`` as UTF-8 encoded words of whole characters, the first at most ``first`` characters long, the others 75.

    Spaces are inside the words (Q: "_", B: in the base64), so the folding whitespace between the
    words is the only whitespace, and readers drop exactly that.
    """
    utf8 = len(text.encode("utf-8"))
    b = 4 * math.ceil(utf8 / 3) < sum(_q_length(c) for c in text)
    prefix, wrap = ("=?utf-8?b?", "?=") if b else ("=?utf-8?q?", "?=")
    words, chunk, limit = [], "", max(first, 20) - len(prefix) - len(wrap)
    for char in text:
        candidate = chunk + char
        size = 4 * math.ceil(len(candidate.encode("utf-8")) / 3) if b else len(_q(candidate))
        if size > limit and chunk:
            words.append(chunk)
            chunk, limit = char, MAX_WORD - len(prefix) - len(wrap)
        else:
            chunk = candidate
    if chunk:
        words.append(chunk)
    if b:
        return [prefix + base64.b64encode(w.encode("utf-8")).decode("ascii") + wrap for w in words]
    return [prefix + _q(w) + wrap for w in words]


def _plain(text: str) -> bool:
    """True if ``text`` can stand in a header as it is (printable ASCII that no reader takes for an encoded word)."""
    return bool(_PRINTABLE_ASCII.fullmatch(text)) and "=?" not in text


def _fold(pieces: list[str], first: int) -> list[str]:
    """Lines of at most MAX_LINE characters (the first at most ``first``) of ``pieces`` joined by spaces.

    A line breaks only before a space, which stays as the folding whitespace (no line is blank).
    """
    lines = [pieces[0]]
    for piece in pieces[1:]:
        limit = first if len(lines) == 1 else MAX_LINE
        if piece and len(lines[-1]) + 1 + len(piece) > limit:
            lines.append(" " + piece)
        else:
            lines[-1] += " " + piece
    return lines


def text_header_lines(name: str, text: str) -> list[str]:
    """The folded lines of an unstructured header (Subject) with ``text``: decoded, it is ``text`` on one line."""
    text = one_line(text)
    first = MAX_LINE - len(name) - 2
    words = text.split(" ")
    if _plain(text) and max(len(w) for w in words) <= first:
        return _fold(words, first)
    return _fold(encoded_words(text, first), first)


def address_header_lines(name: str, address: str | tuple[str, str]) -> list[str]:
    """The folded lines of an address header (From, Reply-To) for one mailbox, its display name kept exactly.

    A display name that is not plain ASCII becomes one encoded word, however long (a line may have
    998 characters): between two encoded words in a display name some readers (Python's among them)
    keep the folding whitespace and others drop it, so there must be no two.
    """
    display, addr = address if isinstance(address, tuple) else parseaddr(address)
    display, addr = one_line(display), one_line(addr)
    if not display:
        return [addr]
    phrase = formataddr((display, addr)).removesuffix(f" <{addr}>") if _plain(display) else None
    if phrase is None or len(phrase) > 900:
        [phrase] = encoded_words(display, first=10_000)
    return _fold([phrase, f"<{addr}>"], MAX_LINE - len(name) - 2)


class FoldedHeader(str):
    """A header encoded and folded here: the email package writes its lines as they are and reads it as ``str``."""

    def __new__(cls, name: str, value: str, lines: list[str]):
        header = super().__new__(cls, value)
        header.name, header.lines = name, lines
        return header

    def fold(self, *, policy) -> str:
        """The header as it goes on the wire (``policy.linesep`` between and after the lines)."""
        return f"{self.name}: " + policy.linesep.join(self.lines) + policy.linesep


def text_header(name: str, text: str) -> FoldedHeader:
    """An unstructured header (Subject) that a reader decodes to exactly ``text`` (made one line)."""
    return FoldedHeader(name, one_line(text), text_header_lines(name, text))


def address_header(name: str, address: str | tuple[str, str]) -> FoldedHeader:
    """An address header (From, Reply-To) for one mailbox whose display name a reader decodes exactly."""
    display, addr = address if isinstance(address, tuple) else parseaddr(address)
    display, addr = one_line(display), one_line(addr)
    value = formataddr((display, addr)) if _plain(display) else f"{display} <{addr}>"
    return FoldedHeader(name, value, address_header_lines(name, address))


