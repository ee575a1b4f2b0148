"""/healthz for the load balancer: the database answers and the outbox is not stalled; one query, nothing personal."""

from datetime import timedelta

import pytest

from plenary import create_app
from plenary.db import utcnow
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from tests.helpers import count_queries


def _message(due_minutes_ago: int, leased: bool = False, status: str = "pending") -> None:
    now = utcnow()
    db.session.add(OutboxMessage(kind="health_test", recipient="anna@example.org", language="en", subject="Hello",
                                 body_text="Text", body_html="<p>HTML</p>", status=status,
                                 next_attempt_at=now - timedelta(minutes=due_minutes_ago),
                                 locked_until=now + timedelta(seconds=45) if leased else None))  # fmt: skip
    db.session.commit()


def test_healthy_is_200_ok_in_one_query_and_never_stored(app, client):
    with count_queries() as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    assert len(queries.statements) == 1


@pytest.mark.parametrize(("due", "leased", "status", "healthy"), [
    (20, False, "pending", False),  # due 20 minutes, nobody holds it: no worker runs
    (20, True, "pending", True),    # a worker holds it (sending right now)
    (5, False, "pending", True),    # due for less than the 15 minutes
    (20, False, "sent", True),      # done
    (20, False, "failed", True),    # given up: the back office lists it, no worker will take it
])  # fmt: skip
def test_a_stalled_outbox_is_503_with_the_reason_and_no_personal_data(app, client, due, leased, status, healthy):
    _message(due, leased, status)
    response = client.get("/healthz")
    assert response.headers["Cache-Control"] == "no-store"
    if healthy:
        assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
    else:
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable", "reason": "outbox stalled", "stalled_messages": 1}
        assert b"anna" not in response.data and b"Hello" not in response.data


def test_only_the_database_for_a_load_balancer(app, client):
    _message(20)
    assert client.get("/healthz").status_code == 503
    with count_queries() as queries:
        response = client.get("/healthz?only=database")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"}) and len(queries.statements) == 1


def test_the_stall_minutes_are_configurable(app, client):
    _message(5)
    assert client.get("/healthz").status_code == 200
    app.config["HEALTH_OUTBOX_STALL_MINUTES"] = 3
    assert client.get("/healthz").status_code == 503


def test_a_database_that_does_not_answer_is_503(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/folder/db.sqlite"},
                     instance_path=str(tmp_path / "instance"))  # fmt: skip
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "database unreachable"}
    assert response.headers["Cache-Control"] == "no-store"


def test_the_health_check_is_not_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5
    # The default limit does apply elsewhere (to a page the cache does not answer: its hits cost no more than this).
    assert [client.get("/news/?source=test").status_code for _ in range(3)][-1] == 429
