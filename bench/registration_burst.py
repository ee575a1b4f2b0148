"""A burst of simultaneous registrations under gunicorn: registrations per second, p50/p99 latency.

Usage: .venv/bin/python bench/registration_burst.py [--people 200] [--seats 50] [--rounds 3]
           [--database-url postgresql://postgres@127.0.0.1:5432/plenary_bench] [--write docs/benchmarks.md]

Runs on a temporary SQLite file, and also on PostgreSQL when --database-url is given (that
database is emptied: its schema ``public`` is dropped and created again). Each round migrates a
fresh database, imports an open plenary with --seats in-person seats and a waitlist, starts
gunicorn with 4 sync workers (capacity lock on, messages delivered right after each request as .eml
files) and lets --people clients fetch the form, then submit at the same moment. It uses the
harness of tests/test_registration_concurrency.py, so it measures the very burst the test proves
correct; a round whose outcome is wrong (a non-redirect, not exactly --seats confirmed) aborts.

Registrations/s is people ÷ (last answer − release); latency is per POST, from the release.
The baseline is the same burst of GETs against bench/bare_app.py under the same gunicorn
settings, so "vs. bare Flask" compares across machines as in the rest of docs/benchmarks.md.
"""

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The harness lives in the test module; this script runs from bench/, so put the project on the path.
sys.path.insert(0, str(ROOT))

WORKERS = 4


@dataclass
class Round:
    """One burst against one fresh database."""

    rate: float  # registrations per second
    p50: float
    p99: float
    outcome: Counter


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def reset_postgres(url: str) -> str:
    """Empty the PostgreSQL database at ``url``; return its server version."""
    import sqlalchemy as sa

    from plenary.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
            return connection.execute(sa.text("SHOW server_version")).scalar().split()[0]
    finally:
        engine.dispose()


def one_round(database_url: str, people: int, seats: int, tmp: Path) -> Round:
    """Migrate, import the plenary, serve, burst; check the outcome and return the figures."""
    import sqlalchemy as sa

    from plenary import create_app
    from plenary.extensions import db
    from plenary.registration.models import Registration
    from tests.test_registration_concurrency import burst, create_race_plenary, serve

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    plenary_id = create_race_plenary(app, seats=seats)
    with serve(database_url, tmp / "mail", tmp / "gunicorn.log", workers=WORKERS) as port:
        submissions = burst(port, people)
    with app.app_context():
        outcome = Counter(
            db.session.scalars(sa.select(Registration.status).where(Registration.plenary_id == plenary_id))
        )
        db.engine.dispose()
    answers = Counter(s.status for s in submissions)
    if answers != {302: people} or outcome != {"confirmed": seats, "waitlisted": people - seats}:
        sys.exit(f"wrong outcome, not measuring: answers {dict(answers)}, registrations {dict(outcome)}; "
                 f"see {tmp / 'gunicorn.log'}")  # fmt: skip
    elapsed = max(s.finished for s in submissions) - min(s.started for s in submissions)
    latencies = [s.seconds for s in submissions]
    return Round(people / elapsed, percentile(latencies, 0.50), percentile(latencies, 0.99), outcome)


def bare_rate(people: int, bursts: int, tmp: Path) -> float:
    """Requests per second of the same burst (GET /) against the bare Flask app: median of ``bursts``.

    One such burst lasts a fraction of a second, so it is repeated (after a warm-up) on one server.
    """
    from tests.test_registration_concurrency import free_port, http_request

    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    with open(tmp / "bare.log", "wb") as log:
        process = subprocess.Popen(
            [gunicorn, "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "bare_app:app"],
            cwd=ROOT / "bench", stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    sys.exit(f"the bare app did not start; see {tmp / 'bare.log'}")
                time.sleep(0.1)

        def one_burst() -> float:
            barrier = threading.Barrier(people, timeout=120)

            def one(_index: int) -> tuple[float, float]:
                barrier.wait()
                started = time.perf_counter()
                status, _, _ = http_request(port, "GET", "/")
                if status != 200:
                    raise RuntimeError(f"the bare app answered {status}")
                return started, time.perf_counter()

            with ThreadPoolExecutor(max_workers=people) as pool:
                times = list(pool.map(one, range(people)))
            return people / (max(end for _, end in times) - min(start for start, _ in times))

        one_burst()  # warm-up
        return statistics.median(one_burst() for _ in range(bursts))
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200, help="simultaneous registrations (default 200)")
    parser.add_argument("--seats", type=int, default=50, help="in-person seats (default 50)")
    parser.add_argument("--rounds", type=int, default=3, help="bursts per database; the median is reported")
    parser.add_argument("--database-url", help="also measure on this PostgreSQL database (it is emptied)")
    parser.add_argument("--write", help="append the result section to this Markdown file")
    args = parser.parse_args()
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql")):
        sys.exit("--database-url must be a PostgreSQL URL (SQLite is always measured)")

    rows = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        baseline = bare_rate(args.people, 15, tmp)
        for name in ["sqlite", "postgresql"] if args.database_url else ["sqlite"]:
            label, rounds = "SQLite (WAL)", []
            for number in range(args.rounds):
                round_dir = tmp / f"{name}-{number}"
                round_dir.mkdir()
                if name == "sqlite":
                    database_url = f"sqlite:///{round_dir / 'bench.sqlite'}"
                else:
                    database_url = args.database_url
                    label = f"PostgreSQL {reset_postgres(database_url)}"
                rounds.append(one_round(database_url, args.people, args.seats, round_dir))
                print(f"{label}, round {number + 1}: {rounds[-1].rate:.1f} registrations/s", file=sys.stderr)
            rows.append((label, sorted(rounds, key=lambda r: r.rate)[len(rounds) // 2]))

    lines = [
        f"### {date.today().isoformat()} — registration burst, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        f"`bench/registration_burst.py`: gunicorn, {WORKERS} sync workers; {args.people} clients each fetch the "
        f"form, then all submit at once for {args.seats} in-person seats with a waitlist (capacity lock on; each "
        f"request's two messages delivered right after it, as .eml files). Median of {args.rounds} bursts, each "
        f"on a fresh database, each checked: every POST redirected, exactly {args.seats} confirmed. Baseline: the "
        f"same burst of GETs against the bare Flask app = 1.00 ({baseline:.0f} requests/s here, median of 15). "
        f"Load average before the run: {load:.1f}.",
        "",
        "| Database | Registrations/s here | vs. bare Flask | p50 latency | p99 latency |",
        "| --- | --- | --- | --- | --- |",
        *[
            f"| {label} | {r.rate:.0f} | {r.rate / baseline:.2f} | {r.p50:.1f} s | {r.p99:.1f} s |" for label, r in rows
        ],  # fmt: skip
        "",
    ]
    print("\n".join(lines))
    if args.write:
        existing = Path(args.write).read_text(encoding="utf-8") if Path(args.write).exists() else ""
        with open(args.write, "a", encoding="utf-8") as fh:
            # A blank line before the heading, whether or not the file ends with one.
            fh.write(("\n" if existing and not existing.endswith("\n\n") else "") + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
