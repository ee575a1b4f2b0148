"""Throughput of the back office with many registrations, as a ratio to a bare Flask app, both under gunicorn.

Usage: .venv/bin/python bench/backoffice.py [--registrations 10000] [--seconds 5] [--concurrency 8] [--samples 21]
           [--database-url postgresql://postgres@127.0.0.1:5432/plenary_bench [--no-sqlite]] [--no-wrk]
           [--port 5550] [--write docs/benchmarks.md]

Builds a database the way an operator would (``flask db upgrade``, ``flask demo``, ``flask users create``
for an organizer account), then adds --registrations registrations to the demo's 11th plenary in one
bulk insert (varied status, attendance, country, member city, delegations; German and Chinese names).
Plenary and bench/bare_app.py then run under gunicorn exactly as in bench/pages.py, the script logs in
once through the login form (with its CSRF token) and wrk loads each back-office page with that
session cookie. Every page is first fetched once and must answer 200: a redirect to the login page
means the cookie was refused, and the script stops rather than measure the login page.

Two figures per page: the **median latency alone** (--samples requests one after another, nothing else
asked of the server; the bound of issue 14 is about this one: a list page ≤ 100 ms, the statistics
≤ 200 ms, the XLSX export of every registration ≤ 5 s), and the throughput under load (wrk,
--concurrency connections, as a ratio to the bare Flask page measured in the same run; --no-wrk skips it).
The bare app's median alone is measured the same way, in the same run.

The database is a temporary SQLite file and, with --database-url, also (after it; only it with --no-sqlite)
the PostgreSQL database the user created for it (e.g. ``createdb -h 127.0.0.1 -U postgres plenary_bench``).
There the script works in a schema of its own (``bench_backoffice_<pid>``, first on the search path) and
drops that schema, and only that, when it is done; the database and whatever else is in it stay untouched.
"""

import argparse
import http.client
import os
import platform
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # plenary, for the bulk insert
sys.path.insert(0, str(ROOT / "bench"))  # the helpers of bench/pages.py

from pages import free_port, hammer, start  # noqa: E402

PLENARY = "11th-plenary"
LIST = f"/admin/plenaries/{PLENARY}/registrations"
PAGES = [
    "/admin/",
    LIST,
    f"{LIST}?page=150&sort=name",
    f"{LIST}?page=200&sort=-organisation",
    f"{LIST}?status=confirmed&country=CN&q=li",
    f"{LIST}?attendance=online&attended=no&sort=country",
    f"{LIST}?delegation=heads&sort=name",
    f"/admin/plenaries/{PLENARY}/statistics",
    f"{LIST}/export?format=xlsx",
    f"{LIST}/export?format=csv",
]
EMAIL = "bench@isa.example"
PASSWORD = "bench-" + secrets.token_hex(8)  # 22 characters; the minimum is 12

# fmt: off
GERMAN_FIRST = ["Anna", "Lukas", "Marie", "Jonas", "Sophie", "Felix", "Lea", "Paul", "Hannah", "Maximilian",
                "Julia", "Elias", "Katharina", "Niklas", "Laura", "Tobias", "Sabine", "Jürgen", "Ulrike", "Stefan"]
GERMAN_LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
               "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Lindner", "Köhler"]
