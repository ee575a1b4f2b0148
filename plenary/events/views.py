"""Public plenary pages."""

from flask import Blueprint, abort, render_template

from plenary.agenda.models import AgendaItem
from plenary.events.documents import pdf_response, stored_document
from plenary.events.models import Plenary
from plenary.events.services import RegistrationState, list_public_plenaries, plenary_or_404, registration_state
from plenary.extensions import db
from plenary.i18n import current_language, localize_any
from plenary.news.services import announcements_for_plenary
from plenary.registration.availability import seats
from plenary.registration.participants import published_participants

bp = Blueprint("events", __name__, url_prefix="/plenaries")


@bp.get("/")
def index():
    """List upcoming and past plenaries."""
    lists = list_public_plenaries()
    return render_template("events/index.html", lists=lists)


@bp.get("/<slug>")
def detail(slug: str):
    """Show one plenary with its agenda."""
    return render_detail(plenary_or_404(slug, public=True))


def render_detail(plenary: Plenary, template: str = "events/detail.html", **extra) -> str:
    """The public plenary page of ``plenary`` (the back office's preview extends it, drafts included)."""
    state = registration_state(plenary)
    return render_template(
        template,
        plenary=plenary,
        registration=state,
        seats=seats(plenary) if state == RegistrationState.OPEN else None,  # seats left per mode: one query
        announcements=announcements_for_plenary(plenary.id),
        participants=published_participants(plenary, current_language()),
        **extra,
    )


def document(name: str):
    """An uploaded agenda document (PDF), shown inline, never framed; 404 for a name we did not generate."""
    stored = stored_document(name)
    if stored is None:
        abort(404)
    title = db.session.scalar(
        db.select(AgendaItem.document_title).where(AgendaItem.document_name == name).limit(1)
    )
    return pdf_response(stored, localize_any(title, current_language()).text, max_age=3600)


# Documents live at /documents/<name>.pdf, outside the blueprint's /plenaries prefix.
bp.record_once(lambda state: state.app.add_url_rule("/documents/<name>.pdf", "events.document", document))
