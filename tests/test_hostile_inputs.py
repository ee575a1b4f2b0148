"""Hostile input at every entry point: no 500, a clear answer in the user's language, and nothing changed.

The entry points: the registration form (urlencoded and multipart), the personal page's edit form, the back
office's plenary form, the login, ``flask plenary import`` and the JSON API. The rules live in
plenary/validation.py.
"""

import json
import re
from html import unescape
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from plenary.auth.access import safe_next
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from plenary.validation import strip_controls
from tests.conftest import PASSWORD, plenary_document
from tests.test_admin_plenaries import new_plenary_data
from tests.test_registration_views import FORM

REGISTER = "/plenaries/test-plenary/register"

LINE_BREAK = {
    "en": "Please enter this on one line, without line breaks.",
    "de": "Bitte geben Sie dies in einer Zeile ein, ohne Zeilenumbrüche.",
    "zh": "请在一行内填写，不要换行。",
}
CONTROL = {  # with the character's code in place of %s
    "en": "This text contains an invisible control character (%s). Please remove it.",
    "de": "Dieser Text enthält ein unsichtbares Steuerzeichen (%s). Bitte entfernen Sie es.",
    "zh": "此内容含有不可见的控制字符（%s），请将其删除。",
}
BROKEN = {
    "en": "This text contains characters that could not be read. Please type it again.",
    "de": "Dieser Text enthält Zeichen, die nicht gelesen werden konnten. Bitte geben Sie ihn erneut ein.",
    "zh": "此内容含有无法识别的字符，请重新输入。",
}
UNREADABLE = {
    "en": "The address or the form contained characters that are not allowed (such as a NUL character). Nothing "
          "was saved. Please go back and check what you entered.",
    "de": "Die Adresse oder das Formular enthielt unzulässige Zeichen (etwa ein NUL-Zeichen). Es wurde nichts "
          "gespeichert. Bitte gehen Sie zurück und prüfen Sie Ihre Eingaben.",
    "zh": "网址或表单中含有不允许的字符（例如 NUL 字符），未保存任何内容。请返回检查您填写的内容。",
}  # fmt: skip

#: Every one-line field of the registration form, and of its first delegate row.
ONE_LINE_FIELDS = ("honorific", "first_name", "last_name", "name_zh", "organisation", "position", "phone",
                   "dietary", "email")  # fmt: skip
DELEGATE = {"delegates-0-first_name": "Bo", "delegates-0-last_name": "Li", "delegates-0-email": "bo@example.org",
            "delegates-0-position": "Referent"}  # fmt: skip
DELEGATE_ONE_LINE_FIELDS = tuple(DELEGATE)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def field_error(body: str, field_id: str) -> str:
    """The text of the error message shown beside the field ``field_id``, or "" if there is none."""
    match = re.search(rf'<div id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', body, re.S)
    return unescape(match.group(1)).strip() if match else ""


def multipart(fields: dict[str, bytes | str]) -> tuple[bytes, str]:
    """A multipart/form-data body with exactly these bytes in it (the test client would encode str as UTF-8)."""
    parts = []
    for name, value in fields.items():
        raw = value if isinstance(value, bytes) else value.encode()
        parts.append(b'--XyZ\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + raw + b"\r\n")
    return b"".join(parts) + b"--XyZ--\r\n", "multipart/form-data; boundary=XyZ"


def post(client, url: str, data: dict, encoding: str):
    """POST ``data`` urlencoded or as multipart/form-data."""
    if encoding == "multipart":
        body, content_type = multipart(data)
        return client.post(url, data=body, content_type=content_type)
    return client.post(url, data=data)


def nothing_stored():
    assert _count(Registration) == 0 and _count(OutboxMessage) == 0


# --- the registration form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "lang"), [("urlencoded", "de"), ("multipart", "zh")])
def test_a_line_break_in_every_one_line_field_is_refused_beside_it(client, open_plenary, encoding, lang):
    open_plenary()
    data = FORM | DELEGATE | {"remarks": "Zeile 1\r\nZeile 2"}
    for name in ONE_LINE_FIELDS + DELEGATE_ONE_LINE_FIELDS:
        data[name] = data[name][:1] + "\r\n" + data[name][1:]  # inside: around the text it is just trimmed
    response = post(client, f"{REGISTER}?lang={lang}", data, encoding)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    for name in ONE_LINE_FIELDS + DELEGATE_ONE_LINE_FIELDS:
        assert LINE_BREAK[lang] in field_error(body, name), name
    assert "Zeile 1\nZeile 2" in body  # the rest of what was typed is kept (the browser sends CRLF, the page LF)
    nothing_stored()


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\x07", "\x1b", "\ufeff", "\u200b"])
def test_bidi_and_other_control_characters_are_refused_but_joiners_are_not(client, open_plenary, char):
    open_plenary()
    refused = client.post(f"{REGISTER}?lang=de", data=FORM | {"last_name": f"Mül{char}ler"})
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "last_name") == CONTROL["de"] % f"U+{ord(char):04X}"
    nothing_stored()
    # ZWNJ and ZWJ belong to correct text in some scripts; a tab around a name is trimmed, not refused.
    taken = client.post(REGISTER, data=FORM | {"last_name": "می\u200cخواهم", "organisation": "Stadt Köln\t",
                                               "name_zh": "👩\u200d💻"})  # fmt: skip
    assert taken.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert (registration.last_name, registration.organisation) == ("می\u200cخواهم", "Stadt Köln")


