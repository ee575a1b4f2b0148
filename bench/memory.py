"""Does a gunicorn worker's memory settle? Its resident size after 1,000 and after 10,000 mixed requests.

Usage: .venv/bin/python bench/memory.py [--requests 10000] [--warm-up 1000] [--registrations 1000] [--workers 1]
           [--database-url postgresql://postgres@127.0.0.1:5432/plenary_bench] [--port 5560]
           [--write docs/benchmarks.md]

Builds the database as bench/backoffice.py does (``flask db upgrade``, ``flask demo``, an organizer account,
--registrations registrations for the 11th plenary; a temporary SQLite file, or a schema of its own in the
PostgreSQL database of --database-url, dropped afterwards), serves Plenary under gunicorn with --workers sync
workers and no ``--max-requests`` (a worker is never replaced, so what it keeps, it keeps), logs in once as the
organizer and sends --requests requests one after another, in a fixed random order (seeded): public pages
(also in Chinese and German), the calendars (.ics), the API, the back office's list (pages, sorts, searches and
filters that vary), a registration's page, the statistics, now and then an export (XLSX or CSV), and every
500th request a registration (the form, then its submission). Every answer must be the expected status.

The figure is each worker's VmRSS (/proc/<pid>/status) after --warm-up requests and after all of them; issue 14
asks that it grow by less than 10 %. The workers' pids are checked to be the same at the end (none restarted).
"""

import argparse
import os
import platform
import random
import re
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_CONFIG = str(ROOT / "bench" / "gunicorn_bench.conf.py")  # not the repository's gunicorn.conf.py
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from backoffice import PLENARY, log_in, postgres, postgres_schema_url, prepare, request, session_cookie  # noqa: E402
from pages import free_port  # noqa: E402

LIST = f"/admin/plenaries/{PLENARY}/registrations"
#: What a visitor asks for, with its weight (out of the sum): mostly public pages, as in production.
PUBLIC = [
    "/", "/?lang=zh", "/?lang=de", "/plenaries/", "/plenaries/10th-plenary", f"/plenaries/{PLENARY}",
    f"/plenaries/{PLENARY}?lang=zh", "/news/", "/news/feed.atom", "/members/", "/members/?lang=zh",
]  # fmt: skip
CALENDARS = [f"/plenaries/{PLENARY}.ics", f"/plenaries/{PLENARY}/agenda.ics", "/calendar.ics",
             "/plenaries/10th-plenary.ics"]  # fmt: skip
API = ["/api/v1/plenaries", f"/api/v1/plenaries/{PLENARY}", "/api/v1/members", "/api/v1/openapi.json",
       "/api/v1/plenaries?when=past"]  # fmt: skip
SEARCHES = ["li", "wang", "müller", "stadt", "example.cn", "佛山", "zhang", "anna", "dr", "köhler", "x", "ma"]
SORTS = ["name", "-name", "organisation", "country", "-registered", "registered", "status"]
FILTERS = ["status=confirmed", "status=waitlisted", "country=CN", "country=DE", "attendance=online",
           "attended=no", "delegation=heads", "delegation=delegates", ""]  # fmt: skip
REGISTER_EVERY = 500


def back_office_path(rng: random.Random, registration_ids: list[int]) -> str:
    """A back-office page: a list page with varying page, sort, search and filter, a registration, the statistics."""
    kind = rng.random()
    if kind < 0.7:
        args = {"page": rng.randint(1, 20), "sort": rng.choice(SORTS)}
        if rng.random() < 0.4:
            args["q"] = rng.choice(SEARCHES)
        extra = rng.choice(FILTERS)
        return f"{LIST}?{urllib.parse.urlencode(args)}" + (f"&{extra}" if extra else "")
    if kind < 0.9:
        return f"/admin/registrations/{rng.choice(registration_ids)}"
    return f"/admin/plenaries/{PLENARY}/statistics"


