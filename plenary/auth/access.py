"""Who may enter the back office: login handling and role checks, enforced on the server."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user

from plenary.auth.models import Role, User
from plenary.auth.sessions import end_session, live_session, session_user, start_session, touch_due, touch_session
from plenary.extensions import db
from plenary.validation import text_problem

#: The key of the login session's token (``plenary.auth.sessions``) in Flask's signed session cookie.
SESSION_TOKEN = "login_session"


def configure_login(manager: LoginManager) -> None:
    """Load accounts by id and live login session; send anonymous visitors to the login page."""
    # For permanent sessions (ours) Flask-Login's "strong" mode only marks a session from another address or
    # browser as not fresh; what ends a session is its row on the server (plenary/auth/sessions.py).
    manager.session_protection = "strong"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        # Also the check of Flask-Login's remember-me cookie (which we never set): it carries no session token,
        # so it is refused.
        return session_user(user_id, session.get(SESSION_TOKEN))

    @manager.unauthorized_handler
    def unauthorized():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def log_in(user: User) -> None:
    """Start a new login session for ``user`` in this browser (the cookie's old content is dropped: no fixation)."""
    session.clear()
    login_user(user)
    session[SESSION_TOKEN] = start_session(user)
    session.permanent = True  # the cookie is kept by the browser; the server ends the session (sessions.py)


def stay_logged_in(user: User) -> None:
    """After a change to one's own account that ended all its sessions: a new session for this browser."""
    if live_session(user.id, session.get(SESSION_TOKEN)) is None:
        log_in(user)


def log_out() -> None:
    """End this browser's login session on the server and empty its cookie."""
    end_session(session.get(SESSION_TOKEN))
    logout_user()
    session.clear()


def refresh_login_session() -> None:
    """Before every request that carries a login: forget an ended one, note a live one as seen.

    The note is committed here, before the view runs, so that it never becomes part of a view's own unit of work
    (and the user is loaded before any view or audit hook asks for it).
    """
    if "_user_id" not in session or (request.endpoint or "").endswith("static"):
        return
    if not current_user.is_authenticated:
        session.clear()  # the login has ended: the browser's cookie is emptied
        g.login_ended = True  # the login page says why (a form being sent is lost: the session that sent it ended)
        return
    token = session.get(SESSION_TOKEN)
    if touch_due(token) and touch_session(token):
        db.session.commit()


def require_role(role: str):
    """Decorator: anonymous → login page; a lower role → 403 (and nothing changes)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                ended = 1 if g.get("login_ended") else None
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?"), ended=ended))
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


viewer_required = require_role(Role.VIEWER)
organizer_required = require_role(Role.ORGANIZER)
admin_required = require_role(Role.ADMIN)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, no host, no //, no backslash), else None.

    Also None for a target with a line break, another control character or broken text: it would end the
    Location header (a CRLF there made a good login a 500) or point somewhere other than it shows.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if text_problem(target) is not None or " " in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin"):
        return None
    return target
