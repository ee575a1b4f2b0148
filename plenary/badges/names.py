"""How a badge, a name plate and their order name a person: the Chinese name in characters and the Latin line.

One pure function, ``badge_name``. The rules (China-facing protocol, as the alliance's badges use it):

- **Chinese line**: ``name_zh`` if given, else the registration's own name when it is written in characters
  (family name first: ``last_name`` + ``first_name``, "张伟"). A Chinese honorific (市长, 秘书长) follows it.
- **Latin line**: the family name in capitals, a Latin honorific (Dr., Prof., Staatssekretär a. D.) in front.
  A person of the Chinese convention has the family name first ("ZHANG Wei"); everyone else given name first
  ("Dr. Anna SCHMIDT").
- **Who follows the Chinese convention**: whose name is registered in characters, or who gave a ``name_zh``
  whose family name's pinyin is the Latin family name ("Wei" / "Zhang" / 张伟). A German with a Chinese name
  (Friedhelm Ost, 奥斯特) keeps his order. Someone who put the family name into the first-name field
  ("Zhang" / "Wei" / 张伟) is read the Chinese way too.
- **Romanisation** when the name is known only in characters: pinyin without tones (pypinyin; ü kept: 吕 →
  LÜ), the family name in capitals, the given name's syllables written as one word with a capital ("ZHANG
  Wei", "WANG Xiaoming"). Surnames with their own reading are read as surnames (单 Shan, 曾 Zeng, 解 Xie …).
- **Splitting a name in characters** that comes as one piece (``name_zh`` alone, or the whole name in one
  field): a two-character compound family name from the common list (欧阳, 司马, 诸葛 …) is the family name,
  else the first character. That is the simple rule: rare compound surnames outside the list and married names
  (陈李美玲) split after the first character.
"""

from dataclasses import dataclass

from pypinyin import lazy_pinyin

from plenary.chinese_names import COMPOUND_SURNAMES, is_han, split_han_name  # noqa: F401  (also the badges' API)

#: Family names whose reading as a surname differs from pypinyin's default reading of the character.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha", "乐": "yue",
    "盖": "ge", "覃": "qin", "召": "shao", "缪": "miao", "秘": "bi", "种": "chong", "翟": "zhai", "尉迟": "yuchi",
    "万俟": "moqi", "单于": "chanyu", "长孙": "zhangsun", "澹台": "tantai", "繁": "po", "员": "yun", "宓": "fu",
}  # fmt: skip


def _fold(text: str) -> str:
    """Lower case letters only ("Zhang", "ZHANG", "zhāng" → "zhang"): for comparing a name with pinyin."""
    plain = text.casefold().replace("ü", "v").replace("ā", "a").replace("á", "a").replace("ǎ", "a")
    plain = plain.replace("à", "a").replace("ē", "e").replace("é", "e").replace("ě", "e").replace("è", "e")
    plain = plain.replace("ī", "i").replace("í", "i").replace("ǐ", "i").replace("ì", "i").replace("ō", "o")
    plain = plain.replace("ó", "o").replace("ǒ", "o").replace("ò", "o").replace("ū", "u").replace("ú", "u")
    plain = plain.replace("ǔ", "u").replace("ù", "u")
    return "".join(ch for ch in plain if ch.isalpha())


def surname_pinyin(family: str) -> str:
    """The pinyin of a family name in characters, read as a surname ("单" → "shan", "欧阳" → "ouyang")."""
    if family in SURNAME_READINGS:
        return SURNAME_READINGS[family]
    head = SURNAME_READINGS.get(family[:1])
    if head is not None:
        return head + "".join(lazy_pinyin(family[1:], v_to_u=True))
    return "".join(lazy_pinyin(family, v_to_u=True))


def given_pinyin(given: str) -> str:
    """The pinyin of a given name in characters, as one capitalised word ("小明" → "Xiaoming")."""
    return "".join(lazy_pinyin(given, v_to_u=True)).capitalize()


@dataclass(frozen=True)
class BadgeName:
    """A person's names as a badge shows them, and the key they are sorted by."""

    chinese: str  # in characters ("张伟"), or "" when none is known
    chinese_honorific: str  # a Chinese honorific (市长) shown after the Chinese name, or ""
    latin: str  # "Dr. Anna SCHMIDT", "ZHANG Wei"
    family: str  # the Latin family name as sorted ("schmidt", "zhang")
    given: str
    chinese_order: bool  # family name first on the Latin line
    latin_honorific: str = ""  # the Latin honorific in front ("Dr."), or ""
    latin_name: str = ""  # the Latin line without it ("Anna SCHMIDT")

    @property
    def sort_key(self) -> tuple[str, str]:
        """Family name then given name, folded (pinyin for names in characters)."""
        return (self.family.casefold(), self.given.casefold())


def badge_name(first_name: str | None, last_name: str | None, honorific: str | None = None,
               name_zh: str | None = None) -> BadgeName:  # fmt: skip
    """The Chinese and the Latin name of a person for badges and name plates (rules: the module's docstring)."""
    first, last = " ".join((first_name or "").split()), " ".join((last_name or "").split())
    honorific, name_zh = " ".join((honorific or "").split()), "".join((name_zh or "").split())
    chinese_honorific = honorific if is_han(honorific) else ""
    latin_honorific = "" if chinese_honorific else honorific
    registered_in_han = is_han(first + last)

    if registered_in_han:
        if first and last:
            family_han, given_han = last, first
        else:
            family_han, given_han = split_han_name(first or last)
        chinese = name_zh or family_han + given_han
        family, given = surname_pinyin(family_han), given_pinyin(given_han)
        chinese_order = True
    else:
        chinese = name_zh
        family, given = last, first
        chinese_order = False
        if name_zh:
            family_han, _given_han = split_han_name(name_zh)
            reading = _fold(surname_pinyin(family_han))
            if _fold(last) == reading:
                chinese_order = True
            elif _fold(first) == reading and _fold(last) != reading:
                family, given, chinese_order = first, last, True  # the family name was typed as first name
        if not family:  # one name only (a single-name person): it is shown as it is
            family, given = given, ""

    family_caps = family.upper()
    parts = [family_caps, given] if chinese_order else [given, family_caps]
    latin_name = " ".join(p for p in parts if p)
    latin = " ".join(p for p in (latin_honorific, latin_name) if p)
    return BadgeName(chinese=chinese, chinese_honorific=chinese_honorific, latin=latin, family=family,
                     given=given, chinese_order=chinese_order, latin_honorific=latin_honorific,
                     latin_name=latin_name)  # fmt: skip
