"""Absolute URLs for mails, feeds and calendars, built from the configured public base URL."""

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    """Return the absolute public URL of ``endpoint`` (FLASK_PUBLIC_URL + path)."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)
