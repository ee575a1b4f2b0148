"""A request's writes are committed or it fails (plenary/unit_of_work.py); tests never share a request's session.

The routes and the command here exist only in these tests: each does one thing with the database that a real
view or command might do, right or wrong.
"""

import logging

import pytest
import sqlalchemy as sa

from plenary.extensions import db
from plenary.members.models import Member
from plenary.unit_of_work import UncommittedWork


def _member(key: str) -> Member:
    return Member(key=key, kind="member", country="DE", name={"de": key, "en": key, "zh": key})


def _keys() -> list[str]:
    """The members' keys as the database has them now."""
    return list(db.session.scalars(sa.select(Member.key).order_by(Member.key)))


def _add_routes(app) -> None:
    def flush_only():
        db.session.add(_member("flushed"))
        db.session.flush()
        return "ok"

    def add_only():
        db.session.add(_member("pending"))
        return "ok"

    def commit():
        db.session.add(_member("committed"))
        db.session.commit()
        return "ok"

    def roll_back():
        db.session.add(_member("rolled-back"))
        db.session.flush()
        db.session.rollback()  # on purpose: e.g. a form error found after a flush
        return "ok"

    def rename(key):
        db.session.scalar(sa.select(Member).where(Member.key == key)).key = f"{key}-renamed"
        db.session.commit()
        return "ok"

    for view in (flush_only, add_only, commit, roll_back):
        app.add_url_rule(f"/test/{view.__name__}", view.__name__, view, methods=["POST"])
    app.add_url_rule("/test/rename/<key>", "rename", rename, methods=["POST"])

    @app.cli.command("test-flush-only")
    def flush_only_command():
        db.session.add(_member("from-a-command"))
        db.session.flush()
        print(len(_keys()))  # the command's own session sees its flushed row


@pytest.fixture
def app(make_app):
    """The test app with the routes above."""
    app = make_app()
    _add_routes(app)
    with app.app_context():
        yield app


def test_a_request_that_flushes_and_does_not_commit_fails_naming_its_endpoint(client):
    with pytest.raises(UncommittedWork, match=r"^POST flush_only ended without committing: flushed writes"):
        client.post("/test/flush_only")
    assert _keys() == []  # and its work is gone


def test_a_request_that_adds_and_never_flushes_fails_too(client):
    with pytest.raises(UncommittedWork, match=r"^POST add_only ended without committing: new Member \(commit"):
        client.post("/test/add_only")
    assert _keys() == []


def test_a_request_that_commits_or_rolls_back_on_purpose_passes(client):
    assert client.post("/test/commit").status_code == 200
    assert client.post("/test/roll_back").status_code == 200
    assert _keys() == ["committed"]


def test_in_production_the_forgotten_commit_is_logged(make_app, caplog):
    app = make_app(TESTING=False)
    _add_routes(app)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        assert app.test_client().post("/test/flush_only").status_code == 200
    [record] = [r for r in caplog.records if r.name == app.logger.name]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "POST flush_only ended without committing: flushed writes; rolled back"
    with app.app_context():
        assert _keys() == []


def test_setup_must_be_committed_before_a_request(client):
    db.session.add(_member("setup"))
    with pytest.raises(AssertionError, match="commit your setup before the request"):
        client.post("/test/commit")
    db.session.commit()
    assert client.post("/test/commit").status_code == 200
    assert _keys() == ["committed", "setup"]


def test_the_test_sees_what_a_request_stored_without_reloading_by_hand(client):
    member = _member("anna")
    db.session.add(member)
    db.session.commit()
    assert member.key == "anna"  # loaded in the test's transaction
    assert client.post("/test/rename/anna").status_code == 200
    assert member.key == "anna-renamed"  # the request's commit, read again


def test_a_command_has_its_own_session(runner):
    result = runner.invoke(args=["test-flush-only"])
    assert result.exit_code == 0 and result.output == "1\n"  # it saw its own flushed row …
    assert _keys() == []  # … which the test never sees: the command did not commit
