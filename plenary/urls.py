"""Absolute URLs for mails, feeds and calendars, built from the configured public base URL.

Never from the request's Host header: a forged header must not end up in a message.
Works outside requests too (CLI commands, the outbox worker).
"""

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """Return the absolute public URL of ``endpoint`` (FLASK_PUBLIC_URL + path)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
