"""The visa letters' timed work: deleting passport data VISA_RETENTION_DAYS after the plenary's end."""

from collections.abc import Callable
from datetime import datetime

from plenary.extensions import db
from plenary.visa import services
from plenary.visa.models import VisaRequest


def purge_passport_data(now: datetime, keep_going: Callable[[], bool]) -> int:
    """Delete the passport data that is due (idempotent: each request once); how many requests were purged."""
    purged = 0
    for request_id in services.requests_due_for_purge(now):
        if not keep_going():
            break
        visa = db.session.get(VisaRequest, request_id)
        if visa is not None and services.purge(visa):
            purged += 1
        db.session.commit()
    return purged
