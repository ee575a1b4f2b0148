"""What a badge and a name plate show, and their PDFs (Jinja templates rendered by WeasyPrint).

``badge_card`` gathers one person's texts and size classes (plenary.badges.layout); ``render_badges`` and
``render_nameplates`` write the PDF of a list of registrations, in chunks of sheets merged with pypdf (one
WeasyPrint document of 500 badges is slow and large to hold in memory; each chunk embeds its own font subset).
"""

import base64
import io
import re
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from pypdf import PdfWriter

from plenary.audit.services import record
from plenary.badges.layout import (
    CHINESE_CLASSES,
    LATIN_CLASSES,
    ORGANISATION_CLASSES,
    CardSize,
    card_size,
    longest_word,
    sheets,
    size_class,
    slots,
)
from plenary.badges.names import badge_name, is_han
from plenary.badges.verification import verify
from plenary.checkin.services import checkin_code, checkin_url
from plenary.documents.render import qr_data_uri, render_pdf
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.formatting import ordinal
from plenary.i18n import BABEL_LOCALES
from plenary.registration.models import Registration
from plenary.registration.roles import BADGE_COLOURS, BADGE_WORDS, ParticipantRole
from plenary.validation import strip_controls

#: The badge's two languages: its fixed words are German and Chinese (the plenary's working languages).
BADGE_LANGUAGES = ("de", "zh")
#: Honorifics longer than this many characters are printed on a line of their own ("Dr." and "Prof. Dr." stay).
LONG_HONORIFIC = 10
#: Sheets per WeasyPrint document: a 20-page PDF is one document (its size bound), 500 badges are a few.
SHEETS_PER_CHUNK = 25
#: Name plates per WeasyPrint document.
PLATES_PER_CHUNK = 50


def short_titles(plenary: Plenary) -> list[str]:
    """The plenary's short title in the badge's languages ("10. Plenarversammlung", "第十届全体大会")."""
    titles = []
    for lang in BADGE_LANGUAGES:
        with force_locale(BABEL_LOCALES[lang]):
            titles.append(gettext("%(ordinal)s Plenary Assembly", ordinal=ordinal(plenary.number, lang)))
    return titles


def plenary_date(plenary: Plenary) -> str:
    """The plenary's date (of its start, in its own zone) as the badge prints it: 15.10.2031."""
    return plenary.starts_at.astimezone(ZoneInfo(plenary.timezone)).strftime("%d.%m.%Y") if plenary.starts_at else ""


def delegation_of(registration: Registration) -> str:
    """The delegation a delegate came with: the head's organisation (if not the delegate's own), else the head."""
    head = registration.delegation_head
    if head is None or head.anonymised_at is not None:
        return ""
    if head.organisation and head.organisation.strip() != (registration.organisation or "").strip():
        return head.organisation
    return head.display_name


#: Bidi embeddings, overrides, isolates and marks: they would reorder what a badge shows ("‮RTL" read backwards).
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Characters beyond the Basic Multilingual Plane that no installed font draws (emoji): WeasyPrint would print an
#: empty box and write a broken text layer for the whole line's font. Chinese characters of the supplementary
#: ideographic planes (U+20000–U+3FFFF, in rare names) stay.
_UNPRINTABLE = re.compile("[\U00010000-\U0001ffff\U00040000-\U0010ffff\ufe0e\ufe0f\u200d]")


def _clean(text: str | None) -> str:
    """One line of printable text: no control or bidi characters, no emoji, runs of white space as one space."""
    return " ".join(_UNPRINTABLE.sub("", _BIDI.sub("", strip_controls(text or ""))).split())


def _latin_class(text: str) -> str:
    name = size_class(text, LATIN_CLASSES)
    # A single word wider than the card's line (a 100-letter last name) is set in the smallest type.
    return "xxs" if longest_word(text) > 40 else name


def badge_card(registration: Registration) -> dict:
    """Everything one badge or name plate shows for ``registration`` (texts as typed: the template escapes)."""
    name = badge_name(_clean(registration.first_name), _clean(registration.last_name),
                      _clean(registration.honorific), _clean(registration.name_zh))  # fmt: skip
    role = ParticipantRole(registration.role or ParticipantRole.DELEGATE)
    organisation = _clean(registration.organisation)
    delegation = _clean(delegation_of(registration))
    chinese = name.chinese + name.chinese_honorific
    # A long honorific (Staatssekretär a. D.) gets a line of its own above the name, which then stays large.
    title_line = len(name.latin_honorific) > LONG_HONORIFIC
    latin = name.latin_name if title_line else name.latin
    with_qr = bool(registration.gets_checkin_code)
    return {
        "id": registration.id,
        "chinese": name.chinese,
        "chinese_honorific": name.chinese_honorific,
        "chinese_class": size_class(chinese, CHINESE_CLASSES),
        "latin_title": name.latin_honorific if title_line else "",
        "latin": latin,
        "latin_class": _latin_class(latin),
        "organisation": organisation,
        "organisation_class": size_class(organisation, ORGANISATION_CLASSES),
        "organisation_zh": is_han(organisation),
        "delegation": delegation,
        "delegation_class": size_class(delegation, ORGANISATION_CLASSES),
        "role": role.value,
        "role_words": BADGE_WORDS[role],
        "role_colour": BADGE_COLOURS[role],
        "qr": qr_data_uri(checkin_url(registration)) if with_qr else None,
        "code": checkin_code(registration) if with_qr else None,
    }


