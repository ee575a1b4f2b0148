"""The error page of a request whose database statement failed: drawn (with the back office's navigation), not a
second error (a failed statement leaves the session unusable until it is rolled back)."""

from plenary.audit.models import AuditEntry
from plenary.extensions import db
from tests.conftest import login


def test_a_failed_statement_still_gets_the_sites_500_page(app, client, accounts):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler draws the page

    def broken():
        db.session.commit()  # as the session's touch does: the loaded account is expired, to be read again
        db.session.add(AuditEntry())  # NOT NULL columns missing: the flush fails, the session needs a rollback
        db.session.flush()

    app.add_url_rule("/admin/broken", "broken", broken)
    login(client, "organizer@isa.example")
    response = client.get("/admin/broken?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "<html" in page
    # The site's own page (the navigation read the account again after the rollback), not the bare fallback
    # that appears when the error page itself fails.
    assert "/static/dist/site.js?v=" in page
