"""Compression of dynamic answers (plenary/compression.py): public pages, JSON, calendars compressed by
Accept-Encoding; never what may carry a secret (BREACH), what is already encoded, streamed or binary."""

import gzip

import brotli
from flask import Response

from tests.conftest import login

BR = {"Accept-Encoding": "gzip, deflate, br"}


def test_the_plenary_page_is_compressed_by_accept_encoding(client, demo):
    plain = client.get("/plenaries/10th-plenary?lang=de", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    br = client.get("/plenaries/10th-plenary?lang=de", headers=BR)
    assert br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.data) == plain.data
    assert len(br.data) < len(plain.data) / 3
    gz = client.get("/plenaries/10th-plenary?lang=zh", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert "十" in gzip.decompress(gz.data).decode()


def test_json_and_calendars_are_compressed_and_their_etags_still_answer_304(client, demo):
    for path, mimetype in (("/api/v1/plenaries", "application/json"), ("/calendar.ics", "text/calendar")):
        first = client.get(path, headers=BR)
        assert first.status_code == 200 and first.mimetype == mimetype
        assert first.headers["Content-Encoding"] == "br", path
        etag = first.headers["ETag"]
        again = client.get(path, headers={**BR, "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path


def test_pages_that_may_carry_a_secret_are_sent_uncompressed(client, demo, accounts, open_plenary):
    """BREACH: a CSRF token, a personal token in the address, a logged-in account, a private page."""
    open_plenary()
    for path in ("/admin/login", "/plenaries/test-plenary/register"):
        response = client.get(path, headers=BR)
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers, path
    login(client, "organizer@isa.example")
    response = client.get("/admin/", headers=BR)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    # A public page seen by a logged-in organizer names the account (the back-office link): not compressed either.
    response = client.get("/plenaries/10th-plenary", headers=BR)
    assert "Content-Encoding" not in response.headers


def test_a_csrf_token_or_a_token_in_the_address_keeps_a_public_answer_uncompressed(make_app):
    from flask_wtf.csrf import generate_csrf

    app = make_app()
    filler = "public text " * 200

    @app.route("/form-page")
    def form_page():
        return f"<form><input name=csrf_token value={generate_csrf()}></form>{filler}"

    @app.route("/own/<token>")
    def own(token):
        return f"<a href=/own/{token}>{filler}</a>"

    @app.route("/plain-page")
    def plain_page():
        return f"<p>{filler}</p>"

    client = app.test_client()
    assert "Content-Encoding" not in client.get("/form-page", headers=BR).headers
    assert "Content-Encoding" not in client.get("/own/secret-token", headers=BR).headers
    assert client.get("/plain-page", headers=BR).headers["Content-Encoding"] == "br"


def test_encoded_streamed_and_binary_answers_are_left_alone(make_app):
    app = make_app()
    body = gzip.compress(b"<p>" + b"cached page " * 200 + b"</p>")

    @app.route("/precompressed")
    def precompressed():
        return Response(body, mimetype="text/html", headers={"Content-Encoding": "gzip"})

    @app.route("/events")
    def events():
        return Response(iter(["data: x\n\n"] * 200), mimetype="text/event-stream")

    @app.route("/paper.pdf")
    def paper():
        return Response(b"%PDF-1.7 " + b"0" * 5000, mimetype="application/pdf")

    @app.route("/big.html")
    def big():
        return Response("<p>" + "plain page " * 200 + "</p>", mimetype="text/html")

    client = app.test_client()
    response = client.get("/precompressed", headers=BR)
    assert response.headers["Content-Encoding"] == "gzip" and response.data == body
    response = client.get("/events", headers=BR)
    assert "Content-Encoding" not in response.headers and response.get_data(as_text=True).count("data: x") == 200
    assert "Content-Encoding" not in client.get("/paper.pdf", headers=BR).headers
    assert client.get("/big.html", headers=BR).headers["Content-Encoding"] == "br"  # the same route, compressible
