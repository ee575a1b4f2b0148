"""Compression of the app's dynamic answers (HTML, JSON, calendars, CSV, feeds) by Flask-Compress.

Static files are not compressed here: ``plenary.static_files`` serves their precompressed copies. Nor is an
answer that already has a Content-Encoding (cached pages carry their own precompressed variants), one that is
streamed, or anything already compressed (PDFs, images, XLSX: not in ``COMPRESSED_MIMETYPES``).

BREACH: an attacker who can make a victim's browser load a page many times, with text of the attacker's choice
reflected in it, can guess a secret in the page from the compressed sizes. So an answer that may carry a secret is
sent uncompressed (``carries_secret``): the private pages (``is_private_page``: back office, door, login,
registration form, personal pages, verification pages), every page whose address has a personal token
(/survey/<token>, /join/<token>, …), every page that rendered a CSRF token or was made for a logged-in account,
and every answer marked ``no-store`` or ``private``. The public pages are compressed: they carry no secret.
"""

from flask import Flask, current_app, g, request
from flask_compress import Compress
from flask_login import current_user

from plenary.headers import is_private_page

#: What Flask-Compress compresses (text the app renders).
COMPRESSED_MIMETYPES = (
    "text/html",
    "application/json",
    "application/problem+json",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "text/calendar",
    "text/csv",
    "text/plain",
)

compress = Compress()


def carries_secret(response) -> bool:
    """True if the answer may hold a secret an attacker could guess from compressed sizes (BREACH, above)."""
    if is_private_page() or "token" in (request.view_args or {}):
        return True
    if g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
        return True  # Flask-WTF keeps the token it rendered in g
    if response.cache_control.no_store or response.cache_control.private:
        return True
    return current_user_is_known()


def current_user_is_known() -> bool:
    """True if the request was made by a logged-in account (looked at only when the request loaded the account)."""
    return g.get("_login_user") is not None and current_user.is_authenticated


def register_compression(app: Flask) -> None:
    """Compress public dynamic answers by Accept-Encoding (brotli, else gzip)."""
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSED_MIMETYPES))
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_STREAMS", False)  # streamed answers (text/event-stream, big exports) as they are
    app.config["COMPRESS_REGISTER"] = False  # our own hook below decides which answers qualify
    compress.init_app(app)

    @app.after_request
    def compress_public_answers(response):
        if request.endpoint == "static" or response.is_streamed or carries_secret(response):
            return response
        return compress.after_request(response)
