"""App-wide error pages that need more than the generic one (plenary's ``register_errors``)."""

from flask import current_app, render_template, request


def too_large(error):
    """A request over the size limit: a page in the visitor's language instead of Werkzeug's, with 413.

    An upload (the agenda's documents, up to ``DOCUMENT_MAX_BYTES``) is told the limit; any other request
    over a smaller cap (``ANONYMOUS_MAX_CONTENT_LENGTH``) gets the generic error page.
    """
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    if (request.max_content_length or 0) < limit:
        return render_template("errors/error.html", code=413), 413
    return render_template("errors/too_large.html", limit_mb=limit // (1024 * 1024) or 1), 413
