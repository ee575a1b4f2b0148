"""The public pages polished: hyphenation, time ranges, past plenaries, Chinese pages, rows without JavaScript."""

import re

import pytest
from markupsafe import Markup

from plenary.countries import country_name, country_names
from plenary.hyphenation import SOFT_HYPHEN, hyphenate, hyphenate_word
from plenary.i18n import Localized

LANGS = ("de", "en", "zh")
SHY = SOFT_HYPHEN


def translate(app, lang: str, message: str, **values) -> str:
    """``message`` as the catalogue renders it in ``lang`` (so the tests follow the translations)."""
    from flask_babel import gettext

    with app.test_request_context(f"/?lang={lang}"):
        return gettext(message, **values)


def text_of(html: str) -> str:
    """The page's text as read: tags dropped, soft hyphens invisible, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace(SHY, "")


# --- Soft hyphens -------------------------------------------------------------------------------


def test_long_german_words_get_soft_hyphens_at_syllables():
    assert hyphenate_word("Simultanverdolmetschung") == SHY.join(["Simul", "tan", "ver", "dol", "met", "schung"])
    # A one-letter syllable joins its neighbour; no break in a word's first or last three letters.
    assert hyphenate_word("Plenarversammlungen") == SHY.join(["Ple", "nar", "ver", "samm", "lun", "gen"])
    assert hyphenate_word("Industriestädteallianz").startswith("Indus" + SHY + "trie" + SHY)
    assert hyphenate_word("Plenarversammlung") == "Plenarversammlung", "a word that fits is left alone"
    assert hyphenate("Simultanverdolmetschung", "en") == "Simultanverdolmetschung"
    assert hyphenate("同声传译Simultanverdolmetschung", "zh") == "同声传译Simultanverdolmetschung"
    # The language of the text wins over the page's: a German fallback on an English page is German.
    assert SHY in hyphenate(Localized("Simultanverdolmetschung", "de", "en"), "en")


def test_hyphenation_escapes_and_never_touches_what_is_copied():
    hostile = '<script>alert(1)</script> "><img src=x onerror=alert(1)> Simultanverdolmetschung'
    out = hyphenate(hostile, "de")
    assert "<script>" not in out and "<img" not in out and "&lt;img src=x" in out
    assert "Simul" + SHY + "tan" in out
    html = Markup(
        '<p>Die Simultanverdolmetschung: <a href="https://example.org/Simultanverdolmetschung">'
        "Simultanverdolmetschung</a> an simultanverdolmetschung@example.org oder "
        "www.simultanverdolmetschung.example, <code>Simultanverdolmetschung</code></p>"
        "<pre>Simultanverdolmetschung\nSimultanverdolmetschung</pre>"
    )
    out = hyphenate(html, "de")
    assert out.count(SHY + "tan" + SHY) == 2, "the prose word and the link's text"
    assert 'href="https://example.org/Simultanverdolmetschung"' in out
    assert "simultanverdolmetschung@example.org" in out and "www.simultanverdolmetschung.example" in out
    assert "<code>Simultanverdolmetschung</code>" in out
    assert "<pre>Simultanverdolmetschung\nSimultanverdolmetschung</pre>" in out


def test_register_form_hyphenates_labels_but_not_values(client, open_plenary):
    open_plenary()
    long = "Simultanverdolmetschungsanlage"
    body = client.post(
        "/plenaries/test-plenary/register?lang=de",
        data={"first_name": long, "organisation": f'"><script>{long}</script>', "add_delegate": "1"},
    ).get_data(as_text=True)
    assert f'value="{long}"' in body, "a typed value comes back exactly as typed"
    assert "<script>Simultan" not in body and f"&lt;script&gt;{long}&lt;/script&gt;" in body
    label = translate(client.application, "de", "I need simultaneous interpretation German ↔ Chinese")
    if "Simultanverdolmetschung" in label:  # the German catalogue's wording
        assert "Simultanverdolmetschung" not in body.split('name="interpretation"')[1].split("</label>")[0]


def test_plenary_title_and_description_hyphenated_and_escaped(client, make_plenary):
    make_plenary(
        title={"de": "Industriestädteallianz <b>Simultanverdolmetschung</b>", "en": "Plenary"},
        description={"de": "Die Simultanverdolmetschung `Simultanverdolmetschung` <script>x</script>"},
    )
    body = client.get("/plenaries/test-plenary?lang=de").get_data(as_text=True)
    h1 = body.split("<h1")[1].split("</h1>")[0]
    assert "Indus" + SHY in h1 and "&lt;b&gt;Simul" + SHY in h1 and "<b>" not in h1
    prose = body.split('class="prose')[1].split("</section>")[0]
    assert "Simul" + SHY + "tan" in prose and "<code>Simultanverdolmetschung</code>" in prose
    assert "<script>x" not in prose
    english = client.get("/plenaries/test-plenary?lang=en").get_data(as_text=True)
    assert SHY not in english.split("<h1")[1].split("</h1>")[0]


# --- Time ranges and dates ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_time_ranges_never_break_inside(client, make_plenary, lang):
    make_plenary()
    body = client.get(f"/plenaries/test-plenary?lang={lang}").get_data(as_text=True)
    ranges = re.findall(r'<span class="clock-range">(.*?)</span>', body, re.S)
    assert len(ranges) == 2, "the plenary's zone and the partner's"
    assert text_of(ranges[0]).startswith("09:00–12:30") and text_of(ranges[1]).startswith("15:00–18:30")
    assert re.search(r'<span class="nowrap">[^<]*2031[^<]*</span>', body), "the date is kept together"


# --- Past plenaries read as held ----------------------------------------------------------------------


PAST = {
    "starts_at": "2021-10-15T09:00:00+02:00",
    "ends_at": "2021-10-15T12:00:00+02:00",
    "format": "hybrid",
    "agenda": [],
}


@pytest.mark.parametrize("lang", LANGS)
def test_past_plenary_reads_as_held(client, make_plenary, lang):
    make_plenary(**PAST, registration=None)
    app = client.application
    body = client.get(f"/plenaries/test-plenary?lang={lang}").get_data(as_text=True)
    text = text_of(body)
    took_place = translate(app, lang, "Took place on %(date)s.", date="DATE").split("DATE")[0]
    assert took_place.strip() in text
    assert translate(app, lang, "Held as a hybrid assembly, in person and online.") in text
    assert 'class="held-note' in body and "calendar-links" not in body and "register-button" not in body
    assert translate(app, lang, "Registration closed") not in body.split('class="card facts"')[1]
    listing = client.get(f"/plenaries/?lang={lang}").get_data(as_text=True)
    past = listing.split('id="past-title"')[1]
    assert 'class="held-on"' in past and took_place.strip() in text_of(past)
    assert 'class="held-on"' not in listing.split('id="past-title"')[0]


def test_past_plenary_calendar_and_api_unchanged(client, make_plenary):
    make_plenary(**PAST, registration=None)
    ics = client.get("/plenaries/test-plenary.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.data and b"DTSTART" in ics.data
    api = client.get("/api/v1/plenaries/test-plenary")
    assert api.status_code == 200 and api.get_json()["starts_at"].startswith("2021-10-15")


def test_upcoming_plenary_reads_as_upcoming(client, make_plenary):
    make_plenary()
    body = client.get("/plenaries/test-plenary?lang=de").get_data(as_text=True)
    assert 'class="held-note' not in body and "calendar-links" in body and 'class="held-on"' not in body


# --- Chinese pages ------------------------------------------------------------------------------------


def test_country_names_follow_each_languages_usage(plain_app):
    assert [country_name(c, "zh") for c in ("HK", "MO", "TW", "CN")] == ["中国香港", "中国澳门", "中国台湾", "中国"]
    assert [country_name(c, "de") for c in ("HK", "MO", "TW")] == ["Hongkong", "Macau", "Taiwan"]
    assert [country_name(c, "en") for c in ("HK", "MO", "TW")] == ["Hong Kong", "Macao", "Taiwan"]
    assert country_name(None, "zh") is None and country_name("QQ", "zh") == "QQ"
    assert "台湾" not in country_names("zh").values()
    with pytest.raises(TypeError):
        country_names("zh")["TW"] = "台湾"  # read-only: the one source cannot be changed by a caller


def test_chinese_registration_form_names_regions_as_prc_bodies_do(client, open_plenary):
    open_plenary()
    body = client.get("/plenaries/test-plenary/register?lang=zh").get_data(as_text=True)
    for code, name in (("HK", "中国香港"), ("MO", "中国澳门"), ("TW", "中国台湾")):
        assert re.search(rf'<option value="{code}">{name}</option>', body), code
    assert ">台湾<" not in body and "特别行政区" not in body
    german = client.get("/plenaries/test-plenary/register?lang=de").get_data(as_text=True)
    assert '<option value="TW">Taiwan</option>' in german and '<option value="HK">Hongkong</option>' in german


@pytest.mark.parametrize("lang", LANGS)
def test_calendar_links_lead_with_ics_and_outlook(client, make_plenary, lang):
    make_plenary()
    body = client.get(f"/plenaries/test-plenary?lang={lang}").get_data(as_text=True)
    links = body.split("calendar-links")[1].split("</ul>")[0]
    order = [links.index(marker) for marker in (".ics", "outlook", "google")]
    assert order == sorted(order), "download, Outlook, then Google Calendar"
    note = translate(client.application, lang, "(not reachable from mainland China)")
    assert (note in links) == (lang == "zh")


def test_chinese_text_is_never_italic_in_the_stylesheet(client):
    css = client.get("/static/css/plenary.css").get_data(as_text=True)
    rule = re.search(r":lang\(zh\) em, :lang\(zh\) i[^{]*\{([^}]*)\}", css)
    assert rule and "font-style: normal" in rule.group(1)


def test_demo_speakers_shown_with_their_chinese_names(client, demo):
    zh = client.get("/plenaries/10th-plenary?lang=zh").get_data(as_text=True)
    assert '<span class="speaker-name">弗里德黑尔姆·奥斯特' in zh
    de = client.get("/plenaries/10th-plenary?lang=de").get_data(as_text=True)
    assert '<span class="speaker-name-zh" lang="zh-Hans">弗里德黑尔姆·奥斯特</span>' in de


# --- Rows: the script is ours, and the buttons work without it ---------------------------------------


def test_row_script_is_ours_and_rows_are_marked(client, open_plenary):
    open_plenary()
    body = client.get("/plenaries/test-plenary/register?lang=de").get_data(as_text=True)
    script = re.search(r'<script src="(/static/dist/site\.js\?v=[0-9a-f]+)" defer></script>', body)
    assert script, "rows.js comes in the site's one script (assets/site.js)"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "no inline script (CSP)"
    assert 'data-rows="delegates"' in body
    bundle = client.get(script.group(1), headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    assert "data-rows-status" in bundle


def test_delegate_rows_added_and_removed_without_javascript(client, open_plenary):
    open_plenary()
    one = client.post("/plenaries/test-plenary/register?lang=de", data={"add_delegate": "1"})
    assert one.get_data(as_text=True).count('<fieldset class="delegate border rounded p-3 mb-3" data-row>') == 1
    two = client.post(
        "/plenaries/test-plenary/register?lang=de",
        data={"delegates-0-first_name": "Jonas", "delegates-1-first_name": "李", "remove_delegate": "0"},
    ).get_data(as_text=True)
    assert two.count("data-row>") == 1 and 'value="李"' in two and 'value="Jonas"' not in two
    assert 'name="delegates-0-first_name"' in two and 'name="delegates-1-first_name"' not in two
