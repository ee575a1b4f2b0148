"""Chinese names in characters: whether a text is written in them, and how one splits into family and given name.

Used wherever a Chinese name is taken apart: the greeting of a mail ("尊敬的欧阳女士"), the badges' Latin line
("OUYANG Nana"), sorting. A two-character compound family name from the common list (欧阳, 司马, 诸葛 …) is the
family name, else the first character (rare compound surnames outside the list and married names such as 陈李美玲
split after the first character).
"""

#: Two-character family names (复姓) taken as one family name when a name in characters is split.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 令狐 夏侯 慕容 尉迟 公孙 长孙 宇文 司徒 轩辕 端木 独孤 南宫 西门 万俟 闻人 "
    "澹台 呼延 申屠 单于 太史 东郭 公羊 赫连 钟离 宗政 濮阳 淳于 仲孙 鲜于 闾丘 亓官 司空 百里 拓跋".split()
)


def is_han(text: str | None) -> bool:
    """True if ``text`` contains Chinese characters (CJK unified ideographs)."""
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text or "")


def split_han_name(name: str) -> tuple[str, str]:
    """A name in characters as (family name, given name): a listed compound surname, else the first character."""
    name = "".join(name.split())
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]
