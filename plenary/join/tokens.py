"""Join tokens: a registration's own key to the meeting, apart from its personal page's.

A join link may be forwarded to a colleague's device; it must not hand over the personal page (cancel,
edit, erase). So it is a second HMAC of the registration's id and salt under the app's secret key, with its
own purpose: ``<id>-<43 characters>``. Nothing of it is stored (the id finds the row, the HMAC is compared in
constant time), so a database leak reveals no working link; a new salt (``rotate_token``) ends the old one.
A forged, truncated or another registration's token is answered exactly like an unknown one (None).
"""

import base64
import hashlib
import hmac
import re

from flask import current_app

from plenary.extensions import db
from plenary.registration.models import Registration

_SHAPE = re.compile(r"([1-9][0-9]{0,9})-([A-Za-z0-9_-]{43})")
#: The largest id a row can have (registration.id is a 32-bit INTEGER).
MAX_ID = 2**31 - 1


def _mac(registration_id: int, salt: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"plenary-join:{registration_id}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def join_token_for(registration: Registration) -> str:
    """The current join token of ``registration`` (for links in messages and on the personal page)."""
    return f"{registration.id}-{_mac(registration.id, registration.token_salt)}"


def registration_for_join_token(token: str) -> Registration | None:
    """The registration whose join token ``token`` is; None for anything else (erased ones included)."""
    match = _SHAPE.fullmatch(token or "")
    if match is None:
        return None
    if int(match.group(1)) > MAX_ID:  # no such row, and PostgreSQL refuses to compare an INTEGER with it
        return None
    registration = db.session.get(Registration, int(match.group(1)))
    if registration is None or registration.token_hash is None:
        return None
    if not hmac.compare_digest(match.group(2), _mac(registration.id, registration.token_salt)):
        return None
    return registration
