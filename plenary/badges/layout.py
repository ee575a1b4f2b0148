"""Where badges and name plates go on the paper, and which size class a text gets (pure, no Flask).

A badge card is laid out on A4 sheets in a grid (``SIZES``); cut marks are drawn at every card's corners. Long
texts never overflow or get clipped: each text gets a size class by its length (``size_class``), so a long
name is set smaller, and the CSS wraps what still does not fit (``overflow-wrap: anywhere``). The classes are
measured for the longest values the registration form takes (first and last name 100 characters each,
organisation 200, name in characters 50).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CardSize:
    """A badge size: the card in millimetres and how many go across and down an A4 sheet (portrait)."""

    key: str
    width: float
    height: float
    across: int
    down: int

    @property
    def per_sheet(self) -> int:
        """Cards per A4 sheet."""
        return self.across * self.down

    @property
    def margin_x(self) -> float:
        """The sheet's left (and right) margin in mm: the grid is centred."""
        return (210 - self.across * self.width) / 2

    @property
    def margin_y(self) -> float:
        """The sheet's top (and bottom) margin in mm."""
        return (297 - self.down * self.height) / 2

    @property
    def compact(self) -> bool:
        """True for cards too small for the large type of A6."""
        return self.height < 100


#: The badge sizes offered: A6 (4 per A4, portrait), A7 (8 per A4, landscape cards) and the 90 × 55 mm card.
SIZES = {
    "a6": CardSize("a6", 105, 148, 2, 2),
    "a7": CardSize("a7", 105, 74, 2, 4),
    "card": CardSize("card", 90, 55, 2, 5),
}
DEFAULT_SIZE = "a6"


def card_size(key: str | None) -> CardSize:
    """The size ``key`` names; A6 for anything else."""
    return SIZES.get(key or "", SIZES[DEFAULT_SIZE])


@dataclass(frozen=True)
class Slot:
    """Where one card sits on its sheet (mm from the sheet's top left corner)."""

    left: float
    top: float


def slots(size: CardSize) -> list[Slot]:
    """The positions of the cards of one sheet, row by row."""
    return [Slot(size.margin_x + col * size.width, size.margin_y + row * size.height)
            for row in range(size.down) for col in range(size.across)]  # fmt: skip


def sheets(items: list, per_sheet: int) -> list[list]:
    """``items`` in groups of ``per_sheet`` (the last one may be shorter)."""
    return [items[start : start + per_sheet] for start in range(0, len(items), per_sheet)]


#: Length limits (characters, a wide character counting two) of each size class, largest type first.
LATIN_CLASSES = ((16, "xl"), (24, "l"), (40, "m"), (80, "s"), (140, "xs"))
CHINESE_CLASSES = ((8, "xl"), (12, "l"), (18, "m"), (30, "s"), (60, "xs"))
ORGANISATION_CLASSES = ((30, "l"), (60, "m"), (110, "s"), (200, "xs"))


def text_width(text: str) -> int:
    """The text's width in half-width units: a CJK or full-width character counts two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def size_class(text: str, classes: tuple[tuple[int, str], ...]) -> str:
    """The size class of ``text``: the first whose limit it fits, else the last with "xxs" (the smallest type)."""
    width = text_width(text)
    for limit, name in classes:
        if width <= limit:
            return name
    return "xxs"


def longest_word(text: str) -> int:
    """The width of ``text``'s longest word: one that is wider than a line is set a size smaller."""
    return max((text_width(word) for word in text.split()), default=0)
