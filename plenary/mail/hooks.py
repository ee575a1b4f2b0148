"""Deliver a request's messages right after it has committed, without delaying its response.

A short-lived thread per request that queued messages does the first attempt, so the
response goes out at once and nothing depends on how a server closes responses (the
development server does not always). What fails, or is cut short by a worker restart,
stays pending for ``flask outbox send --watch``.
"""

import logging
import threading

from flask import Flask, current_app

from plenary.mail.outbox import queued_message_ids

log = logging.getLogger(__name__)


def deliver_after_response(response):
    """After-request hook: start delivering the messages this request committed."""
    ids = queued_message_ids()
    if ids and current_app.config["OUTBOX_DELIVER_AFTER_REQUEST"]:
        app = current_app._get_current_object()
        thread = threading.Thread(target=_deliver, args=(app, ids), name="outbox-after-request", daemon=True)
        threads = app.extensions.setdefault("outbox_threads", [])
        threads[:] = [t for t in threads if t.is_alive()]
        threads.append(thread)
        thread.start()
    return response


def wait_for_deliveries(app: Flask, timeout: float = 30.0) -> None:
    """Wait until the deliveries started after requests have finished (tests and graceful shutdown)."""
    for thread in list(app.extensions.get("outbox_threads", [])):
        thread.join(timeout)


def _deliver(app: Flask, ids: list[int]) -> None:
    from plenary.extensions import db
    from plenary.mail.delivery import deliver

    with app.app_context():
        try:
            deliver(ids)
        except Exception:  # never let delivery break anything; the worker retries
            log.exception("delivery after the request failed; the outbox keeps the messages")
        finally:
            db.session.remove()
