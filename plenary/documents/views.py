"""The verification page of a document: what it states and whether it still holds, for anyone with its code."""

from flask import Blueprint, abort, current_app, render_template

from plenary.documents.services import find, is_valid, kind_spec
from plenary.extensions import limiter

bp = Blueprint("documents", __name__)


def _verify_rate_limit() -> str:
    return current_app.config["DOCUMENT_VERIFY_RATE_LIMIT"]


@bp.route("/verify/<code>")
@limiter.limit(_verify_rate_limit)
def verify(code: str):
    """Show the document with this code (its kind, plenary, statement, validity); 404 for an unknown code."""
    document = find(code)
    if document is None:
        abort(404)
    return render_template("documents/verify.html", document=document, spec=kind_spec(document.kind),
                           valid=is_valid(document))  # fmt: skip
