"""Which text the app takes in: the one home of the rules on line breaks, control characters and broken text.

Every entry point asks here: form fields through the filters ``one_line`` and ``multi_line`` (their refusal
becomes the message beside the field), the exchange-format import through ``text_problem``, and every request
through ``Request`` and ``refuse_unreadable_address`` (a NUL or an unpaired surrogate anywhere in the address
or a form is refused with 400, whichever encoding the form came in).

The rules:

* **Broken text** is refused everywhere: unpaired surrogates (no database or encoder takes them; PostgreSQL
  refuses them, and a page carrying one cannot be sent), Unicode noncharacters (not allowed in XML feeds) and
  U+FFFD, the replacement character that marks text damaged on its way (Werkzeug puts it where a form's bytes
  were not UTF-8).
* **One-line texts** (names, titles, subjects, organisations, addresses, emails) refuse line breaks and every
  other control character: Unicode categories Cc and Cf, among them the bidi controls U+202A–U+202E and
  U+2066–U+2069 that could reorder a list of participants. ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER
  (U+200C, U+200D) are allowed: Persian, Indic scripts and emoji sequences need them. Spaces and tabs around
  the text are trimmed silently (a stray tab from a spreadsheet cell is no reason to refuse a name); a tab
  inside is refused like any other control character.
* **Multi-line texts** (remarks, descriptions, summaries, message bodies) allow line breaks (``\\r\\n`` and
  ``\\r`` become ``\\n``) and tabs, and refuse the other controls and broken text.

What the app puts out where a control character would cut a line (a mail header, an iCalendar text) goes through
``strip_controls`` (texts stored before these rules, or from an import).
"""

import functools
import re
import unicodedata
from typing import NamedTuple
from urllib.parse import parse_qsl

import flask
import werkzeug.formparser
import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" codec error handler used below)
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from wtforms.validators import Optional

#: Format characters that are part of correct text in some scripts.
JOINERS = frozenset("\u200c\u200d")
#: What ``str.splitlines`` breaks at: each one ends a line somewhere (a mail header, an iCalendar line, a log).
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
#: Blanks trimmed around a one-line text: the space separators (Zs) and the tab.
BLANKS = "\t" + "".join(chr(c) for c in (0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000))

#: The control characters (Unicode Cc: C0, DEL and C1) and the line and paragraph separators, as a regex class body.
CONTROL_CHARACTERS = "\x00-\x1f\x7f-\x9f\u2028\u2029"

BROKEN, LINE_BREAK, CONTROL = "broken", "line_break", "control"


@functools.cache
def _control_runs(keep: str) -> re.Pattern:
    """Runs of CONTROL_CHARACTERS other than those in ``keep``."""
    exempt = f"(?![{re.escape(keep)}])" if keep else ""
    return re.compile(f"(?:{exempt}[{CONTROL_CHARACTERS}])+")


def strip_controls(text: str | None, replacement: str = "", keep: str = "") -> str:
    """``text`` with each run of control characters and line separators (but those in ``keep``) replaced by
    ``replacement``: ``strip_controls(subject, " ")`` puts a text on one line."""
    return _control_runs(keep).sub(replacement, text or "")


class TextProblem(NamedTuple):
    """What is wrong with a text: the ``kind`` of the first character refused, that character and its position."""

    kind: str
    char: str
    position: int

    @property
    def code(self) -> str:
        """The character as U+XXXX."""
        return f"U+{ord(self.char):04X}"

    def message(self):
        """The message for the person who typed the text, in their language (lazy)."""
        if self.kind == BROKEN:
            return _l("This text contains characters that could not be read. Please type it again.")
        if self.kind == LINE_BREAK:
            return _l("Please enter this on one line, without line breaks.")
        return _l("This text contains an invisible control character (%(code)s). Please remove it.", code=self.code)

    def __str__(self) -> str:
        """The problem in English, for the import's error list."""
        if self.kind == BROKEN:
            return f"contains a character that is not valid text ({self.code}) at position {self.position}"
        if self.kind == LINE_BREAK:
            return f"must be one line: line break ({self.code}) at position {self.position}"
        return f"contains a control character ({self.code}) at position {self.position}"


def _is_broken(char: str) -> bool:
    code = ord(char)
    return 0xD800 <= code <= 0xDFFF or 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE or code == 0xFFFD


def _kind(char: str, multiline: bool) -> str | None:
    """Why ``char`` is refused in a one-line or multi-line text, or None."""
    if _is_broken(char):
        return BROKEN
    if multiline and char in "\n\t\u2028\u2029":
        return None
    if char in LINE_BREAKS and not multiline:
        return LINE_BREAK
    if char in JOINERS:
        return None
    return CONTROL if unicodedata.category(char) in ("Cc", "Cf") else None


def text_problem(value: str, multiline: bool = False) -> TextProblem | None:
    """The first thing wrong with ``value`` as a one-line (or ``multiline``) text, or None if it is fine."""
    if value.isprintable() and "\ufffd" not in value:
        return None  # the usual case, decided in C: no Cc, Cf, Cs, Zl, Zp (nor noncharacters)
    refused = [(value.index(char), kind, char) for char in set(value) if (kind := _kind(char, multiline))]
    if not refused:
        return None
    position, kind, char = min(refused)
    return TextProblem(kind, char, position)


