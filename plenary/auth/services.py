"""Account operations."""

import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from plenary.auth.models import Role, User
from plenary.auth.sessions import end_all_sessions
from plenary.extensions import db


def ensure_user(email: str, role: Role, name: str | None = None) -> tuple[User, str]:
    """Create the account or reset its password (ending its sessions); return it with the new password."""
    email = email.strip().lower()
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, role=role, name=name)
        db.session.add(user)
    user.role = role
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    db.session.flush()
    end_all_sessions(user)
    return user, password


# A real hash to compare against when the address is unknown: the answer takes as long either way. Made at the
# first unknown address, not at import (scrypt takes a while and most processes never need it).
_DUMMY_HASH = None


def authenticate(email: str, password: str) -> User | None:
    """The active account with this email and password, or None (no hint which part was wrong)."""
    global _DUMMY_HASH
    user = db.session.scalar(db.select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.is_active:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16), method="scrypt")
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if user.check_password(password or "") else None


def change_password(user: User, current: str, new: str) -> bool:
    """Set ``new`` if ``current`` is right, ending every session of the account; flushes."""
    if not user.check_password(current):
        return False
    user.set_password(new)
    db.session.flush()
    end_all_sessions(user)
    return True


def create_user(email: str, role: Role, password: str, name: str | None = None) -> User:
    """A new account; raises ValueError if the address is taken."""
    email = email.strip().lower()
    if db.session.scalar(db.select(User).where(User.email == email)) is not None:
        raise ValueError(f"an account for {email} exists already")
    user = User(email=email, role=role, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
