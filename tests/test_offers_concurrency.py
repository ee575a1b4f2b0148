"""Offers under real concurrency (extends tests/test_registration_concurrency.py, reusing its gunicorn helpers).

On SQLite and PostgreSQL: while new people sign up in a burst, confirmed people cancel (their seats
are offered), offered people accept (some after their deadline) and two ``flask jobs run-due``
processes let the expired offers lapse at the same moment, no attendance mode ever holds more seats
than it has, and every expired offer lapses exactly once (one lapse mail, one new offer for its seat).
"""

import os
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, signup
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import person
from tests.test_registration_concurrency import (
    CSRF_INPUT,
    RACE_WINDOW,
    ROOT,
    SLUG,
    VALUE,
    burst,
    create_race_plenary,
    http_request,
    serve,
)

SECRET = "race-test-secret"  # the served app's, so that personal links made here work there
SEATS = 10
WAITING = 20
NEWCOMERS = 30


def _setup(app, plenary_id: int, expired: int, open_offers: int) -> dict[str, list[int]]:
    """Fill the plenary (offers of 72 h): SEATS confirmed, WAITING waiting; free seats become offers.

    ``expired`` of those offers are already past their deadline; ``open_offers`` are not.
    """
    with app.app_context():
        plenary = db.session.get(Plenary, plenary_id)
        plenary.offer_hours = 72
        db.session.commit()
        people = []
        for i in range(SEATS + WAITING):
            people.append(signup.register(plenary_id, person(f"p{i:02d}@example.org", last_name=f"P{i}")).created[0].id)
            db.session.commit()
        for registration_id in people[: expired + open_offers]:
            changes.cancel(registration_id)
            db.session.commit()
        offered = db.session.scalars(sa.select(Registration).where(Registration.status == "offered")
                                     .order_by(Registration.id)).all()  # fmt: skip
        assert len(offered) == expired + open_offers
        for registration in offered[:expired]:
            registration.offer_expires_at = datetime.now(UTC) - timedelta(minutes=5)
            registration.offer_reminder_at = None
        db.session.commit()
        confirmed = db.session.scalars(sa.select(Registration).where(Registration.status == "confirmed")).all()
        result = {
            "expired": [r.id for r in offered[:expired]],
            "open": [r.id for r in offered[expired:]],
            "tokens_expired": [token_for(r) for r in offered[:expired]],
            "tokens_open": [token_for(r) for r in offered[expired:]],
            "tokens_cancel": [token_for(r) for r in confirmed[:3]],
        }
        db.session.remove()
        return result


