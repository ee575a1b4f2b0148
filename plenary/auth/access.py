"""Who may enter the back office: login handling and role checks, enforced on the server."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import LoginManager, current_user

from plenary.auth.models import Role, User
from plenary.extensions import db


def configure_login(manager: LoginManager) -> None:
    """Load accounts by id; send anonymous visitors to the login page."""
    manager.session_protection = "strong"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdecimal() else None
        return user if user is not None and user.is_active else None

    @manager.unauthorized_handler
    def unauthorized():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def require_role(role: str):
    """Decorator: anonymous → login page; a lower role → 403 (and nothing changes)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


viewer_required = require_role(Role.VIEWER)
organizer_required = require_role(Role.ORGANIZER)
admin_required = require_role(Role.ADMIN)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, no host, no //, no backslash), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin"):
        return None
    return target