def register(port: int, number: int) -> None:
    """One registration through the form, as a new visitor (its own cookie and CSRF token)."""
    status, headers, page = request(port, "GET", f"/plenaries/{PLENARY}/register")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if status != 200 or token is None:
        sys.exit(f"the registration form answered {status} (CSRF token {'found' if token else 'missing'})")
    form = {
        "csrf_token": token.group(1).decode(), "salutation": "", "honorific": "", "first_name": "Memory",
        "last_name": f"Nr. {number}", "name_zh": "", "organisation": "Stadt Köln", "position": "", "member_city": "",
        "country": "DE", "email": f"memory{number}@example.org", "phone": "", "attendance": "online",
        "language": "de", "dietary": "", "remarks": "", "consent_privacy": "y", "website": "", "submit": "Register",
    }  # fmt: skip
    status, answer, _ = request(port, "POST", f"/plenaries/{PLENARY}/register", cookie=session_cookie(headers),
                                body=form)  # fmt: skip
    if status != 302:
        sys.exit(f"a registration answered {status}, not 302 (a redirect to its confirmation); not measuring")


def workers(master: int) -> list[int]:
    """The pids of the gunicorn master's worker processes."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def rss_kib(pid: int) -> int:
    """The resident set size of ``pid`` in KiB (VmRSS of /proc/<pid>/status)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))