def one_line(value):
    """Form filter for one-line texts: blanks and line breaks around trimmed, a tab inside made a space (pasted
    from a spreadsheet), empty → None; a line break inside or another control character → ValueError.

    Around the text a line break is invisible to whoever typed it (browsers drop it from the field), so it is
    trimmed rather than refused; inside it would cut a subject or a calendar line, so it is refused. WTForms
    keeps a filter's ValueError as the field's error and the value as typed, so the form comes back with the
    message beside the field and everything entered still in it.
    """
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None  # nothing but blanks (or line breaks): nothing entered
    value = value.strip(BLANKS + "\r\n").replace("\t", " ")
    problem = text_problem(value, multiline=False)
    if problem is not None:
        raise ValueError(problem.message())
    return value


def multi_line(value):
    """Form filter for multi-line texts: line breaks as ``\\n``, blank lines around trimmed, empty → None."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not value:
        return None
    problem = text_problem(value, multiline=True)
    if problem is not None:
        raise ValueError(problem.message())
    return value


def unreadable(value: str) -> bool:
    """True if ``value`` carries a NUL or an unpaired surrogate: text no database stores and no page can carry."""
    return "\x00" in value or (not value.isprintable() and any(0xD800 <= ord(c) <= 0xDFFF for c in set(value)))


class UnreadableInput(BadRequest):
    """A request whose address or form carries a NUL character or an unpaired surrogate."""

    #: For the JSON API (which answers in English).
    description = "The request contains a NUL character or an unpaired surrogate, which are not text."
    #: For pages, in the visitor's language.
    page_message = _l("The address or the form contained characters that are not allowed (such as a NUL "
                      "character). Nothing was saved. Please go back and check what you entered.")  # fmt: skip


def refuse_unreadable_address() -> None:
    """Before every request: a NUL or an unpaired surrogate in the path or the query string is a 400."""
    request = flask.request
    texts = [request.path] + [text for key, values in request.args.lists() for text in (key, *values)]
    if any(unreadable(text) for text in texts):
        raise UnreadableInput()


#: A row number no form of ours has (FieldList rows are numbered 0, 1, 2 …): seven or more digits in a field name.
LONG_ROW_NUMBER = re.compile(r"\d{7,}")


class FormDataParser(werkzeug.formparser.FormDataParser):
    """Werkzeug's form parser, reading a urlencoded body that is not UTF-8 as multipart bodies are read.

    Bad bytes (raw or as ``%XX`` escapes) become U+FFFD, which the field filters refuse with a message beside
    the field, instead of an empty form (raw bytes) or the escapes kept as literal text.
    """

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        items = parse_qsl(stream.read().decode("utf-8", "replace"), keep_blank_values=True, errors="replace")
        return stream, self.cls(items), self.cls()


class Request(flask.Request):
    """Flask's request, strict where bytes become text.

    * A query string with raw bytes that are not UTF-8 (which HTTP clients may send unencoded) is read with those
      bytes percent-escaped, as Werkzeug already does for invalid ``%XX`` escapes, instead of failing with 500.
    * A urlencoded body that is not UTF-8 reads with U+FFFD for the bad bytes (``FormDataParser``).
    * Form data (urlencoded or multipart) is checked when it is parsed, by whoever reads it first (the CSRF check,
      a view), after any per-request size limit is set: a NUL or an unpaired surrogate in a field name, a value or
      a file name refuses the whole request (400), and the form reads as empty from then on. So does a field name
      with a row number of more than six digits (``delegates-999…-first_name``): no form of ours has such rows,
      and WTForms' FieldList would fail on int() of thousands of digits.
    """

    form_data_parser_class = FormDataParser

    def __init__(self, environ, *args, **kwargs):
        super().__init__(environ, *args, **kwargs)
        self.query_string = self.query_string.decode("utf-8", "werkzeug.url_quote").encode()

    def _load_form_data(self) -> None:
        super()._load_form_data()
        texts = [text for key, values in self.form.lists() for text in (key, *values)]
        texts += [text for key, file in self.files.items(multi=True) for text in (key, file.filename or "")]
        keys = [*self.form.keys(), *self.files.keys()]
        if any(unreadable(text) for text in texts) or any(LONG_ROW_NUMBER.search(key) for key in keys):
            self.__dict__["form"] = self.parameter_storage_class()
            self.__dict__["files"] = self.parameter_storage_class()
            raise UnreadableInput()


def normalised_email(address: str) -> str | None:
    """``address`` as we store it (normalised, lower case), or None if it is not a valid email address.

    Syntax only (no DNS lookup). Non-ASCII addresses (SMTPUTF8) are refused: not every mail server on the way
    takes them. Lower case, so that one person is one registration however they type their address.
    """
    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def optional_choice() -> Optional:
    """Optional() for choice fields: only an empty value is "nothing chosen".

    WTForms' plain Optional() also takes a value of blanks for empty and stops the chain before the choice is
    checked, so " " reached the view (int(" ") was a 500 for the member city; blanks were stored as a country).
    """
    return Optional(strip_whitespace=False)


def row_index(value: str | None, rows: int) -> int | None:
    """The row number a button sent (``remove_delegate=2``) if it names one of ``rows`` rows, else None.

    Digits only, and few of them: int() of a value with thousands of digits raises instead of answering.
    """
    if value is None or not (value.isascii() and value.isdecimal()) or len(value) > 6:
        return None
    index = int(value)
    return index if index < rows else None


#: An address name (slug) of a plenary or an announcement: lower-case letters, digits and single hyphens.
#: The exchange format's schema (events/plenary.schema.json) says the same; a test holds them together.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
