"""Opening a document of the day: public ones by the plenary's address, registrants-only ones by a personal link.

Both routes live on the registration blueprint (``REGISTRATION_PAGES``). A registrants-only document has no
public address: ``/registrations/<token>/documents/<id>`` answers for a confirmed registration of the same
plenary only, and like an unknown document otherwise (404).
"""

from flask import Flask, abort, redirect

from plenary.events.documents import pdf_response
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.followup import documents
from plenary.followup.models import PlenaryDocument
from plenary.i18n import current_language, localize
from plenary.registration.tokens import registration_or_404
from plenary.registration.views import bp


def _respond(document: PlenaryDocument, private: bool):
    if document.url:
        return redirect(document.url)
    stored = documents.stored_file(document)
    if stored is None:
        abort(404)
    response = pdf_response(stored, localize(document.title, current_language()).text, max_age=0 if private else 3600)
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/plenaries/<slug>/documents/<int:document_id>")
def public_document(slug: str, document_id: int):
    """A public document of the day (404 for a registrants-only one, or another plenary's)."""
    plenary = plenary_or_404(slug, public=True)
    document = db.session.get(PlenaryDocument, document_id)
    if document is None or document.plenary_id != plenary.id or not document.is_public:
        abort(404)
    return _respond(document, private=False)


@bp.get("/registrations/<token>/documents/<int:document_id>")
def personal_document(token: str, document_id: int):
    """A document of the day through a personal link (registrants-only ones for confirmed registrations)."""
    registration = registration_or_404(token)
    document = db.session.get(PlenaryDocument, document_id)
    if (
        document is None
        or document.plenary_id != registration.plenary_id
        or not documents.may_open(document, registration)
    ):
        abort(404)
    return _respond(document, private=True)


def install(app: Flask) -> None:
    """Let pages list the documents of the day: ``documents_of_day(plenary_id, public_only)``."""
    app.jinja_env.globals["documents_of_day"] = documents.documents_of
    app.jinja_env.globals["DAY_DOCUMENT_KINDS"] = documents.KIND_LABELS
