"""The certificate's catalogue entries (strings-c.tsv) as a translations directory, until they are in the .po files.

The helpers of issue 12 hand their new strings to the lead as a table (msgid, de, en, zh) instead of editing the
catalogues; this compiles that table, when it is there, into .mo files that Flask-Babel merges over the app's
own (``BABEL_TRANSLATION_DIRECTORIES``: later directories win). Once the lead has merged the strings into the
.po files the table is gone and the app's catalogues say the same.
"""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from plenary import PROJECT_ROOT

TABLE = Path(PROJECT_ROOT).parent / "strings-c.tsv"
FOLDERS = {"de": "de", "en": "en", "zh": "zh"}


def translation_directories(tmp: Path) -> str:
    """The app's translations directory, then (if the table exists) one compiled from it: for the config."""
    own = str(Path(PROJECT_ROOT) / "plenary" / "translations")
    if not TABLE.exists():
        return own
    rows = [line.split("\t") for line in TABLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    for column, lang in enumerate(("de", "en", "zh"), start=1):
        catalog = Catalog(locale=lang)
        for row in rows:
            catalog.add(row[0], row[column])
        folder = tmp / FOLDERS[lang] / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "messages.mo", "wb") as handle:
            write_mo(handle, catalog)
    return f"{own};{tmp}"
