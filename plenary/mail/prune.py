"""Sent messages do not keep personal data for ever: their texts and addresses go after a while."""

from datetime import datetime

import sqlalchemy as sa

from plenary.extensions import db
from plenary.mail.files import forget_mail_files
from plenary.mail.models import OutboxMessage, OutboxStatus

#: What a pruned message keeps of its texts.
PRUNED = ""


def prune_sent(sent_before: datetime, now: datetime, limit: int = 1000) -> int:
    """Delete the texts, addresses and calendar of (at most ``limit``) messages sent before ``sent_before``.

    Returns how many. Flushes.
    Kind, subject, language, status and times stay (the history the back office shows); the file
    backend's .eml copies go too. Idempotent: a pruned message (``pruned_at``) is not touched again.
    """
    due = sa.and_(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < sent_before,
                  OutboxMessage.pruned_at.is_(None))  # fmt: skip
    ids = list(db.session.scalars(sa.select(OutboxMessage.id).where(due).limit(limit)))
    if not ids:
        return 0
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id.in_(ids), due)
        .values(body_text=PRUNED, body_html=PRUNED, recipient=None, reply_to=None, calendar_ics=None, pruned_at=now)
    )  # fmt: skip
    forget_mail_files(ids)
    return len(ids)
