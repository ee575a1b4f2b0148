"""Cookies are Secure when the request came over HTTPS, or always with ``SESSION_COOKIE_SECURE``.

Behind a TLS proxy the app sees HTTPS through ``ProxyFix`` (``TRUSTED_PROXIES``), which sets the request's
scheme from ``X-Forwarded-Proto``. Flask reads ``SESSION_COOKIE_SECURE`` once for every request, so the session
cookie gets its flag from a session interface that asks the request; the language cookie asks the same function.
"""

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


def cookie_secure() -> bool:
    """True if cookies set now must carry the Secure flag."""
    return bool(current_app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, with a Secure cookie on every HTTPS request."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured, or when this request came over HTTPS."""
        return cookie_secure()

    def save_session(self, app: Flask, session, response) -> None:
        """As Flask's, except for static files: they never change the session, and "Vary: Cookie" (added when
        Flask-Login's hook looked at the session) would keep a browser from reusing its cached copy."""
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)
