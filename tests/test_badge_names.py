"""The names a badge shows: Chinese in characters, the Latin line with the family name in capitals (pure)."""

import pytest

from plenary.badges.layout import CHINESE_CLASSES, LATIN_CLASSES, card_size, size_class, slots, text_width
from plenary.badges.names import badge_name, split_han_name


@pytest.mark.parametrize(
    ("first", "last", "honorific", "name_zh", "chinese", "latin"),
    [
        # Registered in characters: romanised with pinyin, family name first and in capitals.
        ("伟", "张", None, None, "张伟", "ZHANG Wei"),
        ("小明", "王", None, None, "王小明", "WANG Xiaoming"),
        ("娜娜", "欧阳", None, None, "欧阳娜娜", "OUYANG Nana"),
        # The whole name in one field: a listed compound surname is the family name, else the first character.
        ("", "欧阳娜娜", None, None, "欧阳娜娜", "OUYANG Nana"),
        ("", "诸葛亮", None, None, "诸葛亮", "ZHUGE Liang"),
        ("", "李明", None, None, "李明", "LI Ming"),
        # Surnames read as surnames, ü kept.
        ("田芳", "单", None, None, "单田芳", "SHAN Tianfang"),
        ("国藩", "曾", None, None, "曾国藩", "ZENG Guofan"),
        ("小明", "吕", None, None, "吕小明", "LÜ Xiaoming"),
        # Latin name with name_zh whose pinyin is the family name: the Chinese order.
        ("Wei", "Zhang", None, "张伟", "张伟", "ZHANG Wei"),
        ("Lily", "Wang", "Prof. Dr.", "王丽丽", "王丽丽", "Prof. Dr. WANG Lily"),
        ("Nana", "Ouyang", None, "欧阳娜娜", "欧阳娜娜", "OUYANG Nana"),
        # The family name typed as the first name: still read the Chinese way.
        ("Zhang", "Wei", None, "张伟", "张伟", "ZHANG Wei"),
        # Western names: given name first, family name in capitals, the honorific in front.
        ("Anna", "Schmidt", "Dr.", None, "", "Dr. Anna SCHMIDT"),
        ("Friedhelm", "Ost", "Staatssekretär a. D.", None, "", "Staatssekretär a. D. Friedhelm OST"),
        ("Ursula", "von der Leyen", None, None, "", "Ursula VON DER LEYEN"),
        ("Jörg", "Müller-Lüdenscheidt", "Prof.", None, "", "Prof. Jörg MÜLLER-LÜDENSCHEIDT"),
        # A German with a Chinese name keeps his order; the Chinese name is shown in characters.
        ("Friedhelm", "Ost", None, "奥斯特", "奥斯特", "Friedhelm OST"),
        # White space tidied; one name only.
        ("  Anna  ", " Schmidt ", " Dr. ", None, "", "Dr. Anna SCHMIDT"),
        ("Sukarno", "", None, None, "", "SUKARNO"),
    ],
)
def test_badge_names(first, last, honorific, name_zh, chinese, latin):
    name = badge_name(first, last, honorific, name_zh)
    assert (name.chinese, name.latin) == (chinese, latin)


def test_a_chinese_honorific_follows_the_chinese_name_and_stays_off_the_latin_line():
    name = badge_name("伟", "张", "市长", None)
    assert (name.chinese, name.chinese_honorific, name.latin) == ("张伟", "市长", "ZHANG Wei")
    western = badge_name("Anna", "Schmidt", "秘书长", None)
    assert (western.chinese, western.chinese_honorific, western.latin) == ("", "秘书长", "Anna SCHMIDT")


def test_sorting_uses_the_pinyin_of_names_in_characters():
    names = [badge_name("伟", "张"), badge_name("Anna", "Schmidt"), badge_name("娜娜", "欧阳"), badge_name("Li", "Bo")]
    assert [n.latin for n in sorted(names, key=lambda n: n.sort_key)] == [
        "Li BO", "OUYANG Nana", "Anna SCHMIDT", "ZHANG Wei"]  # fmt: skip


def test_hostile_values_pass_through_unchanged_for_the_template_to_escape():
    name = badge_name("<b>x</b>", "{{7*7}}", None, None)
    assert name.latin == "<b>x</b> {{7*7}}"


def test_split_han_name():
    assert split_han_name("司马光") == ("司马", "光")
    assert split_han_name("欧阳") == ("欧", "阳")  # two characters: a family name and a given name
    assert split_han_name("张 伟") == ("张", "伟")


def test_size_classes_shrink_with_length_and_count_wide_characters_twice():
    assert text_width("张伟") == 4
    assert size_class("ZHANG Wei", LATIN_CLASSES) == "xl"
    assert size_class("A" * 100 + " " + "B" * 100, LATIN_CLASSES) == "xxs"
    assert size_class("张伟", CHINESE_CLASSES) == "xl"
    assert size_class("欧" * 50, CHINESE_CLASSES) == "xxs"


def test_a6_is_four_per_a4_sheet_and_fits_the_paper():
    a6 = card_size("a6")
    assert a6.per_sheet == 4 and card_size("nonsense") == a6
    for size in ("a6", "a7", "card"):
        cards = card_size(size)
        for slot in slots(cards):
            assert 0 <= slot.left and slot.left + cards.width <= 210
            assert 0 <= slot.top and slot.top + cards.height <= 297
    assert card_size("a7").per_sheet == 8 and card_size("card").per_sheet == 10


def test_a_chinese_mail_greets_a_compound_surname_whole():
    from types import SimpleNamespace

    from plenary.registration.mail_values import salutation

    person = SimpleNamespace(salutation="ms", honorific=None, name_zh="欧阳志远", last_name="Ouyang",
                             display_name="Zhiyuan Ouyang")  # fmt: skip
    assert salutation(person, "zh") == ("ms", "欧阳")  # "尊敬的欧阳女士", not "欧女士"
    assert salutation(SimpleNamespace(**{**vars(person), "name_zh": "张伟"}), "zh") == ("ms", "张")
    assert salutation(person, "de") == ("ms", "Ouyang")
