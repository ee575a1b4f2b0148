"""Throughput of Plenary's public pages as a ratio to a bare Flask app, both under gunicorn.

Usage: .venv/bin/python bench/pages.py [--seconds 5] [--concurrency 16] [--database-url postgresql://…]
       [--cache-redis-url redis://127.0.0.1:6379/5] [--port 5400] [--write docs/benchmarks.md]

Both apps run under gunicorn with the same worker count on loopback; the load comes from
wrk (Debian package `wrk`, a C client that does not compete for the GIL) for a bounded time.
Absolute numbers depend on the machine, so the result is reported as a ratio
(Plenary requests/s ÷ bare Flask requests/s). The bare app is measured before and after the pages, and the
ratio uses their mean (the machine may be shared).

The pages are those of issue 14 (the plenary page in de/zh/en — the language by Accept-Language, as a browser
sends it —, the lists, the calendars, the API), answered by the page cache (plenary/page_cache) after the first
request; the cache is a folder in a temporary instance folder, or Redis with --cache-redis-url. The demo content
is loaded into the database first (--database-url: PostgreSQL; its schema is dropped and created).
"""

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_CONFIG = str(ROOT / "bench" / "gunicorn_bench.conf.py")  # not the repository's gunicorn.conf.py
#: (path, Accept-Language) of every page measured.
PAGES = [("/plenaries/11th-plenary", "de"), ("/plenaries/11th-plenary", "zh-CN,zh;q=0.9"),
         ("/plenaries/11th-plenary", "en-GB,en;q=0.9"), ("/plenaries/10th-plenary", "de"), ("/plenaries/", "de"),
         ("/", "de"), ("/news/", "de"), ("/members/", "de"), ("/plenaries/11th-plenary.ics", "de"),
         ("/plenaries/11th-plenary/agenda.ics", "de"), ("/calendar.ics", "de"), ("/api/v1/plenaries", "de"),
         ("/api/v1/plenaries/11th-plenary", "de"), ("/news/feed.atom", "de")]  # fmt: skip


def free_port() -> int:
    """A port nobody listens on now (bench/backoffice.py's default)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(app: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    cmd = [gunicorn, "--config", BENCH_CONFIG,
           "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def hammer(port: int, path: str, seconds: int, concurrency: int, language: str = "de") -> float:
    """Load ``path`` with wrk for ``seconds``; return requests per second (non-2xx is an error)."""
    url = f"http://127.0.0.1:{port}{path}"
    header = ["-H", f"Accept-Language: {language}"]
    request = urllib.request.Request(url, headers={"Accept-Language": language})
    with urllib.request.urlopen(request, timeout=60) as response:  # the first request (a cache miss) may be slow
        response.read()
    subprocess.run(["wrk", "-t1", "-c2", "-d1s", *header, url], check=True, capture_output=True)  # warm up
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", *header, url], check=True, capture_output=True, text=True
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{path} answered errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def reset_postgres(url: str) -> None:
    """Drop and create the public schema of the PostgreSQL database at ``url`` (a benchmark database)."""
    import sqlalchemy as sa

    sys.path.insert(0, str(ROOT))
    from plenary.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", help="PostgreSQL to load the demo into (default: a temporary SQLite file)")
    parser.add_argument("--cache-redis-url", help="the page cache in Redis (default: a folder of the instance)")
    parser.add_argument("--port", type=int, default=5400, help="the bare app's port; Plenary's is the next one")
    parser.add_argument("--write", help="append the result table to this Markdown file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/pages.py needs wrk: apt-get install wrk")

    with tempfile.TemporaryDirectory() as tmp:
        database = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        if args.database_url:
            reset_postgres(args.database_url)
        env = dict(os.environ, FLASK_SECRET_KEY="bench", FLASK_SQLALCHEMY_DATABASE_URI=database,
                   FLASK_CACHE_DIR=f"{tmp}/page-cache")  # fmt: skip
        if args.cache_redis_url:
            env["FLASK_CACHE_REDIS_URL"] = args.cache_redis_url
        flask = str(Path(sys.executable).with_name("flask"))
        for command in (["db", "upgrade"], ["demo"]):
            subprocess.run([flask, "--app", "wsgi", *command], env=env, cwd=ROOT, check=True, capture_output=True)
        if args.cache_redis_url:  # entries of an earlier run answer to an older version; start clean anyway
            import redis

            redis.Redis.from_url(args.cache_redis_url).flushdb()
        bare_port, app_port = args.port, args.port + 1
        bare = start("bare_app:app", bare_port, env, ROOT / "bench")
        plenary = start("wsgi:app", app_port, env, ROOT)
        try:
            for path, language in PAGES:  # every worker of both imported and answering before anything is measured
                hammer(app_port, path, 1, 2, language)
            before = hammer(bare_port, "/", args.seconds, args.concurrency)
            string_before = hammer(bare_port, "/string", args.seconds, args.concurrency)
            rates = [(path, language, hammer(app_port, path, args.seconds, args.concurrency, language))
                     for path, language in PAGES]  # fmt: skip
            after = hammer(bare_port, "/", args.seconds, args.concurrency)
            string_after = hammer(bare_port, "/string", args.seconds, args.concurrency)
        finally:
            for proc in (bare, plenary):
                proc.terminate()
                proc.wait()
    baseline = (before + after) / 2
    string_baseline = (string_before + string_after) / 2
    backend = "Redis" if args.cache_redis_url else "a folder (FileSystemCache)"
    kind = "PostgreSQL" if args.database_url else "SQLite"
    command = "python bench/pages.py " + " ".join(
        f"--{name.replace('_', '-')} {value}" for name, value in vars(args).items()
        if value is not None and name not in ("write",) and not (name == "database_url")
    ) + (" --database-url postgresql://…" if args.database_url else "")  # fmt: skip
    lines = [
        f"### {date.today().isoformat()} — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {kind}, page cache in {backend}",
        "",
        f"`{command}`: gunicorn, 2 sync workers each, {kind} demo database; wrk, {args.seconds} s per page, "
        f"{args.concurrency} connections, no Accept-Encoding (identity bodies). Baseline: bare Flask page = 1.00 "
        f"({baseline:.0f} requests/s here: {before:.0f} before the pages, {after:.0f} after); the same app returning "
        f"a string (the issue's yardstick) = {string_baseline:.0f} requests/s ({string_before:.0f} before, "
        f"{string_after:.0f} after).",
        "",
        "| Page | Accept-Language | Requests/s here | vs. bare Flask (template) | vs. bare Flask (string) |",
        "| --- | --- | --- | --- | --- |",
        *[f"| `{path}` | {language} | {rate:.0f} | {rate / baseline:.2f} | {rate / string_baseline:.2f} |"
          for path, language, rate in rates],
        "",
    ]
    print("\n".join(lines))
    if args.write:
        with open(args.write, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