def start_plenary(port: int, env: dict, worker_count: int):
    """gunicorn with ``worker_count`` sync workers and no --max-requests; wait until it answers."""
    import socket
    import subprocess

    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    cmd = [gunicorn, "--config", BENCH_CONFIG,
           "--workers", str(worker_count), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
           "--max-requests", "0", "wsgi:app"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("gunicorn did not start")
    for _ in range(100):  # every worker booted
        if len(workers(proc.pid)) == worker_count:
            return proc
        time.sleep(0.05)
    return proc


def run_mix(port: int, master: int, args: argparse.Namespace, cookie: str, registration_ids: list[int]) -> dict:
    """Send the requests; return the workers' RSS after the warm-up and at the end, and what was sent."""
    rng = random.Random(14)
    sent: dict[str, int] = {}
    rss: dict[str, dict[int, int]] = {}
    started = time.perf_counter()
    for number in range(1, args.requests + 1):
        kind = rng.choices(["public", "calendar", "api", "back office", "export"], [50, 12, 12, 25, 1])[0]
        if number % REGISTER_EVERY == 0:
            register(port, number)
            kind = "registration"
        else:
            if kind == "public":
                path, logged_in = rng.choice(PUBLIC), False
            elif kind == "calendar":
                path, logged_in = rng.choice(CALENDARS), False
            elif kind == "api":
                path, logged_in = rng.choice(API), False
            elif kind == "back office":
                path, logged_in = back_office_path(rng, registration_ids), True
            else:
                path = f"{LIST}/export?format={rng.choice(['xlsx', 'csv'])}&{rng.choice(FILTERS)}"
                logged_in = True
            status, headers, _ = request(port, "GET", path, cookie=cookie if logged_in else None)
            if status != 200:
                sys.exit(f"request {number}: {path} answered {status} (Location: {headers.get('Location')})")
        sent[kind] = sent.get(kind, 0) + 1
        if number == args.warm_up:
            rss["warm"] = {pid: rss_kib(pid) for pid in workers(master)}
        if number % 1000 == 0:
            print(f"{number} requests, {time.perf_counter() - started:.0f} s, RSS "
                  f"{[rss_kib(pid) // 1024 for pid in workers(master)]} MiB", file=sys.stderr)  # fmt: skip
    rss["end"] = {pid: rss_kib(pid) for pid in workers(master)}
    if set(rss["end"]) != set(rss["warm"]):
        sys.exit(f"the workers changed ({sorted(rss['warm'])} → {sorted(rss['end'])}): a worker was restarted")
    return {"rss": rss, "sent": sent, "seconds": time.perf_counter() - started}


def measure(database_url: str, args: argparse.Namespace, tmp: Path) -> dict:
    """Prepare the database, serve it, log in, send the mix."""
    import sqlalchemy as sa

    from plenary.config import normalise_database_url

    env = prepare(database_url, args.registrations, tmp)
    engine = sa.create_engine(normalise_database_url(database_url))
    with engine.connect() as connection:
        ids = list(connection.execute(sa.text(
            "SELECT r.id FROM registration r JOIN plenary p ON p.id = r.plenary_id WHERE p.slug = :s ORDER BY r.id"
        ), {"s": PLENARY}).scalars())  # fmt: skip
    engine.dispose()
    port = args.port or free_port()
    plenary = start_plenary(port, env, args.workers)
    try:
        cookie = log_in(port)
        return run_mix(port, plenary.pid, args, cookie, ids[:: max(len(ids) // 500, 1)])
    finally:
        plenary.terminate()
        plenary.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--warm-up", type=int, default=1_000, help="the RSS after this many requests is the base")
    parser.add_argument("--registrations", type=int, default=1_000, help="registrations of the 11th plenary")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers (1 or 2)")
    parser.add_argument("--database-url", help="a PostgreSQL database (a schema of its own, dropped afterwards) "
                        "instead of a temporary SQLite file")  # fmt: skip
    parser.add_argument("--port", type=int, help="serve on this port (default: a free one)")
    parser.add_argument("--write", help="append the result section to this Markdown file")
    args = parser.parse_args()
    if not 0 < args.warm_up < args.requests:
        sys.exit("--warm-up must be between 0 and --requests")
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql")):
        sys.exit("--database-url must be a PostgreSQL URL (without it, a temporary SQLite file is used)")

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.database_url:
            schema = f"bench_memory_{os.getpid()}"
            version = postgres(args.database_url, "SHOW server_version").split()[0]
            postgres(args.database_url, f"CREATE SCHEMA {schema}")
            try:
                result = measure(postgres_schema_url(args.database_url, schema), args, tmp)
            finally:
                postgres(args.database_url, f"DROP SCHEMA {schema} CASCADE")
            database = f"PostgreSQL {version}"
        else:
            result = measure(f"sqlite:///{tmp / 'bench.sqlite'}", args, tmp)
            database = "SQLite"

    warm, end = result["rss"]["warm"], result["rss"]["end"]
    sent = ", ".join(f"{count:,} {kind}" for kind, count in sorted(result["sent"].items(), key=lambda kv: -kv[1]))
    command = " ".join(["bench/memory.py", *sys.argv[1:]])
    lines = [
        f"### {date.today().isoformat()} — worker memory, {args.requests:,} mixed requests, {database}, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        f"`{command}` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}): gunicorn, {args.workers} sync "
        f"worker(s), no --max-requests; {database} database with the demo content and {args.registrations:,} "
        f"registrations for the 11th plenary; {args.requests:,} requests one after another in "
        f"{result['seconds']:.0f} s ({sent}). VmRSS of each worker after {args.warm_up:,} requests and after all. "
        f"Load average before the run: {load:.1f}.",
        "",
        f"| Worker | RSS after {args.warm_up:,} | RSS after {args.requests:,} | Growth |",
        "| --- | --- | --- | --- |",
        *(
            f"| {number} | {warm[pid] / 1024:.1f} MiB | {end[pid] / 1024:.1f} MiB | "
            f"{(end[pid] - warm[pid]) / warm[pid] * 100:+.1f} % |"
            for number, pid in enumerate(sorted(warm), start=1)
        ),
        "",
    ]
    print("\n".join(lines))
    if args.write:
        existing = Path(args.write).read_text(encoding="utf-8") if Path(args.write).exists() else ""
        with open(args.write, "a", encoding="utf-8") as fh:
            fh.write(("\n" if existing and not existing.endswith("\n\n") else "") + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