def _post_on_personal_page(port: int, token: str, path: str) -> int:
    """GET the personal page (cookie, CSRF token), then POST ``path`` there; the answer's status."""
    status, headers, body = http_request(port, "GET", f"/registrations/{token}")
    assert status == 200
    cookies = "; ".join(v.split(";", 1)[0] for v in headers.get_all("Set-Cookie") or [])
    csrf = VALUE.search(CSRF_INPUT.search(body).group(0)).group(1).decode()
    status, _, _ = http_request(port, "POST", f"/registrations/{token}/{path}", urlencode({"csrf_token": csrf}),
                                {"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    return status


def _run_due_processes(database_url: str, mail_dir: Path, count: int = 2) -> list[subprocess.CompletedProcess]:
    """``count`` ``flask --app wsgi jobs run-due`` processes started together; their results."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update({"FLASK_SQLALCHEMY_DATABASE_URI": database_url, "FLASK_SECRET_KEY": SECRET,
                "FLASK_MAIL_FILE_DIR": str(mail_dir), "FLASK_RATELIMIT_ENABLED": "false"})  # fmt: skip
    flask = str(Path(sys.executable).with_name("flask"))
    processes = [subprocess.Popen([flask, "--app", "wsgi", "jobs", "run-due"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(count)]  # fmt: skip
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out.decode(errors="replace")))
    return results


def _state(app, plenary_id: int):
    with app.app_context():
        rows = db.session.execute(sa.select(Registration.id, Registration.status, Registration.attendance)
                                  .where(Registration.plenary_id == plenary_id)).all()  # fmt: skip
        kinds = db.session.execute(sa.select(OutboxMessage.registration_id, OutboxMessage.kind)).all()
        db.session.remove()
    return rows, kinds


def test_offers_never_exceed_capacity_under_signups_accepts_and_two_expiry_runs(make_app, database_url, tmp_path):
    app = make_app(create_schema=False, SECRET_KEY=SECRET)
    plenary_id = create_race_plenary(app, seats=SEATS)
    ids = _setup(app, plenary_id, expired=3, open_offers=2)
    mail_dir, log = tmp_path / "mail", tmp_path / "gunicorn.log"
    with serve(database_url, mail_dir, log, race_window=RACE_WINDOW, OUTBOX_DELIVER_AFTER_REQUEST=False) as port:
        start = threading.Barrier(3)
        with ThreadPoolExecutor(max_workers=3) as pool:

            def signups():
                start.wait()
                return burst(port, NEWCOMERS, SLUG)

            def answers():
                start.wait()
                tokens = ([(t, "offer/accept") for t in ids["tokens_open"] + ids["tokens_expired"]]
                          + [(t, "cancel") for t in ids["tokens_cancel"]])  # fmt: skip
                with ThreadPoolExecutor(max_workers=len(tokens)) as inner:
                    return list(inner.map(lambda tp: _post_on_personal_page(port, *tp), tokens))

            def expiry():
                start.wait()
                return _run_due_processes(database_url, mail_dir)

            signed, answered, jobs = pool.submit(signups), pool.submit(answers), pool.submit(expiry)
            signed, answered, jobs = signed.result(), answered.result(), jobs.result()
    assert all(s.status == 302 for s in signed), [s.status for s in signed]
    assert all(status == 302 for status in answered), answered
    assert all(run.returncode == 0 for run in jobs), [run.stdout for run in jobs]
    rows, kinds = _state(app, plenary_id)
    holding = [r for r in rows if r.status in ("confirmed", "pending", "offered") and r.attendance == "in_person"]
    assert len(holding) == SEATS  # never more; and no seat left idle while people wait
    status = {r.id: r.status for r in rows}
    assert [status[i] for i in ids["expired"]] == ["cancelled"] * 3  # an accept after the deadline is refused
    assert [status[i] for i in ids["open"]] == ["confirmed"] * 2
    lapse_mails = Counter(rid for rid, kind in kinds if kind == "registration_offer_lapsed")
    assert lapse_mails == {i: 1 for i in ids["expired"]}  # each lapsed once, by one of the two runs
    # The cancelled three's seats and the lapsed three's seats were each offered to exactly one person.
    offered_mails = Counter(rid for rid, kind in kinds if kind == "registration_offered")
    assert all(n == 1 for n in offered_mails.values())
    assert len(offered_mails) == 5 + 3 + 3  # set-up offers, then one per lapsed and one per cancelled seat


def test_an_expired_offer_frees_its_seat_exactly_once(make_app, database_url, tmp_path):
    app = make_app(create_schema=False, SECRET_KEY=SECRET)
    plenary_id = create_race_plenary(app, seats=SEATS)
    ids = _setup(app, plenary_id, expired=1, open_offers=0)
    runs = _run_due_processes(database_url, tmp_path / "mail")
    assert all(run.returncode == 0 for run in runs), [run.stdout for run in runs]
    lapsed = sorted(int(run.stdout.split("lapse-offers ", 1)[1].split(",", 1)[0]) for run in runs)
    assert lapsed == [0, 1]  # one run let it lapse, the other found nothing left to do
    rows, kinds = _state(app, plenary_id)
    # One cancelled in the set-up, one lapsed; the first waiting then the second were offered the seat.
    assert Counter(r.status for r in rows) == {
        "confirmed": SEATS - 1, "offered": 1, "cancelled": 2, "waitlisted": WAITING - 2}  # fmt: skip
    assert Counter(kind for _rid, kind in kinds)["registration_offer_lapsed"] == 1
    assert [rid for rid, kind in kinds if kind == "registration_offer_lapsed"] == ids["expired"]
