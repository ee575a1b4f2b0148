"""Language choice, its memory, <html lang>, and translated content with fallbacks."""

import re

import pytest

from plenary.i18n import localize, localize_any


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_default_is_german(client, demo):
    response = client.get("/")
    assert html_lang(response) == "de"
    assert "Nächste Plenarversammlung" in response.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "expected_lang", "text"), [("de", "de", "Tagesordnung"), ("en", "en", "Agenda"),
                                                             ("zh", "zh-Hans", "议程")])  # fmt: skip
def test_lang_parameter_works_on_any_url(client, demo, lang, expected_lang, text):
    response = client.get(f"/plenaries/10th-plenary?lang={lang}")
    assert html_lang(response) == expected_lang
    assert text in response.get_data(as_text=True)


def test_choice_is_remembered(client, demo):
    first = client.get("/news/?lang=zh")
    assert "plenary_lang=zh" in first.headers["Set-Cookie"]
    later = client.get("/members/")
    assert html_lang(later) == "zh-Hans"
    assert "成员城市" in later.get_data(as_text=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("zh-CN,zh;q=0.9,en;q=0.5", "zh-Hans"), ("en-US,en;q=0.8", "en"), ("fr-FR", "de"), ("zh-TW", "zh-Hans"),
     ("de-AT,de;q=0.9", "de"), ("de-DE,en;q=0.5", "de"), ("zh-CN,en;q=0.9", "zh-Hans"),
     ("zh-CN,zh-Hans;q=0.9,en;q=0.8", "zh-Hans"), ("fr,en;q=0.7,de;q=0.5", "en"), ("en;q=0.3,zh;q=0.8", "zh-Hans")],
)  # fmt: skip
def test_accept_language_decides_without_a_choice(client, demo, header, expected):
    assert html_lang(client.get("/", headers={"Accept-Language": header})) == expected


def test_explicit_choice_beats_accept_language(client, demo):
    client.get("/?lang=en")
    assert html_lang(client.get("/", headers={"Accept-Language": "zh-CN"})) == "en"


def test_unknown_lang_parameter_is_ignored(client, demo):
    response = client.get("/?lang=xx")
    assert response.status_code == 200
    assert html_lang(response) == "de"
    assert "Set-Cookie" not in response.headers


def test_switcher_links_keep_the_page_and_its_arguments(client, demo):
    body = client.get("/news/?page=1").get_data(as_text=True)
    assert 'href="/news/?page=1&amp;lang=zh"' in body
    assert 'href="/news/?page=1&amp;lang=en"' in body


def test_fallback_order_zh_en_de():
    assert localize({"de": "Hallo", "en": "Hello"}, "zh").text == "Hello"
    assert localize({"de": "Hallo"}, "zh").lang == "de"
    assert localize({"de": "Hallo", "zh": "你好"}, "en").text == "Hallo"
    assert localize({"zh": "你好"}, "de").text == "你好"
    assert localize({}, "de").text == ""
    assert localize({"de": "", "en": "Hello"}, "de").text == "Hello"
    plain = localize_any("GIZ", "zh")
    assert plain.text == "GIZ" and not plain.is_fallback


def test_fallback_content_is_marked_with_its_language(client, make_plenary):
    document_title = {"de": "Nur auf Deutsch"}
    make_plenary(title=document_title, summary={"en": "Only in English"})
    body = client.get("/plenaries/test-plenary?lang=zh").get_data(as_text=True)
    assert '<h1 class="page-title mb-3" lang="de">Nur auf Deutsch</h1>' in body
    assert re.search(r'<p class="lead" lang="en">Only in English</p>', body)
    # The item title exists in Chinese: no lang attribute on it.
    assert '<h3 class="h5 agenda-title">工作报告</h3>' in body


def test_translated_content_is_not_marked(client, make_plenary):
    make_plenary()
    body = client.get("/plenaries/test-plenary?lang=zh").get_data(as_text=True)
    assert '<h1 class="page-title mb-3">第四十二届全体大会</h1>' in body


def test_switcher_links_cannot_point_to_another_host(client, demo):
    body = client.get("/%5Cevil.example/x").get_data(as_text=True)
    assert "evil.example" not in body
    links = re.findall(r'href="([^"]*lang=zh[^"]*)"', body)
    assert links and all(link.startswith(("/", "?")) and not link.startswith(("//", "/\\")) for link in links)


def test_static_files_do_not_vary_by_language(client):
    response = client.get("/static/css/plenary.css")
    assert "Accept-Language" not in response.headers.get("Vary", "")
    response.close()
    assert "Accept-Language" in client.get("/").headers["Vary"]


def test_english_uses_british_formats(client, demo):
    body = client.get("/plenaries/10th-plenary?lang=en").get_data(as_text=True)
    assert "Friday, 15 October 2021" in body
    assert "09:00" in body and "AM" not in body
