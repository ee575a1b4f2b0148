"""Announcements: list, detail and the Atom feed."""

from flask import Blueprint, Response, abort, current_app, render_template, request

from plenary.i18n import current_language
from plenary.news.feed import build_atom_feed
from plenary.news.services import get_announcement, latest_announcements, paginate_announcements

bp = Blueprint("news", __name__, url_prefix="/news")

#: Far beyond any real archive; larger numbers would overflow the database's OFFSET.
MAX_PAGE = 10_000


@bp.get("/")
def index():
    """List published announcements, newest first."""
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > MAX_PAGE:
        abort(404)
    pagination = paginate_announcements(page, current_app.config["NEWS_PER_PAGE"])
    if page > 1 and page > pagination.pages:
        abort(404)
    return render_template("news/index.html", pagination=pagination)


@bp.get("/<slug>")
def detail(slug: str):
    """Show one announcement."""
    announcement = get_announcement(slug)
    if announcement is None:
        abort(404)
    return render_template("news/detail.html", announcement=announcement)


@bp.get("/feed.atom")
def feed():
    """Serve the latest announcements as an Atom feed in the chosen language."""
    body = build_atom_feed(latest_announcements(20), current_language())
    return Response(body, mimetype="application/atom+xml", content_type="application/atom+xml; charset=utf-8")
