"""Account operations."""

import secrets

from plenary.auth.models import Role, User
from plenary.extensions import db


def ensure_user(email: str, role: Role, name: str | None = None) -> tuple[User, str]:
    """Create the account or reset its password; return it with the new password."""
    email = email.strip().lower()
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, role=role, name=name)
        db.session.add(user)
    user.role = role
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    db.session.flush()
    return user, password
