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
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, f"{lang}: placeholders differ in {ids[0]!r}"
        translated[ids[0]] = strings
    missing = source_msgids - set(translated)
    assert not missing, f"{lang}: not in the catalogue (run scripts/update-translations): {sorted(missing)}"
