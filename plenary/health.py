"""``/healthz`` for the load balancer: 200 when this server can work, 503 with the reason when it cannot.

Healthy means: the database answers, and the outbox is not stalled — no message has been due for more than
``FLASK_HEALTH_OUTBOX_STALL_MINUTES`` (15) without a worker holding its lease. A stalled outbox means no worker
runs (or every one is stuck): registrants get no confirmations, which the operators must hear about. One query,
no personal data (only counts), never rate-limited or cached (``Cache-Control: no-store``).
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request

from plenary.db import utcnow
from plenary.extensions import db, limiter
from plenary.mail.models import OutboxMessage, OutboxStatus

bp = Blueprint("health", __name__)


def stalled_messages() -> int:
    """How many messages have been due longer than the configured minutes and are leased by no worker (one query)."""
    now = utcnow()
    due_before = now - timedelta(minutes=int(current_app.config["HEALTH_OUTBOX_STALL_MINUTES"]))
    table = OutboxMessage.__table__
    return db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
        table.c.status == OutboxStatus.PENDING.value, table.c.next_attempt_at < due_before,
        sa.or_(table.c.locked_until.is_(None), table.c.locked_until < now)))  # fmt: skip


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """``{"status": "ok"}`` (200), or ``{"status": "unavailable", "reason": …}`` (503).

    ``?only=database`` leaves the outbox out: for a load balancer that takes out every server on a 503 (a stalled
    outbox is the same on all of them, and they can still serve pages); the full check is for monitoring.
    """
    try:
        if request.args.get("only") == "database":
            db.session.execute(sa.text("SELECT 1"))
            stalled = 0
        else:
            stalled = stalled_messages()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("health check: the database does not answer")
        body, status = {"status": "unavailable", "reason": "database unreachable"}, 503
    else:
        db.session.rollback()  # only read
        if stalled:
            body, status = {"status": "unavailable", "reason": "outbox stalled", "stalled_messages": stalled}, 503
        else:
            body, status = {"status": "ok"}, 200
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