# (pinyin, characters): surnames and given names.
CHINESE_LAST = [("Li", "李"), ("Wang", "王"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
                ("Huang", "黄"), ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"), ("Xu", "徐"), ("Sun", "孙")]
CHINESE_FIRST = [("Wei", "伟"), ("Fang", "芳"), ("Na", "娜"), ("Min", "敏"), ("Jing", "静"), ("Lei", "磊"),
                 ("Qiang", "强"), ("Yang", "洋"), ("Jie", "杰"), ("Xiuying", "秀英"), ("Guiying", "桂英"),
                 ("Jianguo", "建国"), ("Haiyan", "海燕"), ("Xiaoming", "晓明")]
GERMAN_ORGS = ["Stadt Duisburg", "Stadt Wolfsburg", "Landeshauptstadt Düsseldorf", "IHK Nord Westfalen",
               "Wirtschaftsförderung Region Stuttgart", "Fraunhofer IML", "Hafen Duisburg AG", None]
CHINESE_ORGS = ["佛山市人民政府", "武汉市外事办公室", "沈阳市商务局", "长春市人民政府", "Foshan Municipal Government",
                "Shenyang Bureau of Commerce", None]
OTHER_COUNTRIES = ["AT", "CH", "FR", "IT", "NL", "GB", "US", "PL", None]
# fmt: on
STATUSES = {"confirmed": 55, "pending": 10, "waitlisted": 15, "cancelled": 12, "rejected": 8}


def postgres_schema_url(url: str, schema: str) -> str:
    """``url`` with ``schema`` first on the search path of every connection (libpq ``options``)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    if any(key == "options" for key, _ in query):
        sys.exit("--database-url must not carry options=; the script sets the search path itself")
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def postgres(url: str, statement: str) -> str | None:
    """Run one statement on the PostgreSQL database at ``url`` (autocommit); return its first value, if any."""
    import sqlalchemy as sa

    from plenary.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            result = connection.execute(sa.text(statement))
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def add_registrations(database_url: str, count: int) -> None:
    """Insert ``count`` registrations for the 11th plenary in one statement, then make some of them delegations."""
    import sqlalchemy as sa

    from plenary import create_app
    from plenary.events.models import Plenary
    from plenary.extensions import db
    from plenary.members.models import Member
    from plenary.registration.models import Registration

    rng = random.Random(11)
    now = datetime.now(UTC).replace(microsecond=0)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        plenary_id = db.session.scalar(sa.select(Plenary.id).where(Plenary.slug == PLENARY))
        members = db.session.scalars(sa.select(Member.id)).all()
        rows = []
        for number in range(count):
            created = now - timedelta(days=60) + timedelta(seconds=number * 60 * 24 * 3600 // count)
            country = rng.choices(["CN", "DE", "other"], [45, 40, 15])[0]
            country = rng.choice(OTHER_COUNTRIES) if country == "other" else country
            name_zh = None
            if country == "CN":
                (last, last_zh), (first, first_zh) = rng.choice(CHINESE_LAST), rng.choice(CHINESE_FIRST)
                if rng.random() < 0.4:  # the name in characters only, as many Chinese delegates type it
                    last, first = last_zh, first_zh
                else:
                    name_zh = last_zh + first_zh
                organisation, language = rng.choice(CHINESE_ORGS), rng.choice(["zh", "zh", "zh", "en"])
            else:
                first, last = rng.choice(GERMAN_FIRST), rng.choice(GERMAN_LAST)
                organisation, language = rng.choice(GERMAN_ORGS), "de" if country in ("DE", "AT", "CH") else "en"
            status = rng.choices(list(STATUSES), list(STATUSES.values()))[0]
            listing = rng.random() < 0.3
            rows.append({
                "plenary_id": plenary_id, "status": status,
                "attendance": rng.choices(["in_person", "online"], [45, 55])[0],
                "salutation": None, "honorific": rng.choice([None, None, None, "Dr.", "Prof."]),
                "first_name": first, "last_name": last, "name_zh": name_zh, "organisation": organisation,
                "position": rng.choice([None, "Referent", "Abteilungsleiterin", "处长", "Director"]),
                "member_id": rng.choice(members) if members and rng.random() < 0.5 else None,
                "country": country, "email": f"delegate{number}@{'example.cn' if country == 'CN' else 'example.org'}",
                "phone": None, "language": language, "interpretation": rng.random() < 0.4,
                "dietary": rng.choice([None, None, None, "vegetarisch", "清真"]), "remarks": None,
                "consent_privacy_at": created, "consent_listing": listing, "consent_listing_at": created if listing
                else None, "waitlisted_at": created if status == "waitlisted" else None,
                "token_hash": secrets.token_hex(32), "token_salt": secrets.token_hex(16),
                "created_at": created, "updated_at": created,
            })  # fmt: skip
        db.session.execute(sa.insert(Registration), rows)
        # Every tenth registration heads a delegation of the next three (ids are consecutive in a fresh database).
        db.session.execute(
            sa.text("UPDATE registration SET delegation_head_id = id - id % 10 WHERE plenary_id = :p AND id % 10 "
                    "IN (1, 2, 3) AND id - id % 10 IN (SELECT id FROM registration WHERE plenary_id = :p)"),
            {"p": plenary_id},
        )  # fmt: skip
        db.session.commit()
        db.engine.dispose()


def request(port: int, method: str, path: str, cookie: str | None = None, body: dict | None = None):
    """One HTTP request without following redirects: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


def session_cookie(headers) -> str | None:
    """The value the response sets for the ``session`` cookie, if it sets one."""
    for header in headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie(header)
        if "session" in cookie:
            return cookie["session"].value
    return None


def log_in(port: int) -> str:
    """Log in through the form (CSRF token and all); return the session cookie of the logged-in account."""
    status, headers, page = request(port, "GET", "/admin/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    cookie = session_cookie(headers)
    if status != 200 or token is None or cookie is None:
        sys.exit(f"GET /admin/login answered {status}, CSRF token {'found' if token else 'missing'}, session "
                 f"cookie {'set' if cookie else 'missing'}: cannot log in")  # fmt: skip
    form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1).decode(), "next": ""}
    status, headers, _ = request(port, "POST", "/admin/login", cookie=cookie, body=form)
    cookie = session_cookie(headers)
    if status != 302 or cookie is None or "/login" in (headers.get("Location") or ""):
        sys.exit(f"logging in as {EMAIL} failed: POST /admin/login answered {status} "
                 f"(Location: {headers.get('Location')}); not measuring")  # fmt: skip
    return cookie


def check(port: int, path: str, cookie: str) -> int:
    """Fetch ``path`` once with the session cookie; stop unless it answers 200. Return the body's size in bytes."""
    status, headers, body = request(port, "GET", path, cookie=cookie)
    if status in (301, 302, 303) and "/login" in (headers.get("Location") or ""):
        sys.exit(f"{path} redirected to the login page ({headers.get('Location')}): the session cookie was not "
                 "accepted, so wrk would measure the login redirect. Not measuring.")  # fmt: skip
    if status != 200:
        sys.exit(f"{path} answered {status}, not 200; not measuring")
    return len(body)


def workers_cpu_ms(master: int) -> float:
    """The CPU time (user and system, in ms) the gunicorn master's workers have used so far."""
    total = 0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14 and 15), in clock ticks
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def median_alone(port: int, path: str, samples: int, cookie: str | None = None,
                 master: int | None = None) -> tuple[float, float]:  # fmt: skip
    """``samples`` requests for ``path`` one after another (after one to warm up): the median latency in ms and
    the workers' CPU time per request in ms (what the request costs, whatever else runs on the machine)."""
    timings = []
    request(port, "GET", path, cookie=cookie)
    cpu = workers_cpu_ms(master) if master else 0.0
    for _ in range(samples):
        started = time.perf_counter()
        status, _, _ = request(port, "GET", path, cookie=cookie)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            sys.exit(f"{path} answered {status} while measuring its latency; not measuring")
    cpu = (workers_cpu_ms(master) - cpu) / samples if master else 0.0
    return statistics.median(timings), cpu


