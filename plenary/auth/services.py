"""Account operations: logging in, passwords, and the back office's changes to accounts (each audited)."""

import secrets

import sqlalchemy as sa
from flask_babel import gettext
from werkzeug.security import check_password_hash, generate_password_hash

from plenary.audit.services import diff, record
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
    password = generate_password()
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


class AccountError(Exception):
    """A change that would leave the back office without an active admin, or lock oneself out."""


def account_snapshot(user: User) -> dict:
    """What the audit log compares of an account (never the password hash)."""
    return {"email": user.email, "name": user.name, "role": user.role, "active": user.is_active}


def generate_password() -> str:
    """A random password of 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def other_active_admins(user_id: int) -> int:
    """How many active admins there are besides ``user_id`` (rows locked on PostgreSQL until the commit)."""
    ids = db.session.scalars(
        sa.select(User.id).where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user_id)
        .with_for_update()
    ).all()  # fmt: skip
    return len(ids)


def add_account(email: str, role: str, name: str | None, password: str | None) -> tuple[User, str | None]:
    """Create an account; returns it and the generated password (None if one was given). Flushes.

    Raises ValueError if the address has an account already.
    """
    generated = None if password else generate_password()
    user = create_user(email, Role(role), password or generated, name=name)
    record("account.create", user, object_type="user", summary=user.email,
           changes=diff({}, account_snapshot(user)))  # fmt: skip
    return user, generated


def update_account(user: User, name: str | None, role: str, active: bool, by: User) -> dict:
    """Change name, role and active (the admin ``by`` does it); refuses to demote or deactivate the last active
    admin, or oneself. Flushes.

    A change of role or active flag ends every session of the account.
    """
    if user.id == by.id and not active:
        raise AccountError(gettext("You cannot deactivate your own account."))
    losing_admin = user.role == Role.ADMIN and user.is_active and (role != Role.ADMIN or not active)
    if losing_admin and other_active_admins(user.id) == 0:
        raise AccountError(gettext("This is the last active administrator: make another account an administrator "
                                   "first."))  # fmt: skip
    before = account_snapshot(user)
    user.name, user.role, user.is_active = name, role, active
    db.session.flush()
    changes = diff(before, account_snapshot(user))
    if changes:
        record("account.update", user, object_type="user", summary=user.email, changes=changes)
    if "role" in changes or "active" in changes:
        end_all_sessions(user)
    return changes


def set_account_password(user: User, password: str | None) -> str | None:
    """Set a new password (a generated one if None, returned), ending the account's sessions; logged without any
    password value. Flushes."""
    generated = None if password else generate_password()
    user.set_password(password or generated)
    db.session.flush()
    end_all_sessions(user)
    record("account.password", user, object_type="user", summary=user.email,
           changes={"password": ["—", gettext("changed")]})  # fmt: skip
    return generated