def test_a_pasted_tab_becomes_a_space_and_line_breaks_around_a_name_are_trimmed(client, open_plenary):
    """What a spreadsheet paste brings (a tab between cells, a line break at the end) is no reason to refuse."""
    open_plenary()
    taken = client.post(REGISTER, data=FORM | {"organisation": "湖州市\t外事办公室", "last_name": "Zhang\r\n"})
    assert taken.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert (registration.organisation, registration.last_name) == ("湖州市 外事办公室", "Zhang")


def test_multi_line_remarks_take_line_breaks_and_tabs_but_no_other_controls(client, open_plenary):
    open_plenary()
    refused = client.post(f"{REGISTER}?lang=zh", data=FORM | {"remarks": "Zeile 1\r\nZeile\x0b2"})
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "remarks") == CONTROL["zh"] % "U+000B"
    nothing_stored()
    taken = client.post(REGISTER, data=FORM | {"remarks": "Zeile 1\r\n\tZeile 2"})
    assert taken.status_code == 302
    assert db.session.scalar(sa.select(Registration.remarks)) == "Zeile 1\n\tZeile 2"


@pytest.mark.parametrize(("encoding", "lang"), [("urlencoded", "zh"), ("multipart", "de")])
@pytest.mark.parametrize("name", ["first_name", "remarks", "delegates-0-email", "no_such_field"])
def test_a_nul_anywhere_in_the_form_is_refused_whatever_the_encoding(client, open_plenary, encoding, lang, name):
    open_plenary()
    data = FORM | DELEGATE
    data[name] = data.get(name, "x") + "\x00"
    response = post(client, f"{REGISTER}?lang={lang}", data, encoding)
    assert response.status_code == 400
    assert UNREADABLE[lang] in unescape(response.get_data(as_text=True))
    nothing_stored()


@pytest.mark.parametrize("how", ["urlencoded raw bytes", "urlencoded %-escapes", "multipart raw bytes"])
def test_a_surrogate_or_other_bytes_that_are_not_utf8_are_refused_beside_the_field(client, open_plenary, how):
    # A lone surrogate cannot travel as UTF-8; a client sends its WTF-8 bytes ED A0 80 (raw or %-escaped).
    # Werkzeug reads them as U+FFFD (the urlencoded parser is ours, plenary.validation.FormDataParser).
    open_plenary()
    surrogate = b"Zo\xed\xa0\x80"
    others = {k: v for k, v in FORM.items() if k != "first_name"}
    if how == "multipart raw bytes":
        body, content_type = multipart(others | {"first_name": surrogate})
    else:
        value = surrogate if how == "urlencoded raw bytes" else b"Zo%ED%A0%80"
        body, content_type = urlencode(others).encode() + b"&first_name=" + value, "application/x-www-form-urlencoded"
    response = client.post(f"{REGISTER}?lang=de", data=body, content_type=content_type)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_error(page, "first_name") == BROKEN["de"]
    assert 'value="Müller-Lüdenscheidt"' in page  # the rest is kept
    nothing_stored()


# --- the personal page ------------------------------------------------------------------------------------------


@pytest.fixture
def registered(client, open_plenary):
    """Zoë registered through the form; (registration, token)."""
    open_plenary()
    assert client.post(REGISTER, data=FORM).status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    return registration, token_for(registration)