def hammer_logged_in(port: int, path: str, seconds: int, concurrency: int, cookie: str) -> tuple[float, float]:
    """bench/pages.py's ``hammer`` with the session cookie: (requests per second, mean latency in ms).

    wrk counts only 4xx/5xx as errors, not a redirect, so the caller checks the page before and after.
    A slow page (the export) may take seconds under load: the timeout is 60 s, and a timeout is an error.
    """
    url = f"http://127.0.0.1:{port}{path}"
    header = ["-H", f"Cookie: session={cookie}", "--timeout", "60s"]
    subprocess.run(["wrk", "-t1", "-c2", "-d1s", *header, url], check=True, capture_output=True)  # warm up
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", *header, url], check=True, capture_output=True, text=True
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"{path} answered errors:\n{out}")
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)\b", out)
    mean_ms = float(latency.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[latency.group(2)]
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), mean_ms


def prepare(database_url: str, registrations: int, tmp: Path) -> dict:
    """Migrate, load the demo, create the organizer account and add the registrations; return the env to serve."""
    env = dict(os.environ, FLASK_SECRET_KEY="bench", FLASK_SQLALCHEMY_DATABASE_URI=database_url,
               FLASK_MAIL_FILE_DIR=str(tmp / "mail"))  # fmt: skip
    flask = str(Path(sys.executable).with_name("flask"))
    account = ["users", "create", EMAIL, "--role", "organizer", "--password-stdin"]
    for command, stdin in ((["db", "upgrade"], None), (["demo"], None), (account, PASSWORD + "\n")):
        done = subprocess.run([flask, "--app", "wsgi", *command], env=env, cwd=ROOT, input=stdin, text=True,
                              capture_output=True)  # fmt: skip
        if done.returncode:
            sys.exit(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    add_registrations(database_url, registrations)
    return env


def measure(env: dict, args: argparse.Namespace) -> tuple[float, float, list[tuple]]:
    """Serve both apps, log in, time every page alone, then load it.

    Returns the bare page's rate (0 with --no-wrk) and median latency, and rows of (path, median ms, worker CPU ms
    per request, rate, ratio, bytes).
    """
    bare_port, app_port = (args.port, args.port + 1) if args.port else (free_port(), free_port())
    bare = start("bare_app:app", bare_port, env, ROOT / "bench")
    plenary = start("wsgi:app", app_port, env, ROOT)
    try:
        cookie = log_in(app_port)
        sizes = {path: check(app_port, path, cookie) for path in PAGES}
        bare_median, _ = median_alone(bare_port, "/", args.samples)
        medians = {}
        for path in PAGES:
            samples = args.export_samples if "/export" in path else args.samples
            medians[path] = median_alone(app_port, path, samples, cookie, plenary.pid)
            print(f"{path}: median {medians[path][0]:.1f} ms alone, {medians[path][1]:.0f} ms CPU", file=sys.stderr)
        baseline = 0.0 if args.no_wrk else hammer(bare_port, "/", args.seconds, args.concurrency)
        rows = []
        for path in PAGES:
            rate = 0.0
            if not args.no_wrk:
                seconds = args.export_seconds if "/export" in path else args.seconds
                rate, _ = hammer_logged_in(app_port, path, seconds, args.concurrency, cookie)
                check(app_port, path, cookie)  # still logged in: the run measured the page, not a redirect
                print(f"{path}: {rate:.1f} requests/s", file=sys.stderr)
            rows.append((path, *medians[path], rate, rate / baseline if baseline else 0.0, sizes[path]))
        return baseline, bare_median, rows
    finally:
        for proc in (bare, plenary):
            proc.terminate()
            proc.wait()


def run(database_url: str | None, args: argparse.Namespace) -> list[str]:
    """Build the database (a temporary SQLite file, or a schema of ``database_url``), measure: the section's lines."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if database_url:
            schema = f"bench_backoffice_{os.getpid()}"
            version = postgres(database_url, "SHOW server_version").split()[0]
            postgres(database_url, f"CREATE SCHEMA {schema}")
            try:
                env = prepare(postgres_schema_url(database_url, schema), args.registrations, tmp)
                baseline, bare_median, rows = measure(env, args)
            finally:
                postgres(database_url, f"DROP SCHEMA {schema} CASCADE")
            database = f"PostgreSQL {version}"
        else:
            env = prepare(f"sqlite:///{tmp / 'bench.sqlite'}", args.registrations, tmp)
            baseline, bare_median, rows = measure(env, args)
            database = "SQLite"

    export = f", {args.export_seconds} s for the exports" if args.export_seconds != args.seconds else ""
    load_text = ("not measured under load (--no-wrk)" if args.no_wrk else
                 f"then wrk, {args.seconds} s per page{export}, {args.concurrency} connections; throughput as a ratio "
                 f"to the bare Flask page ({baseline:.0f} requests/s here)")  # fmt: skip
    command = " ".join(["bench/backoffice.py", *sys.argv[1:]])
    return [
        f"### {date.today().isoformat()} — back office, {args.registrations:,} registrations, {database}, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        f"`{command}` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}): gunicorn, 2 sync workers each; "
        f"{database} database with the demo content and {args.registrations:,} registrations for the 11th plenary; "
        f"logged in as an organizer. Median latency alone: {args.samples} requests one after another "
        f"({args.export_samples} for the exports), and the CPU time the workers spent per request (read from /proc; "
        f"it does not depend on what else runs on the machine); the bare Flask page's median alone is "
        f"{bare_median:.1f} ms. "
        f"{load_text[0].upper()}{load_text[1:]}. Load average before the run: {load:.1f}.",
        "",
        "| Page | Median latency alone | Worker CPU per request | Requests/s under load | Throughput vs. bare Flask "
        "| Size |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| `{path}` | {median:.0f} ms | {cpu:.0f} ms | {f'{rate:.1f}' if rate else '—'} | "
            f"{f'{ratio:.3f}' if rate else '—'} | {size / 1024:.0f} KB |"
            for path, median, cpu, rate, ratio, size in rows
        ),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=10_000, help="registrations of the 11th plenary")
    parser.add_argument("--seconds", type=int, default=5, help="wrk's duration per page (default 5)")
    parser.add_argument("--export-seconds", type=int, default=5, help="wrk's duration for the exports")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--samples", type=int, default=21, help="requests one after another per page (median)")
    parser.add_argument("--export-samples", type=int, default=3, help="the same for the exports")
    parser.add_argument("--no-wrk", action="store_true", help="only the median latency alone, no load")
    parser.add_argument("--port", type=int, help="serve the bare app on this port and Plenary on the next "
                        "(default: two free ports)")  # fmt: skip
    parser.add_argument("--database-url", help="also measure on this PostgreSQL database "
                        "(in a schema of its own, dropped afterwards)")  # fmt: skip
    parser.add_argument("--no-sqlite", action="store_true", help="with --database-url: PostgreSQL only")
    parser.add_argument("--write", help="append the result sections to this Markdown file")
    args = parser.parse_args()
    if shutil.which("wrk") is None and not args.no_wrk:
        sys.exit("bench/backoffice.py needs wrk: apt-get install wrk (or measure with --no-wrk)")
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql")):
        sys.exit("--database-url must be a PostgreSQL URL (without it, a temporary SQLite file is used)")
    if args.no_sqlite and not args.database_url:
        sys.exit("--no-sqlite needs --database-url")

    databases = ([] if args.no_sqlite else [None]) + ([args.database_url] if args.database_url else [])
    for database_url in databases:
        lines = run(database_url, args)
        print("\n".join(lines))
        if args.write:
            existing = Path(args.write).read_text(encoding="utf-8") if Path(args.write).exists() else ""
            with open(args.write, "a", encoding="utf-8") as fh:
                # A blank line before the heading, whether or not the file ends with one.
                fh.write(("\n" if existing and not existing.endswith("\n\n") else "") + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
