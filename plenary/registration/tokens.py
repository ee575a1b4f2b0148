"""Personal links: unguessable, and not recoverable from the database alone.

The token (256 bits) is an HMAC of the registration's id and a random salt under the
app's secret key; only its SHA-256 is stored. A database leak therefore reveals no
working link, while the app can still put the link into a queued message when it
delivers it. A new salt (``rotate_token``) invalidates the old link.
"""

import base64
import hashlib
import hmac
import secrets

from flask import abort, current_app

from plenary.extensions import db
from plenary.i18n import use_language
from plenary.registration.models import Registration


def _derive(registration_id: int, salt: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"plenary-registration:{registration_id}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_token(registration: Registration) -> None:
    """Give ``registration`` a new salt (and so a new link); it needs an id (flush first)."""
    registration.token_salt = secrets.token_hex(16)
    registration.token_hash = hash_token(_derive(registration.id, registration.token_salt))


def token_for(registration: Registration) -> str:
    """Derive the current token of ``registration`` (for links in messages)."""
    return _derive(registration.id, registration.token_salt)


def registration_or_404(token: str) -> Registration:
    """The registration of a personal page's token, its page then in the person's language; 404 for a wrong link."""
    registration = db.session.scalar(db.select(Registration).where(Registration.token_hash == hash_token(token)))
    if registration is None:
        abort(404)
    use_language(registration.language)
    return registration
