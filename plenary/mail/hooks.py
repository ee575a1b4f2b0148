"""Deliver a request's messages right after its response has gone out."""

import logging

from flask import Flask, current_app

from plenary.mail.outbox import queued_message_ids

log = logging.getLogger(__name__)


def deliver_after_response(response):
    """After-request hook: once the response is sent, try the messages this request committed."""
    ids = queued_message_ids()
    if ids and current_app.config["OUTBOX_DELIVER_AFTER_REQUEST"]:
        app = current_app._get_current_object()
        response.call_on_close(lambda: _deliver(app, ids))
    return response


def _deliver(app: Flask, ids: list[int]) -> None:
    from plenary.mail.delivery import deliver

    with app.app_context():
        try:
            deliver(ids)
        except Exception:  # never let delivery break a finished request; the worker retries
            log.exception("delivery after the request failed; the outbox keeps the messages")
