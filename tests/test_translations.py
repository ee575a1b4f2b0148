"""The de/en/zh catalogues cover every interface string, with matching placeholders."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(lang: str):
    with open(ROOT / "plenary" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="module")
def source_msgids(tmp_path_factory) -> set[str]:
    """Every msgid the code and templates use right now, extracted afresh."""
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
         "lazy_gettext", "-k", "lazy_pgettext:1c,2", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with open(out, "rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("lang", ["de", "en", "zh"])
def test_catalog_is_complete_and_consistent(lang, source_msgids):
    catalog = _catalog(lang)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert "fuzzy" not in message.flags, f"{lang}: fuzzy {ids[0]!r}"
        assert all(strings), f"{lang}: untranslated {ids[0]!r}"
        # A plural's singular may leave the number out ("Cancel this registration?"): then each form may use
        # the placeholders of either msgid; any other message has exactly those of its msgid.
        allowed = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            assert found <= allowed if len(ids) > 1 else found == allowed, f"{lang}: placeholders differ in {ids[0]!r}"
        translated[ids[0]] = strings
    missing = source_msgids - set(translated)
    assert not missing, f"{lang}: not in the catalogue (run scripts/update-translations): {sorted(missing)}"


def _missing(lang: str, msgids: set[str]) -> list[str]:
    """The msgids of ``msgids`` without a usable translation in ``lang`` (absent, empty or fuzzy)."""
    translated = set()
    for message in _catalog(lang):
        if not message.id or "fuzzy" in message.flags:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(s and s.strip() for s in strings):
            translated.add(message.id if isinstance(message.id, str) else message.id[0])
    return sorted(msgids - translated)


@pytest.mark.parametrize("lang", ["de", "zh"])
def test_every_interface_string_is_translated_naming_all_that_are_not(lang, source_msgids):
    """Every msgid of plenary/ and templates/ (babel.cfg) has a non-empty, not fuzzy German and Chinese text."""
    missing = _missing(lang, source_msgids)
    assert not missing, f"{lang}: {len(missing)} untranslated (absent, empty or fuzzy):\n" + "\n".join(missing)


def _wtforms_english() -> list[re.Pattern]:
    """Every message WTForms itself may show, in English, as a pattern (its placeholders match anything)."""
    from wtforms.i18n import messages_path

    with open(Path(messages_path()) / "wtforms.pot", "rb") as fh:
        ids = {i for m in read_po(fh) if m.id for i in (m.id if isinstance(m.id, tuple) else (m.id,))}
    return [re.compile(re.sub(r"%\\\(\w+\\\)[ds]", ".+?", re.escape(i))) for i in sorted(ids)]


def test_back_office_pages_in_chinese_show_no_english_wtforms_message(client, accounts, make_plenary):
    """Forms of the back office, sent with mistakes in every kind of field, answer in Chinese only."""
    from tests.conftest import login
    from tests.test_admin_content import announcement_data, member_data
    from tests.test_admin_plenaries import new_plenary_data

    make_plenary()
    login(client, "admin@isa.example")
    posts = {
        "/admin/plenaries/new": new_plenary_data(number="x", start_time="25:00", start_date="2032-13-01",
                                                 capacity_in_person="viele", format="party", title_de=""),
        "/admin/plenaries/test-plenary/agenda/new": {"kind": "talk", "day": "2031-10-15", "start_time": "9 Uhr",
                                                     "duration_minutes": "-5", "title-de": ""},
        "/admin/announcements/new": announcement_data(published_at="morgen", kind="advert", title_de=""),
        "/admin/members/new": member_data(joined_year="zwei", country="XX", name_de=""),
        "/admin/accounts/new": {"email": "kein-at", "role": "king", "password": "x" * 300},
        "/admin/plenaries/test-plenary/registrations/new": {"email": "", "first_name": "", "attendance": "x"},
    }  # fmt: skip
    patterns = _wtforms_english()
    found = {"en": {}, "zh": {}}
    for lang in found:
        for url, data in posts.items():
            response = client.post(f"{url}?lang={lang}", data=data)
            assert response.status_code in (200, 400), url
            text = re.sub(r"<[^>]*>", " ", response.get_data(as_text=True)).replace("&#39;", "'")
            found[lang][url] = [p.pattern for p in patterns if p.search(text)]
    # In English each form shows WTForms' own messages (so the mistakes reach its validators) ...
    assert all(found["en"].values()), found["en"]
    # ... in Chinese none of them is left in English.
    assert {url: english for url, english in found["zh"].items() if english} == {}
