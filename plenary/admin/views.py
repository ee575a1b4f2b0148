"""The back office: its blueprint, the overview, and the area modules that add their routes. All under /admin/."""

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from plenary.admin.services import plenaries_with_counts
from plenary.auth.access import viewer_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


# Back-office pages are personal data: never cached, never indexed (plenary.is_private_page, for all of /admin/).


@bp.get("/")
@viewer_required
def dashboard():
    """All plenaries with their registrations counted by status."""
    return render_template("admin/dashboard.html", rows=plenaries_with_counts())


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
    from flask import current_app, has_request_context, request
    from flask_login import current_user

    if not has_request_context() or not request.path.startswith("/admin") or not current_user.is_authenticated:
        return {}
    entries = [(endpoint, label) for endpoint, label, role in NAVIGATION
               if endpoint in current_app.view_functions and current_user.has_role(role)]  # fmt: skip
    return {"admin_navigation": entries}


# Each area adds its routes to ``bp`` (imported last: they import ``bp`` from here).
from plenary.admin import (  # noqa: E402, F401
    accounts,
    agenda,
    audit,
    content,
    messages,
    plenaries,
    registrations,
    statistics,
)
