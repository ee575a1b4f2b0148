"""Organizer commands: approve, reject, cancel, purge; the Redis-backed rate limit (export: tests/test_export.py)."""

import os

import pytest
import sqlalchemy as sa

from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import signup
from plenary.registration.models import Registration
from tests.conftest import person


@pytest.fixture
def registrations(open_plenary):
    plenary = open_plenary(capacity_in_person=1, requires_approval=True)
    head = person("head@example.org", first_name="Zoë", last_name="Müller", name_zh="米勒", interpretation=True)
    delegate = {"first_name": "伟", "last_name": "张", "email": "wei@example.cn", "position": None,
                "attendance": "in_person", "organisation": "Stadt Köln", "language": "zh"}  # fmt: skip
    signup.register(plenary.id, head, [delegate])
    db.session.commit()
    return db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()


def test_approve_reject_cancel(runner, registrations):
    head, delegate = registrations
    result = runner.invoke(args=["registrations", "approve", str(head.id)])
    assert result.exit_code == 0 and f"Registration {head.id} is now confirmed." in result.output
    refused = runner.invoke(args=["registrations", "approve", str(delegate.id)])
    assert refused.exit_code == 1 and "cannot be approved: not_pending (status waitlisted)" in refused.output
    assert runner.invoke(args=["registrations", "cancel", str(head.id)]).exit_code == 0
    assert delegate.status == "pending"  # promoted into the freed seat, still to be approved
    assert runner.invoke(args=["registrations", "reject", str(delegate.id)]).exit_code == 0
    assert (head.status, delegate.status) == ("cancelled", "rejected")
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.recipient == "wei@example.cn")
                               .order_by(OutboxMessage.id)).all()  # fmt: skip
    assert kinds == ["registration_waitlisted", "registration_promoted", "registration_rejected"]
    assert "cannot be cancelled: not_found" in runner.invoke(args=["registrations", "cancel", "99999"]).output


def test_purge(runner, registrations):
    def purge(before: str) -> str:
        return runner.invoke(args=["registrations", "purge", "--before", before]).output

    assert "0 registrations anonymised" in purge("2031-01-01")  # the plenary is in October 2031
    assert "2 registrations anonymised" in purge("2032-01-01")
    assert db.session.scalar(sa.select(sa.func.count()).where(Registration.email.is_not(None))) == 0
    assert "Invalid value" in purge("soon")


def test_import_with_raised_capacity_promotes_the_waitlist(runner, registrations, tmp_path):
    import json

    from plenary.events.exchange import export_plenary
    from plenary.events.models import Plenary

    head, delegate = registrations
    document = export_plenary(db.session.scalar(sa.select(Plenary)), include_private=True)
    document["registration"]["capacity_in_person"] = 2
    path = tmp_path / "plenary.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(args=["plenary", "import", str(path)])
    assert result.exit_code == 0 and "1 waitlisted registrations promoted." in result.output
    assert delegate.status == "pending"


def test_rate_limit_counts_in_redis(make_app, open_registration_document):
    """Production stores the limiter's counters in Redis (shared by all workers)."""
    import redis

    from plenary.events.exchange import import_plenary

    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI and the dev machines have it)")
    client.flushdb()
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
                   REGISTRATION_RATE_LIMIT="2 per minute")  # fmt: skip
    with app.app_context():
        import_plenary(open_registration_document)
        db.session.commit()
        web = app.test_client()
        codes = [web.post("/plenaries/test-plenary/register", data={"email": f"{i}@x.org"}).status_code
                 for i in range(3)]  # fmt: skip
        # Forms with mistakes do not use up the registration budget, but every POST counts against the form's.
        assert codes == [400, 400, 400]
        assert any(b"LIMITER" in key or b"limiter" in key.lower() for key in client.keys())
    client.flushdb()
