"""The certificate on the personal page: its download (a route on the registration blueprint) and the page's section."""

from flask import Flask, current_app, redirect, url_for

from plenary.certificates.services import CertificateRefused, certificate_for, personal_state
from plenary.documents import services as documents
from plenary.extensions import db
from plenary.registration.tokens import registration_or_404
from plenary.registration.views import bp


@bp.get("/registrations/<token>/certificate.pdf")
def certificate(token: str):
    """Download one's certificate of attendance (issued on the first download); back to the page if there is none."""
    registration = registration_or_404(token)
    try:
        document = certificate_for(registration)
    except CertificateRefused:
        db.session.rollback()
        return redirect(url_for(".personal", token=token, done="not_possible"))
    db.session.commit()
    pdf = documents.render_document(document)
    if pdf is None:
        return redirect(url_for(".personal", token=token, done="not_possible"))
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{documents.filename(document)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    """Let the personal page ask what to show of the certificate (``certificate_state(registration)``)."""
    app.jinja_env.globals["certificate_state"] = personal_state
