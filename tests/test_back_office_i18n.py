"""The back office in the organizer's language: WTForms' own messages, a document's problems with their times
formatted by Babel in the plenary's zone, times with the zone named, and the texts a plenary lacks in a language
listed before it is published (a warning, not a block).
"""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from wtforms.i18n import messages_path

from plenary.events.checks import ExchangeError, Problem
from plenary.events.editing import save_plenary
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.form_messages import GAPS
from plenary.registration.models import Registration
from tests.conftest import login, open_registration, plenary_document
from tests.test_admin_agenda import AGENDA, agenda_plenary, new_item  # noqa: F401 (agenda_plenary: a fixture)

ROOT = Path(__file__).resolve().parent.parent


def wtforms_messages() -> set[str]:
    """Every message WTForms itself may show (its catalogue template), in English."""
    with open(Path(messages_path()) / "wtforms.pot", "rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def english_wtforms_messages_in(page: str) -> list[str]:
    """The English WTForms messages ``page`` shows (its text, entities decoded)."""
    text = page.replace("&#39;", "'").replace("&quot;", '"')
    return sorted(m for m in wtforms_messages() if "%" not in m and m in text)


@pytest.mark.parametrize(("lang", "time_message"), [("de", "Keine gültige Uhrzeit."), ("zh", "不是有效的时间值。")])
def test_wtforms_messages_are_in_the_organizers_language(client, agenda_plenary, lang, time_message):  # noqa: F811
    bad = client.post(f"{AGENDA}/new?lang={lang}", data=new_item(start_time="25:00", duration_minutes="-5"))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert time_message in page  # "Not a valid time value." has no German in WTForms' catalogue: ours
    assert english_wtforms_messages_in(page) == []


def test_every_form_takes_wtforms_messages_from_form_messages():
    """No form is Flask-WTF's or WTForms' own class: each would show WTForms' gaps in English."""
    offenders = []
    for path in (ROOT / "plenary").rglob("*.py"):
        if path.name == "form_messages.py":
            continue
        source = path.read_text("utf-8")
        defines_form = re.search(r"^class \w+\((Flask)?Form\)", source, re.M)
        if re.search(r"^from flask_wtf import .*\bFlaskForm\b", source, re.M) or (
            defines_form and not re.search(r"^from plenary\.form_messages import", source, re.M)
        ):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    assert "Not a valid time value." in GAPS


@pytest.mark.parametrize(
    ("lang", "start", "item"),
    [
        ("de", "15.10.2031, 09:00 MESZ", "15.10.2031, 18:00 MESZ"),
        ("zh", "2031年10月15日 09:00 柏林夏令时", "2031年10月15日 18:00 柏林夏令时"),
        ("en", "15 Oct 2031, 09:00 CEST", "15 Oct 2031, 18:00 CEST"),
    ],
)
def test_an_item_outside_the_plenarys_time_is_told_with_formatted_times(client, agenda_plenary, lang, start, item):  # noqa: F811
    outside = client.post(f"{AGENDA}/new?lang={lang}", data=new_item(start_time="18:00"))
    page = outside.get_data(as_text=True)
    assert outside.status_code == 400
    assert start in page and item in page
    assert "2031-10-15T" not in re.sub(r"<[^>]*>", " ", page)  # no ISO time in what the page says
    assert len(agenda_plenary.agenda_items) == 2  # nothing stored


def test_the_cli_and_api_keep_the_english_path_and_iso_times(app):
    document = plenary_document(registration=open_registration())
    document["agenda"][0]["starts_at"] = "2031-10-15T18:00:00+02:00"
    with pytest.raises(ExchangeError) as refused:
        save_plenary(document)
    [problem] = refused.value.errors
    assert problem == ("agenda[0].starts_at: outside the plenary's time (2031-10-15T09:00:00+02:00 to "
                       "2031-10-15T12:30:00+02:00)")  # fmt: skip
    assert isinstance(problem, Problem) and problem.zone == "Europe/Berlin" and problem.values["number"] == 1


def test_times_on_back_office_pages_name_their_zone(client, agenda_plenary):  # noqa: F811
    registration_id = db.session.scalar(sa.select(Registration.id))
    text = client.get(f"/admin/registrations/{registration_id}?lang=de").get_data(as_text=True)
    assert re.search(r"\d\d\.\d\d\.\d\d, \d\d:\d\d <abbr[^>]*>ME(S)?Z</abbr>", text), "no zone beside the time"


#: A draft that lacks the Chinese summary and the English and Chinese titles of its second agenda item.
def gappy_draft() -> dict:
    document = plenary_document(status="draft", registration=open_registration())
    document["summary"] = {"de": "Zusammenfassung", "en": "Summary", "zh": "  "}
    return document


@pytest.mark.parametrize(
    ("lang", "gaps"),
    [
        ("en", ["Summary missing in: Chinese", "Agenda item 2 has no title in: English, Chinese"]),
        ("de", ["Chinesisch", "Englisch, Chinesisch"]),
        ("zh", ["中文", "英语、中文"]),
    ],
)
def test_publishing_warns_of_texts_missing_in_a_language(client, accounts, app, lang, gaps):
    save_plenary(gappy_draft())
    db.session.commit()
    login(client, "organizer@isa.example")
    home = client.get(f"/admin/plenaries/test-plenary?lang={lang}").get_data(as_text=True)
    [warning] = re.findall(r'<div class="alert alert-warning[^"]*"[^>]*id="translation-gaps">(.*?)</div>', home, re.S)
    for gap in gaps:
        assert gap in warning
    assert "Title" not in warning and "Description" not in warning  # complete: not listed
    assert "/publish" in home  # a warning, not a block
    published = client.post(f"/admin/plenaries/test-plenary/publish?lang={lang}", follow_redirects=True)
    assert db.session.scalar(sa.select(Plenary.status)) == "published"
    assert gaps[-1] in published.get_data(as_text=True)  # told once more, as it goes public


def test_hostile_texts_beside_the_gap_list_are_not_markup(client, accounts, app):
    document = gappy_draft()
    document["title"] = {"de": '<script>alert(1)</script>"><img src=x onerror=alert(2)> ' + "Ü" * 300}
    save_plenary(document)
    db.session.commit()
    login(client, "organizer@isa.example")
    home = client.get("/admin/plenaries/test-plenary?lang=zh").get_data(as_text=True)
    assert "<script>alert(1)" not in home and "<img src=x" not in home
    assert "&lt;script&gt;alert(1)" in home  # the title, as text
    [warning] = re.findall(r'id="translation-gaps">(.*?)</div>', home, re.S)
    assert "英语、中文" in warning  # the title lacks English and Chinese


def test_a_complete_plenary_shows_no_gap_warning(client, accounts, make_plenary):
    document = plenary_document()
    for item in document["agenda"]:
        item["title"] = {"de": "Punkt", "en": "Item", "zh": "议程"}
    save_plenary(document)
    db.session.commit()
    login(client, "organizer@isa.example")
    assert 'id="translation-gaps"' not in client.get("/admin/plenaries/test-plenary").get_data(as_text=True)
