"""Migration 10a300000003: the stored failed messages get their final_reason from what last_error said."""

import sqlalchemy as sa
from flask_migrate import upgrade

from plenary.extensions import db

STORED = {  # last_error of a failed message as earlier releases wrote it → the reason it gets
    "erased": "erased",
    "superseded by a newer invitation": "superseded",
    "PermanentDeliveryError: no recipient (erased)": "undeliverable",
    "PermanentDeliveryError: the registration behind this message no longer exists": "undeliverable",
    "UnicodeEncodeError: the address or a header cannot be sent by this server": "refused",
    "PermanentDeliveryError: SMTPRecipientsRefused [550]": "refused",
    "PermanentDeliveryError: SMTPDataError 554": "refused",
    "SMTPRecipientsRefused [450]": "exhausted",
    "SMTPDataError 451": "exhausted",
    "ValueError: something unexpected": "exhausted",
}


def test_failed_messages_get_their_final_reason_from_last_error(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade(revision="9d3b7f1a2c64")
        with db.engine.begin() as connection:
            for number, error in enumerate([*STORED, None]):
                connection.execute(sa.text(
                    "INSERT INTO outbox_message (id, kind, recipient, language, subject, body_text, body_html, status,"
                    " attempts, next_attempt_at, last_error, created_at) VALUES (:id, 'k', 'a@example.org', 'de', 's',"
                    " 't', 'h', :status, 1, '2026-01-01 00:00:00', :error, '2026-01-01 00:00:00')"
                ), {"id": number + 1, "error": error, "status": "failed" if error else "sent"})  # fmt: skip
        upgrade()
        with db.engine.connect() as connection:
            rows = dict(connection.execute(sa.text("SELECT last_error, final_reason FROM outbox_message")).all())
    assert rows.pop(None) is None  # a sent message has none
    assert rows == STORED
