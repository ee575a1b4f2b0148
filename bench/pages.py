"""Throughput of Plenary's public pages as a ratio to a bare Flask app, both under gunicorn.

Usage: .venv/bin/python bench/pages.py [--seconds 5] [--concurrency 8] [--write docs/benchmarks.md]

Both apps run under gunicorn with the same worker count on loopback; the load comes from
wrk (Debian package `wrk`, a C client that does not compete for the GIL) for a bounded time.
Absolute numbers depend on the machine, so the result is reported as a ratio
(Plenary requests/s ÷ bare Flask requests/s).
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
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/plenaries/", "/plenaries/10th-plenary", "/plenaries/11th-plenary?lang=zh", "/news/", "/members/",
         "/news/feed.atom"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(app: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    cmd = [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def hammer(port: int, path: str, seconds: int, concurrency: int) -> float:
    """Load ``path`` with wrk for ``seconds``; return requests per second (non-2xx is an error)."""
    url = f"http://127.0.0.1:{port}{path}"
    subprocess.run(["wrk", "-t1", "-c2", "-d1s", url], check=True, capture_output=True)  # warm up
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", url], check=True, capture_output=True, text=True
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{path} answered errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--write", help="append the result table to this Markdown file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/pages.py needs wrk: apt-get install wrk")

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, FLASK_SECRET_KEY="bench", FLASK_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite")
        flask = str(Path(sys.executable).with_name("flask"))
        for command in (["db", "upgrade"], ["demo"]):
            subprocess.run([flask, "--app", "wsgi", *command], env=env, cwd=ROOT, check=True, capture_output=True)
        bare_port, app_port = free_port(), free_port()
        bare = start("bare_app:app", bare_port, env, ROOT / "bench")
        plenary = start("wsgi:app", app_port, env, ROOT)
        try:
            baseline = hammer(bare_port, "/", args.seconds, args.concurrency)
            rows = []
            for path in PAGES:
                rate = hammer(app_port, path, args.seconds, args.concurrency)
                rows.append((path, rate, rate / baseline))
        finally:
            for proc in (bare, plenary):
                proc.terminate()
                proc.wait()

    lines = [
        f"### {date.today().isoformat()} — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        f"gunicorn, 2 sync workers each, SQLite demo database; wrk, {args.seconds} s per page, "
        f"{args.concurrency} connections. Baseline: bare Flask page = 1.00 ({baseline:.0f} requests/s here).",
        "",
        "| Page | Requests/s here | Throughput vs. bare Flask |",
        "| --- | --- | --- |",
        *[f"| `{path}` | {rate:.0f} | {ratio:.2f} |" for path, rate, ratio in rows],
        "",
    ]
    print("\n".join(lines))
    if args.write:
        with open(args.write, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
