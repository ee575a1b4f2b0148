"""The headers every answer carries: a strict Content-Security-Policy, the usual hardening, and private pages.

A page is private when it carries personal data or a secret in its address: the back office (its blueprint, with
the door and the login page) and the registrants' pages. Such an answer is never stored by a browser or a proxy and
never indexed (``Cache-Control: no-store``, ``X-Robots-Tag: noindex``).
"""

from flask import current_app, request

#: Pages may load nothing from other hosts (delegates in China must get the whole page);
#: the browser enforces it. data: images are Bootstrap's inline SVG icons.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

#: Blueprints whose every answer is private: the back office (with the check-in door), its login, the
#: registration form and the personal pages /registrations/<token>/…, and documents' verification pages (a name).
PRIVATE_BLUEPRINTS = frozenset({"admin", "auth", "registration", "documents"})
#: The same for addresses no route matched (a 404 under /admin/ or for a mistyped personal link).
PRIVATE_PATH_PREFIXES = ("/admin/", "/registrations/", "/verify/")
#: Public answers of those blueprints: a plenary's public documents of the day (``/plenaries/<slug>/documents/<id>``,
#: served with their own caching), which live beside the personal copies on the registration blueprint.
PUBLIC_ENDPOINTS = frozenset({"registration.public_document"})


def is_private_page() -> bool:
    """True if the current request's answer carries personal data (see PRIVATE_BLUEPRINTS)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return False
    return request.blueprint in PRIVATE_BLUEPRINTS or request.path.startswith(PRIVATE_PATH_PREFIXES)


def add_security_headers(response):
    """After every request: CSP and hardening headers; HSTS over HTTPS; no-store and noindex on private pages."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Browsers ignore the header over plain HTTP (RFC 6797), and it must not pin a site that has no TLS.
    max_age = int(current_app.config["HSTS_MAX_AGE"])
    if request.is_secure and max_age > 0:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    if is_private_page():
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response
