"""A burst of simultaneous registrations under gunicorn: registrations per second, p50/p99 latency.

Usage: .venv/bin/python bench/registration_burst.py [--people 200] [--seats 50] [--rounds 3]
           [--worker after|during] [--database-url postgresql://postgres@127.0.0.1:5432/plenary_bench]
           [--write docs/benchmarks.md]

Runs on a temporary SQLite file, and also on PostgreSQL when --database-url is given (that
database is emptied: its schema ``public`` is dropped and created again). Each round migrates a
fresh database, imports an open plenary with --seats in-person seats and a waitlist, starts
gunicorn with 4 sync workers (capacity lock on; as in production the web workers only store the
messages, ``FLASK_OUTBOX_DELIVER_AFTER_REQUEST`` off) and lets --people clients fetch the form, then
submit at the same moment. The outbox worker (``flask jobs worker``, .eml files) runs right after the
burst (``--worker after``, the default: the web tier's capacity) or during it on the same two cores
(``--worker during``); its CPU is read from /proc and reported on its own, as is the web workers' CPU
during the POSTs. It uses the harness of tests/test_registration_concurrency.py, so it measures the
very burst the test proves correct; a round whose outcome is wrong (a non-redirect, not exactly
--seats confirmed, a person without exactly one message once the worker is done) aborts.

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
    web_cpu_ms: float  # the gunicorn workers' CPU per registration, from the release to the last answer
    worker_cpu_ms: float  # the outbox worker's CPU per registration, for sending both messages
    mail_seconds: float  # from the release ("during") or the worker's start ("after") until all mail was sent


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


def cpu_seconds(pid: int, children: bool = False) -> float:
    """CPU (user + system) of the live process ``pid``, or of its live children, from /proc."""
    pids = [pid]
    if children:
        pids = [int(p) for task in Path(f"/proc/{pid}/task").iterdir()
                for p in (task / "children").read_text().split()]  # fmt: skip
    ticks = 0
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def gunicorn_master() -> int:
    """The pid of the gunicorn that ``serve`` started (this process's only gunicorn child)."""
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return int(pid)
    raise RuntimeError("no gunicorn child found")


def start_worker(database_url: str, mail_dir: Path, log_path: Path) -> subprocess.Popen:
    """``flask jobs worker --interval 1`` on the same database, writing .eml files to ``mail_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_") and k != "DATABASE_URL"}
    env.update(FLASK_SQLALCHEMY_DATABASE_URI=database_url, FLASK_SECRET_KEY="bench", FLASK_MAIL_FILE_DIR=str(mail_dir))
    flask = str(Path(sys.executable).with_name("flask"))
    with open(log_path, "wb") as log:
        return subprocess.Popen([flask, "--app", "wsgi", "jobs", "worker", "--interval", "1"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


def timed_burst(port: int, people: int, on_release) -> list:
    """As the test's ``burst``, but ``on_release()`` runs once all clients hold their form, just before the POSTs."""
    from tests.test_registration_concurrency import SLUG, Submission, _form_data, _form_session, http_request

    barrier = threading.Barrier(people, action=on_release, timeout=120)

    def one(index: int) -> Submission:
        address = f"delegate{index:03d}@example.org"
        try:
            cookies, token = _form_session(port, SLUG)
        except BaseException:
            barrier.abort()
            raise
        body = _form_data(index, address, token)
        headers = {"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"}
        barrier.wait()
        started = time.perf_counter()
        status, response_headers, _ = http_request(port, "POST", f"/plenaries/{SLUG}/register", body, headers)
        return Submission(address, status, response_headers.get("Location"), started, time.perf_counter())

    with ThreadPoolExecutor(max_workers=people) as pool:
        return list(pool.map(one, range(people)))


def one_round(database_url: str, people: int, seats: int, tmp: Path, worker_during: bool) -> Round:
    """Migrate, import the plenary, serve, burst, run the worker; check the outcome and return the figures."""
    import signal

    import sqlalchemy as sa

    from plenary import create_app
    from plenary.extensions import db
    from plenary.mail.models import OutboxMessage
    from plenary.registration.models import Registration
    from tests.test_registration_concurrency import CONTACT, create_race_plenary, serve

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    plenary_id = create_race_plenary(app, seats=seats)
    mail_dir = tmp / "mail"
    worker = start_worker(database_url, mail_dir, tmp / "worker.log")
    cpu = {}
    try:
        with serve(database_url, mail_dir, tmp / "gunicorn.log", workers=WORKERS,
                   OUTBOX_DELIVER_AFTER_REQUEST=False) as port:  # fmt: skip
            master = gunicorn_master()

            def release() -> None:
                if not worker_during:
                    worker.send_signal(signal.SIGSTOP)
                cpu["web"], cpu["worker"] = cpu_seconds(master, children=True), cpu_seconds(worker.pid)
                cpu["released"] = time.perf_counter()

            submissions = timed_burst(port, people, release)
            web_cpu = cpu_seconds(master, children=True) - cpu["web"]
        mail_started = cpu["released"] if worker_during else time.perf_counter()
        if not worker_during:
            worker.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 120
        with app.app_context():
            while True:
                pending = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == "pending"))
                db.session.remove()
                if not pending:
                    break
                if time.monotonic() > deadline or worker.poll() is not None:
                    sys.exit(f"the worker did not send the mail; see {tmp / 'worker.log'}")
                time.sleep(0.05)
            mail_seconds = time.perf_counter() - mail_started
            worker_cpu = cpu_seconds(worker.pid) - cpu["worker"]
            outcome = Counter(
                db.session.scalars(sa.select(Registration.status).where(Registration.plenary_id == plenary_id))
            )
            messages = db.session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.status)).all()
            db.engine.dispose()
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGCONT)
            worker.terminate()
            worker.wait(timeout=30)
    answers = Counter(s.status for s in submissions)
    if answers != {302: people} or outcome != {"confirmed": seats, "waitlisted": people - seats}:
        sys.exit(f"wrong outcome, not measuring: answers {dict(answers)}, registrations {dict(outcome)}; "
                 f"see {tmp / 'gunicorn.log'}")  # fmt: skip
    to_people = Counter(recipient for recipient, _ in messages if recipient != CONTACT)
    files = len(list(mail_dir.glob("*.eml")))
    if (to_people != {s.email: 1 for s in submissions} or {status for _, status in messages} != {"sent"}
            or files != len(messages) or len(messages) != 2 * people):  # fmt: skip
        sys.exit(f"wrong mail, not measuring: {len(messages)} messages, {files} files, "
                 f"{sum(n != 1 for n in to_people.values())} people without exactly one; see {tmp}")  # fmt: skip
    elapsed = max(s.finished for s in submissions) - min(s.started for s in submissions)
    latencies = [s.seconds for s in submissions]
    return Round(people / elapsed, percentile(latencies, 0.50), percentile(latencies, 0.99), outcome,
                 web_cpu / people * 1000, worker_cpu / people * 1000, mail_seconds)  # fmt: skip


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
    parser.add_argument("--worker", choices=["after", "during"], default="after",
                        help="run the outbox worker right after the burst (default) or during it")
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
                rounds.append(one_round(database_url, args.people, args.seats, round_dir, args.worker == "during"))
                r = rounds[-1]
                print(f"{label}, round {number + 1}: {r.rate:.1f} registrations/s, web {r.web_cpu_ms:.1f} ms CPU, "
                      f"worker {r.worker_cpu_ms:.1f} ms CPU per registration, mail sent in {r.mail_seconds:.1f} s",
                      file=sys.stderr)  # fmt: skip
            rows.append((label, sorted(rounds, key=lambda r: r.rate)[len(rounds) // 2]))

    lines = [
        f"### {date.today().isoformat()} — registration burst, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        f"`bench/registration_burst.py --worker {args.worker}`: gunicorn, {WORKERS} sync workers; {args.people} "
        f"clients each fetch the form, then all submit at once for {args.seats} in-person seats with a waitlist "
        f"(capacity lock on; the web workers store each registration's two messages, the outbox worker "
        f"`flask jobs worker` sends them as .eml files, "
        f"{'during the burst, on the same cores' if args.worker == 'during' else 'started right after the burst'}). "
        f"Median of {args.rounds} bursts, each on a fresh database, each checked: every POST redirected, exactly "
        f"{args.seats} confirmed, every person exactly one message sent. CPU per registration from /proc: the "
        f"gunicorn workers' from the release to the last answer, the worker's for sending the two messages. "
        f"Baseline: the same burst of GETs against the bare Flask app = 1.00 ({baseline:.0f} requests/s here, "
        f"median of 15). Load average before the run: {load:.1f}.",
        "",
        "| Database | Registrations/s here | vs. bare Flask | p50 latency | p99 latency | Web CPU / registration "
        "| Worker CPU / registration | All mail sent after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *[
            f"| {label} | {r.rate:.0f} | {r.rate / baseline:.2f} | {r.p50:.2f} s | {r.p99:.2f} s | "
            f"{r.web_cpu_ms:.1f} ms | {r.worker_cpu_ms:.1f} ms | {r.mail_seconds:.1f} s |" for label, r in rows
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
