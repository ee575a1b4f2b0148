"""The legal notice (Impressum) and the privacy notice: configurable, escaped, in three languages, linked from
the footer of every kind of page and from the registration form, true to what the app stores."""

import re

import pytest

from plenary.extensions import db
from plenary.personal import personal_columns
from plenary.registration import signup
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import login, person

IMPRINT_LINK = 'href="/impressum"'
PRIVACY_LINK = 'href="/privacy"'


def _footer(page: str) -> str:
    assert "<footer" in page, "no footer"
    return page.split("<footer", 1)[1]


def _links_both(page: str) -> bool:
    footer = _footer(page)
    return IMPRINT_LINK in footer and PRIVACY_LINK in footer


def test_footer_links_both_on_every_kind_of_page(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    client = app.test_client()
    with app.app_context():
        from plenary.auth.models import Role
        from plenary.auth.services import create_user
        from plenary.events.editing import save_plenary
        from tests.conftest import open_registration, plenary_document

        plenary = save_plenary(plenary_document(registration=open_registration())).plenary
        create_user("organizer@isa.example", Role("organizer"), "correct horse battery staple")
        db.session.commit()
        registration = signup.register(plenary.id, person("anna@example.org")).created[0]
        db.session.commit()
        token = token_for(registration)
        slug = plenary.slug
    public = ["/", "/plenaries/", f"/plenaries/{slug}", f"/plenaries/{slug}/register", "/news/", "/members/",
              "/privacy", "/impressum", "/admin/login"]  # fmt: skip
    personal = [f"/registrations/{token}", f"/registrations/{token}/edit", f"/registrations/{token}/erase"]
    for url in public + personal:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _links_both(response.get_data(as_text=True)), url
    for url, status in (("/nowhere", 404), ("/registrations/not-a-token", 404), ("/boom", 500)):
        response = client.get(url)
        assert response.status_code == status and _links_both(response.get_data(as_text=True)), url
    login(client, "organizer@isa.example")
    for url in ("/admin/", f"/admin/plenaries/{slug}/registrations", f"/admin/plenaries/{slug}/checkin"):
        response = client.get(url)
        assert response.status_code == 200 and _links_both(response.get_data(as_text=True)), url


def test_placeholders_are_shown_and_marked_until_configured(client):
    page = client.get("/impressum?lang=en").get_data(as_text=True)
    assert "Sino-German Industrial Cities Alliance (ISA)" in page and "Foshan" in page and "Yi Liu" in page
    assert "info@isa-alliance.example" in page  # the contact address, FLASK_CONTACT_EMAIL
    assert "legal-placeholder" in page and "FLASK_IMPRINT_ADDRESS" in page
    assert "§ 5" in page and "DDG" in page
    privacy = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "legal-placeholder" in privacy and "FLASK_PRIVACY_TRANSFER_SAFEGUARDS" in privacy


HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_configured_values_appear_escaped(make_app):
    app = make_app(
        IMPRINT={"OPERATOR": "Muster GmbH " + HOSTILE, "address": "Musterstraße 1\n10115 Berlin\u202e",
                 "REPRESENTATIVE": {"de": "Erika Mustermann", "en": "Erika Mustermann (CEO)", "zh": "总经理 Erika"},
                 "PHONE": "+49 30 1234 " + HOSTILE, "VAT_ID": "DE123456789", "GERMAN_CONTACT": "—"},
        IMPRINT_ADDRESS="Beispielweg 2\n10117 Berlin\n" + HOSTILE,  # a single key wins over the JSON object
        IMPRINT_EMAIL="impressum@example.org", IMPRINT_REGISTER="Amtsgericht Charlottenburg, HRB 1",
        PRIVACY={"HOSTING": {"de": "in Frankfurt am Main", "en": "in Frankfurt am Main", "zh": "德国法兰克福"},
                 "TRANSFER_SAFEGUARDS": "SCC 2021/914 " + HOSTILE, "SERVER_LOGS": "Logs: 7 days."},
        PRIVACY_SUPERVISORY_AUTHORITY="Berliner Beauftragte " + HOSTILE,
    )  # fmt: skip
    client = app.test_client()
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"
    imprint = client.get("/impressum?lang=en").get_data(as_text=True)
    assert "<script>alert" not in imprint and "<img src=x" not in imprint
    assert imprint.count(escaped) == 3  # operator, address line, phone
    assert "Erika Mustermann (CEO)" in imprint and "Beispielweg 2" in imprint and "Musterstraße" not in imprint
    assert 'href="mailto:impressum@example.org"' in imprint and "Amtsgericht Charlottenburg, HRB 1" in imprint
    assert "DE123456789" in imprint and "legal-placeholder" not in imprint  # everything configured
    zh = client.get("/impressum?lang=zh").get_data(as_text=True)
    assert "总经理 Erika" in zh
    privacy = client.get("/privacy?lang=de").get_data(as_text=True)
    assert "<script>alert" not in privacy and "<img src=x" not in privacy
    assert privacy.count(escaped) == 5  # operator, address, phone, transfer safeguards, supervisory authority
    assert "in Frankfurt am Main" in privacy and "Logs: 7 days." in privacy and "Erika Mustermann" in privacy
    assert "\u202e" not in privacy and "\u202e" not in imprint
    assert "legal-placeholder" not in privacy


@pytest.mark.parametrize("lang, words", [
    ("de", ("Art. 6 Abs. 1 lit. b DSGVO", "Art. 6 Abs. 1 lit. a DSGVO", "Art. 6 Abs. 1 lit. f DSGVO", "PIPL",
            "Standardvertragsklauseln", "Foshan", "Ihre Daten herunterladen (JSON)", "Ihre Daten löschen",
            "Art. 77 DSGVO", "Widerspruch", "Berichtigung", "Delegationsleitung")),
    ("en", ("Art. 6(1)(b) GDPR", "Art. 6(1)(a) GDPR", "Art. 6(1)(f) GDPR", "PIPL", "standard contractual clauses",
            "Foshan", "Download your data (JSON)", "Erase your data", "Art. 77 GDPR", "object", "rectification",
            "head of delegation")),
    ("zh", ("第6条第1款b项", "第6条第1款a项", "第6条第1款f项", "个人信息保护法", "标准合同条款", "佛山",
            "下载个人数据（JSON）", "删除个人数据", "第77条", "反对", "更正权", "代表团团长")),
])  # fmt: skip
def test_privacy_notice_in_three_languages(client, lang, words):
    response = client.get(f"/privacy?lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{ {"de": "de", "en": "en", "zh": "zh-Hans"}[lang] }">' in page
    for word in words:
        assert word in page, (lang, word)


def test_retention_shows_the_configured_periods(make_app):
    client = make_app(REGISTRATION_RETENTION_DAYS=30, OUTBOX_PRUNE_AFTER_DAYS=45.0).test_client()
    de = client.get("/privacy?lang=de").get_data(as_text=True)
    assert "30 Tage nach dem Ende einer Plenarversammlung" in de and "45 Tage nach dem Versand" in de
    assert "30 days after a plenary ends" in client.get("/privacy?lang=en").get_data(as_text=True)
    assert "全体大会结束30天后" in client.get("/privacy?lang=zh").get_data(as_text=True)
    never = make_app(REGISTRATION_RETENTION_DAYS=None, OUTBOX_PRUNE_AFTER_DAYS=None).test_client()
    de = never.get("/privacy?lang=de").get_data(as_text=True)
    assert "Eine feste automatische Frist ist derzeit nicht eingestellt" in de and "nach dem Versand" not in de


def test_legal_pages_load_nothing_from_other_hosts(client):
    for url in ("/impressum", "/privacy", "/impressum?lang=zh", "/privacy?lang=zh"):
        page = client.get(url).get_data(as_text=True)
        for attribute, value in re.findall(r'\b(src|href|action)="([^"]*)"', page):
            assert not re.match(r"(https?:)?//", value), (url, attribute, value)
        assert "@import" not in page and "url(http" not in page


def test_the_registration_form_links_both(client, open_plenary):
    plenary = open_plenary()
    page = client.get(f"/plenaries/{plenary.slug}/register?lang=en").get_data(as_text=True)
    consent = page.split("consent_privacy")[0].rsplit("<fieldset", 1)[1]
    assert PRIVACY_LINK in consent and IMPRINT_LINK in consent
    assert "Foshan" in consent and "own link" in consent


#: Each personal column of a registration and the word the German notice uses for it.
NOTICE_WORDS = {
    "token_hash": "Hash", "salutation": "Anrede", "honorific": "Titel", "first_name": "Vor- und Nachname",
    "last_name": "Vor- und Nachname", "name_zh": "Name in chinesischen Schriftzeichen", "organisation": "Organisation",
    "position": "Funktion", "member_id": "Mitgliedsstadt", "country": "Land", "email": "E-Mail-Adresse",
    "phone": "Telefonnummer", "dietary": "Ernährungshinweise", "remarks": "Anmerkungen",
    "consent_listing": "Teilnehmerliste", "registered_by_name": "deren Name",
}  # fmt: skip


def test_the_notice_names_every_personal_column(client):
    """A new personal column must be named in the notice (and added here): the notice stays true."""
    page = client.get("/privacy?lang=de").get_data(as_text=True)
    columns = personal_columns(Registration)
    assert set(columns) <= set(NOTICE_WORDS), set(columns) - set(NOTICE_WORDS)
    for column in columns:
        assert NOTICE_WORDS[column] in page, column
    for fact in ("Zeitpunkt Ihres Einlasses", "Status", "Korrespondenzsprache", "Dolmetschbedarf", "Teilnahmeform"):
        assert fact in page


@pytest.mark.parametrize("lang, title", [("de", "Impressum"), ("en", "Legal notice"), ("zh", "网站信息")])
def test_legal_notice_in_three_languages(client, lang, title):
    """The page's title and the footer link in the visitor's language (de and zh need the catalogues)."""
    page = client.get(f"/impressum?lang={lang}").get_data(as_text=True)
    assert f'<h1 class="page-title">{title}</h1>' in page
    assert f'<a href="/impressum">{title}</a>' in _footer(page)


def test_environment_variables_configure_the_notice(monkeypatch, tmp_path):
    """FLASK_IMPRINT (one JSON object) and FLASK_IMPRINT_<KEY> / FLASK_PRIVACY_<KEY> (these win), as documented."""
    from plenary import create_app

    monkeypatch.setenv("FLASK_IMPRINT", '{"OPERATOR": "Verein A", "ADDRESS": "Weg 1\\n10115 Berlin"}')
    monkeypatch.setenv("FLASK_IMPRINT_OPERATOR", "Verein B")
    monkeypatch.setenv("FLASK_IMPRINT_PHONE", "+49 30 123456")
    monkeypatch.setenv("FLASK_PRIVACY_SUPERVISORY_AUTHORITY", "Berliner Beauftragte für Datenschutz")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"},
                     instance_path=str(tmp_path))  # fmt: skip
    client = app.test_client()
    imprint = client.get("/impressum?lang=en").get_data(as_text=True)
    assert "Verein B" in imprint and "Verein A" not in imprint and "10115 Berlin" in imprint
    assert "+49 30 123456" in imprint and "FLASK_IMPRINT_REPRESENTATIVE" in imprint  # still a placeholder
    assert "FLASK_IMPRINT_OPERATOR" not in imprint and "FLASK_IMPRINT_ADDRESS" not in imprint
    assert "Berliner Beauftragte für Datenschutz" in client.get("/privacy?lang=en").get_data(as_text=True)