def plenary_context(plenary: Plenary) -> dict:
    """What every badge and name plate of ``plenary`` shows: its short titles and date."""
    return {"titles": short_titles(plenary), "date": plenary_date(plenary)}


def _merge(parts: Iterator[bytes]) -> bytes:
    """The PDFs of ``parts`` as one PDF (one part: as it is)."""
    parts = list(parts)
    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def cut_marks_uri(size: CardSize) -> str:
    """The cut marks of one A4 sheet of ``size`` cards as an SVG ``data:`` URI (ticks 5 mm long at every corner)."""
    lines = []
    for slot in slots(size):
        for x in (slot.left, slot.left + size.width):
            for y, direction in ((slot.top, 1), (slot.top + size.height, -1)):
                inward = 1 if x == slot.left else -1
                lines.append(f'<path d="M{x:.2f} {y:.2f}h{5 * inward}M{x:.2f} {y:.2f}v{5 * direction}"/>')
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297">'
           f'<g stroke="#555" stroke-width="0.1" fill="none">{"".join(lines)}</g></svg>')  # fmt: skip
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def badge_chunks(context: dict, cards: list[dict], size: CardSize,
                 progress: Callable[[int], None] | None = None) -> Iterator[bytes]:  # fmt: skip
    """The badges' PDF in parts of SHEETS_PER_CHUNK sheets; ``progress(done)`` after each part.

    Works on ``cards`` (``badge_card``'s dicts), not on database rows: a caller may commit between parts.
    """
    positions = slots(size)
    context = context | {"size": size, "cut_marks": cut_marks_uri(size)}
    chunk = size.per_sheet * SHEETS_PER_CHUNK
    for start in range(0, len(cards), chunk):
        part = cards[start : start + chunk]
        pages = [list(zip(positions, sheet, strict=False)) for sheet in sheets(part, size.per_sheet)]
        yield render_pdf("badges/badges.html", "de", context | {"pages": pages})
        if progress is not None:
            progress(start + len(part))


def nameplate_chunks(context: dict, cards: list[dict],
                     progress: Callable[[int], None] | None = None) -> Iterator[bytes]:  # fmt: skip
    """The name plates' PDF (one A4 landscape page per person) in parts; ``progress(done)`` after each part."""
    for start in range(0, len(cards), PLATES_PER_CHUNK):
        part = cards[start : start + PLATES_PER_CHUNK]
        yield render_pdf("badges/nameplates.html", "de", context | {"plates": part})
        if progress is not None:
            progress(start + len(part))


def render_cards(kind: str, context: dict, cards: list[dict], size: str | None = None,
                 progress: Callable[[int], None] | None = None) -> bytes:  # fmt: skip
    """The PDF of ``cards``: badges (``size`` cards, A6: 4 per A4 sheet, cut marks) or name plates."""
    if kind == "nameplate":
        return _merge(nameplate_chunks(context, cards, progress))
    return _merge(badge_chunks(context, cards, card_size(size), progress))


def cards_for(kind: str, registrations: list[Registration], issue: bool = True) -> list[dict]:
    """The cards of ``registrations``; badges with their verification code (issued where needed, flushed) unless
    ``issue`` is False (the preview)."""
    cards = [badge_card(r) for r in registrations]
    if kind != "nameplate" and issue:
        verify(cards, registrations)
    return cards


def render_badges(plenary: Plenary, registrations: list[Registration], size: str | None = None,
                  issue: bool = True) -> bytes:  # fmt: skip
    """The PDF of these people's badges, ``size`` cards (A6: 4 per A4 sheet) with cut marks (the caller commits)."""
    return render_cards("badge", plenary_context(plenary), cards_for("badge", registrations, issue), size)


def render_nameplates(plenary: Plenary, registrations: list[Registration]) -> bytes:
    """The PDF of these people's table name plates: one folded A4 landscape page each."""
    return render_cards("nameplate", plenary_context(plenary), [badge_card(r) for r in registrations])


def render_first_sheet(plenary: Plenary, registrations: list[Registration], kind: str, size: str | None) -> bytes:
    """The preview: the first A4 sheet of badges (or the first name plate)."""
    if kind == "nameplate":
        return render_nameplates(plenary, registrations[:1])
    cards = card_size(size)
    return render_badges(plenary, registrations[: cards.per_sheet], cards.key, issue=False)


class UnknownRole(ValueError):
    """Not one of the roles (ParticipantRole)."""


def set_role(registration: Registration, role: str) -> bool:
    """Give ``registration`` the role ``role`` (audited; flushes, never commits); False if it had it already."""
    if role not in ParticipantRole.__members__.values():
        raise UnknownRole(role)
    before = str(registration.role or ParticipantRole.DELEGATE)
    if before == role:
        return False
    registration.role = ParticipantRole(role)
    record("registration.update", registration, changes={"role": [before, role]}, summary="role changed")
    db.session.flush()
    return True