def _details(registration) -> dict:
    return {name: getattr(registration, name) for name in ONE_LINE_FIELDS + ("remarks", "updated_at")
            if hasattr(registration, name)}  # fmt: skip


@pytest.mark.parametrize(("encoding", "lang"), [("urlencoded", "zh"), ("multipart", "de")])
def test_the_personal_page_edit_refuses_line_breaks_controls_and_nul(client, registered, encoding, lang):
    registration, token = registered
    before = _details(registration)
    data = {k: v for k, v in FORM.items() if k not in ("email", "attendance", "consent_privacy")}
    url = f"/registrations/{token}/edit?lang={lang}"
    response = post(client, url, data | {"organisation": "Stadt\nKöln", "position": "\u202eLeiterin"}, encoding)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert field_error(body, "organisation") == LINE_BREAK[lang]
    assert field_error(body, "position") == CONTROL[lang] % "U+202E"
    assert 'value="Zoë"' in body
    assert _details(registration) == before
    nul = post(client, url, data | {"last_name": "Mül\x00ler"}, encoding)
    assert nul.status_code == 400 and UNREADABLE[lang] in unescape(nul.get_data(as_text=True))
    assert _details(registration) == before


@pytest.mark.parametrize("field", ["member_city", "country", "salutation", "attendance"])
def test_blanks_for_a_choice_are_refused_not_a_500_nor_stored(client, registered, field):
    """Seen from outside: member_city=" " was a 500 (int(" ")) on the form and the personal page; a country of
    blanks was stored. Plain Optional() took blanks for "nothing chosen" and skipped the choice check."""
    registration, token = registered
    before = _details(registration) | {"country": registration.country, "salutation": registration.salutation}
    refused = client.post(REGISTER, data=FORM | {"email": "other@example.org", field: "  "})
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    data = {k: v for k, v in FORM.items() if k not in ("email", "attendance", "consent_privacy")}
    if field != "attendance":
        assert client.post(f"/registrations/{token}/edit", data=data | {field: " "}).status_code == 400
    assert _details(registration) | {"country": registration.country, "salutation": registration.salutation} \
        == before


def test_row_numbers_with_thousands_of_digits_answer_without_a_500(client, open_plenary):
    """int() refuses more than 4,300 digits: a field name or a button value like that was a 500."""
    open_plenary()
    huge = "9" * 5000
    field = client.post(REGISTER, data=FORM | {f"delegates-{huge}-first_name": "X"})
    assert field.status_code == 400 and UNREADABLE["de"] in unescape(field.get_data(as_text=True))
    press = client.post(REGISTER, data=FORM | {"remove_delegate": huge})
    assert press.status_code == 200  # an odd press changes nothing and stores nothing
    nothing_stored()


# --- the back office ----------------------------------------------------------------------------------------------


def _login(client, email="organizer@isa.example", **extra):
    return client.post("/admin/login", data={"email": email, "password": PASSWORD, **extra})


def test_the_back_office_plenary_form_refuses_control_characters_beside_the_fields(client, accounts):
    assert _login(client).status_code == 302
    data = new_plenary_data(**{"title-de": "12. Plenar\nversammlung", "venue_name-en": "ISA \u202eSecretariat",
                               "contact_email": "plenary@example.org\r\nBcc: all@example.org",
                               "summary-de": "Kurz\x1bgefasst", "description-de": "## Programm\r\n\r\nAlles."})
    response = client.post("/admin/plenaries/new?lang=de", data=data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert field_error(body, "title-de") == LINE_BREAK["de"]
    assert field_error(body, "venue_name-en") == CONTROL["de"] % "U+202E"
    assert field_error(body, "contact_email") == LINE_BREAK["de"]
    assert field_error(body, "summary-de") == CONTROL["de"] % "U+001B"
    assert field_error(body, "description-de") == ""  # multi-line: the line breaks are fine
    assert _count(Plenary) == 0
    # Fixed, it is saved, with the description's line breaks as \n.
    fixed = new_plenary_data(**{"description-de": "## Programm\r\n\r\nAlles."})
    assert client.post("/admin/plenaries/new", data=fixed).status_code == 302
    assert db.session.scalar(sa.select(Plenary.description)) == {"de": "## Programm\n\nAlles."}


def test_the_back_office_refuses_a_nul_in_a_multipart_form(client, accounts):
    assert _login(client).status_code == 302
    data = new_plenary_data(**{"title-en": "12th\x00"})
    response = post(client, "/admin/plenaries/new?lang=zh", data, "multipart")
    assert response.status_code == 400 and UNREADABLE["zh"] in unescape(response.get_data(as_text=True))
    assert _count(Plenary) == 0


# --- the login ------------------------------------------------------------------------------------------------------


def test_a_multipart_login_with_a_nul_in_the_email_is_a_clear_400(client, accounts):
    body, content_type = multipart({"email": "organizer@isa.example\x00", "password": PASSWORD})
    response = client.post("/admin/login?lang=de", data=body, content_type=content_type)
    assert response.status_code == 400 and UNREADABLE["de"] in unescape(response.get_data(as_text=True))
    assert client.get("/admin/").status_code == 302  # not logged in


def test_a_line_break_in_the_login_email_is_refused_beside_it(client, accounts):
    response = client.post("/admin/login?lang=zh", data={"email": "organizer@isa.example\r\nX", "password": PASSWORD})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "email") == LINE_BREAK["zh"]
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("target", ["/admin/plenaries\r\nSet-Cookie: evil=1", "/admin/plenaries\n", "/admin/\x7f",
                                    "/admin/\u2028x", "/admin/\u202eplenaries", "/admin/ plenaries"])
