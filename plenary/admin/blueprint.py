"""The back office's blueprint: ``bp`` (all under /admin/) and its navigation.

A leaf: it imports no area. Each area module (``plenary.admin.accounts``, ``…agenda``, ``plenary.checkin.views`` …)
adds its routes to ``bp``; the app factory imports the areas before it registers ``bp``. Back-office pages carry
personal data: ``plenary.headers`` sends ``no-store`` and ``noindex`` for everything on this blueprint.
"""

from flask import Blueprint, current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: The back office's main navigation: (endpoint, label, lowest role). Shown only to roles that may open it.
NAVIGATION = (
    ("admin.dashboard", _l("Plenaries"), "viewer"),
    ("admin.announcements", _l("Announcements"), "viewer"),
    ("admin.members", _l("Members"), "viewer"),
    ("admin.outbox", _l("Outbox"), "admin"),
    ("admin.audit", _l("Audit log"), "admin"),
    ("admin.accounts", _l("Accounts"), "admin"),
)


@bp.app_context_processor
def navigation():
    """The navigation entries the current account may use (in admin/base.html)."""
    if not has_request_context() or not request.path.startswith("/admin") or not current_user.is_authenticated:
        return {}
    entries = [(endpoint, label) for endpoint, label, role in NAVIGATION
               if endpoint in current_app.view_functions and current_user.has_role(role)]  # fmt: skip
    return {"admin_navigation": entries}