def test_a_next_address_with_control_characters_logs_in_to_the_dashboard(client, accounts, target):
    response = _login(client, next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert not any("evil" in cookie for cookie in response.headers.getlist("Set-Cookie"))
    assert client.get("/admin/").status_code == 200  # logged in
    # Offered in the address, it is ignored the same way (the page shows, the login leads to the dashboard).
    assert client.get("/admin/login", query_string={"next": target}).status_code == 200


def test_safe_next_keeps_an_ordinary_back_office_address():
    assert safe_next("/admin/plenaries/12th-plenary?lang=zh") == "/admin/plenaries/12th-plenary?lang=zh"
    assert safe_next("/admin/plenaries\r\n") is None and safe_next("/admin/x\x00") is None


# --- the import ---------------------------------------------------------------------------------------------------


def _import(runner, tmp_path, text: str):
    path = tmp_path / "plenary.json"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["plenary", "import", str(path)])


def _refused(result, *expected: str):
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.output
    assert "nothing was changed" in result.output
    for text in expected:
        assert text in result.output, result.output


def test_the_import_refuses_a_lone_surrogate_and_the_site_keeps_working(app, client, runner, tmp_path):
    document = plenary_document(title={"de": "Plenar\ud800", "en": "Plenary"})
    text = json.dumps(document)
    assert "\\ud800" in text  # a schema-valid document: the JSON escape of a lone surrogate
    _refused(_import(runner, tmp_path, text), "title.de: contains a character that is not valid text (U+D800)")
    assert _count(Plenary) == 0
    for url in ("/plenaries/", "/"):
        assert client.get(url).status_code == 200


def test_the_import_refuses_a_surrogate_on_update_and_keeps_the_stored_plenary(runner, tmp_path, make_plenary,
                                                                               client):  # fmt: skip
    make_plenary()
    speaker = {"name": "Yi\udfffLiu", "organisation": "ISA"}
    agenda = [{"kind": "report", "title": {"de": "Bericht"}, "speakers": [speaker]}]
    document = plenary_document(title={"de": "Neu"}, agenda=agenda, **{"venue": {"name": {"zh": "\ud83d"}}})
    _refused(_import(runner, tmp_path, json.dumps(document)), "agenda[0].speakers[0].name:", "venue.name.zh:")
    plenary = db.session.scalar(sa.select(Plenary))
    assert plenary.title["de"] == "42. Plenarversammlung" and plenary.agenda_items[0].speakers[0].name == "Yi Liu"
    assert client.get("/plenaries/test-plenary").status_code == 200


def test_the_import_refuses_line_breaks_and_controls_in_one_line_texts_only(runner, tmp_path, make_plenary):
    document = plenary_document(title={"de": "42.\nPlenar"}, venue={"name": "Rat\u202ehaus"},
                                contact_email="plenary@example.org\r\n")  # fmt: skip
    result = _import(runner, tmp_path, json.dumps(document))
    _refused(result, "title.de: must be one line: line break (U+000A)", "venue.name: contains a control character "
             "(U+202E)", "contact_email: must be one line")  # fmt: skip
    assert _count(Plenary) == 0
    # Descriptions and summaries are multi-line: the same document with line breaks only there is imported.
    fine = plenary_document(summary={"de": "Zeile 1\nZeile 2"}, description={"de": "## A\n\n\tB"})
    result = _import(runner, tmp_path, json.dumps(fine))
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Plenary.description)) == {"de": "## A\n\n\tB"}


def test_the_import_refuses_deeply_nested_json_without_a_traceback(runner, tmp_path):
    _refused(_import(runner, tmp_path, "[" * 100_000 + "]" * 100_000), "nested too deeply")
    # Nested less deeply than Python's limit, but deeper than any exchange document: refused before the schema.
    deep = plenary_document(summary={"de": "x"})
    inner = deep["summary"]
    for _ in range(50):
        inner["de"] = {"de": None}
        inner = inner["de"]
    _refused(_import(runner, tmp_path, json.dumps(deep)), "nested more than 12 levels deep")
    _refused(_import(runner, tmp_path, '{"number": ' + "9" * 5000 + "}"), "not valid JSON")
    assert _count(Plenary) == 0


@pytest.mark.parametrize("address", ["a@b.c,d", "a,b@example.org", "a@example..org", "änna@example.org"])
def test_the_import_checks_the_contact_email_as_the_forms_do(runner, tmp_path, address):
    _refused(_import(runner, tmp_path, json.dumps(plenary_document(contact_email=address))),
             f"contact_email: {address!r} is not a valid email address")  # fmt: skip
    assert _count(Plenary) == 0


# --- the API --------------------------------------------------------------------------------------------------------


def _json_error(response, status: int, error: str):
    assert response.status_code == status and response.mimetype == "application/json", response.get_data()
    body = response.get_json()
    assert body["error"] == error and body["message"]
    return body


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND", "CONNECT"])
@pytest.mark.parametrize("url", ["/api/v1/plenaries", "/api/v1/plenaries/test-plenary", "/api/v1/openapi.json"])
def test_api_methods_it_does_not_take_are_json_405_with_allow(client, make_plenary, method, url):
    make_plenary()
    before = db.session.scalar(sa.select(Plenary.updated_at))
    response = client.open(url, method=method)
    _json_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert db.session.scalar(sa.select(Plenary.updated_at)) == before


@pytest.mark.parametrize(("method", "url"), [("GET", "/api/v1/nothing"), ("GET", "/api"), ("GET", "/api/v2/x"),
                                             ("TRACE", "/api/v1"), ("POST", "/api/nothing")])  # fmt: skip
def test_every_other_api_error_is_json(client, app, method, url):
    _json_error(client.open(url, method=method), 404, "not_found")


@pytest.mark.parametrize("query", ["when=%00", "page=1%00", "%00=1", "per_page=%ED%A0%80", "when=%ED%A0%80",
                                   "when=\xed\xa0\x80", "page=\xff"])
def test_api_query_strings_with_nul_or_broken_text_are_json_400(client, app, query):
    # Raw bytes that are not UTF-8 (the last two) are taken as the %-escapes Werkzeug keeps invalid ones as.
    response = client.get("/api/v1/plenaries", environ_overrides={"QUERY_STRING": query})
    _json_error(response, 400, "bad_request")


def test_pages_with_nul_or_raw_bytes_in_the_address_answer_without_a_500(client, app):
    nul = client.get("/plenaries/?lang=de&q=%00")
    assert nul.status_code == 400 and UNREADABLE["de"] in unescape(nul.get_data(as_text=True))
    assert client.get("/plenaries/", environ_overrides={"QUERY_STRING": "lang=zh&x=\xed\xa0\x80"}).status_code == 200
    # The back office sends a visitor who is not logged in to the login page, the odd query kept as escapes.
    response = client.get("/admin/", environ_overrides={"QUERY_STRING": "x=\xff"})
    assert response.status_code == 302 and "%25FF" in response.headers["Location"]


def test_strip_controls_cuts_every_control_and_line_separator_but_those_kept():
    assert strip_controls("Grußwort\r\n\x00zur\u2028\u2029Versammlung\x85", " ") == "Grußwort zur Versammlung "
    assert strip_controls("a\tb\x0b\nc\rd\x7f\x9f", keep="\t\n\r") == "a\tb\nc\rd"
    assert strip_controls("科隆\u200d 佛山\u3000") == "科隆\u200d 佛山\u3000"  # joiners and spaces are not controls
    assert strip_controls(None) == ""
