"""A first and a repeat view of the plenary page in Chromium over a simulated Foshan–Germany link.

Usage: .venv/bin/python bench/first_view.py [--runs 7] [--path /plenaries/10th-plenary] [--write docs/benchmarks.md]

The link: 280 ms round trip, 4 Mbit/s shared by both directions, 1 % loss per round trip (0.5 % of the packets in
each direction), MTU 1500. Where the kernel has netem, a network namespace is made (as root, no sudo) with
``tc qdisc add dev lo root netem delay 140ms rate 4mbit loss 0.5%`` on its loopback only: every packet crosses lo
once, so the delay is one way (twice per round trip) and the loss counts in both directions — 0.5 % per direction
is 1 % per round trip. The app (gunicorn, the demo content in a fresh SQLite file, or ``--database-url``) and
Chromium (Playwright, Debian's /usr/bin/chromium) both run inside it; the namespace is always deleted.

Where the kernel has no netem (``Error: Specified qdisc kind is unknown``, as in our CI's VMs), ``LinkEmulator``
below plays the link in user space between Chromium and gunicorn on 127.0.0.1: the same one-way delay, the rate
shared by both directions, one round trip for TCP's handshake, slow start (10 segments, doubling per round trip)
and a loss that holds back the lost segment and everything after it by 1.5 round trips (fast retransmit). The
table says which one ran.

Measured per run, in a fresh browser context (empty cache), then navigating again in the same context: time to
DOMContentLoaded and to ``load`` (Navigation Timing), bytes transferred (CDP ``Network.loadingFinished``'s
``encodedDataLength``: headers and body as sent) and requests that went to the network (neither a data: URI nor
answered from the browser's cache). Medians of ``--runs`` runs.
"""

import argparse
import asyncio
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_CONFIG = str(ROOT / "bench" / "gunicorn_bench.conf.py")  # not the repository's gunicorn.conf.py
CHROMIUM = "/usr/bin/chromium"
RTT = 0.280
RATE = 4_000_000  # bit/s
LOSS = 0.005  # per packet and direction
MSS = 1448
TARGETS = {"first_load": 2.0, "repeat_load": 0.6, "first_bytes": 60 * 1024, "first_requests": 4, "repeat_requests": 1}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def netem_available() -> bool:
    """True if this kernel can run netem (tried in a throw-away namespace)."""
    if not shutil.which("ip") or not shutil.which("tc") or os.geteuid() != 0:
        return False
    name = f"plenary-probe-{os.getpid()}"
    try:
        subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
        result = subprocess.run(
            ["ip", "netns", "exec", name, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"],
            capture_output=True,
        )
        return result.returncode == 0
    except subprocess.CalledProcessError:
        return False
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


class LinkEmulator:
    """A TCP relay on 127.0.0.1 that delays, rate-limits and loses like the long thin link (see the docstring)."""

    def __init__(self, upstream_port: int, seed: int = 14):
        self.upstream_port = upstream_port
        self.port = free_port()
        self.random = random.Random(seed)
        self.link_free_at = 0.0  # one queue for both directions, as netem on lo
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._connection, "127.0.0.1", self.port))
        self.ready.set()
        self.server = server  # kept open until the process ends (a daemon thread)
        self.loop.run_forever()

    def _lost(self) -> bool:
        return self.random.random() < LOSS

    async def _connection(self, client_reader, client_writer) -> None:
        now = self.loop.time()
        handshake = RTT + (1.0 if self._lost() else 0) + (1.0 if self._lost() else 0)  # SYN or SYN-ACK lost: 1 s
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            self._direction(client_reader, server_writer, now + handshake),
            self._direction(server_reader, client_writer, now + handshake),
            return_exceptions=True,
        )

    async def _direction(self, reader, writer, earliest: float) -> None:
        """Carry one direction of a connection: slow start, the shared rate, the one-way delay, losses."""
        queue: asyncio.Queue = asyncio.Queue()
        writer_task = asyncio.ensure_future(self._deliver(queue, writer))
        cwnd, window_start, window_sent, last_delivery = 10 * MSS, earliest, 0, 0.0
        try:
            while data := await reader.read(65536):
                for offset in range(0, len(data), MSS):
                    segment = data[offset : offset + MSS]
                    now = self.loop.time()
                    if window_sent + len(segment) > cwnd:  # the window is full: wait for its first ACK
                        window_start, window_sent = max(now, window_start + RTT), 0
                        cwnd *= 2
                    send = max(now, window_start, self.link_free_at)
                    self.link_free_at = send + len(segment) * 8 / RATE
                    delivery = self.link_free_at + RTT / 2 + (1.5 * RTT if self._lost() else 0)
                    last_delivery = max(last_delivery, delivery)  # TCP delivers in order
                    window_sent += len(segment)
                    queue.put_nowait((last_delivery, segment))
        finally:
            queue.put_nowait((last_delivery, None))
            await writer_task

    async def _deliver(self, queue: asyncio.Queue, writer) -> None:
        while True:
            at, segment = await queue.get()
            await asyncio.sleep(max(0.0, at - self.loop.time()))
            if segment is None:
                break
            try:
                writer.write(segment)
                await writer.drain()
            except (ConnectionError, RuntimeError):
                break
        try:
            writer.close()
        except RuntimeError:
            pass


def prepare_site(workdir: Path, database_url: str | None) -> dict:
    """A migrated database with the demo content; the environment the app runs with."""
    env = dict(os.environ)
    env.update(
        FLASK_SECRET_KEY=secrets.token_hex(32),
        FLASK_SQLALCHEMY_DATABASE_URI=database_url or f"sqlite:///{workdir / 'bench.sqlite'}",
        FLASK_RATELIMIT_ENABLED="false",
    )
    flask = str(Path(sys.executable).with_name("flask"))
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([flask, "--app", "wsgi", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def start_gunicorn(port: int, env: dict, prefix: list[str]) -> subprocess.Popen:
    """gunicorn as in docs/deployment.md, with threads so that a browser's connection is kept alive."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    cmd = [*prefix, gunicorn, "--config", BENCH_CONFIG,
           "--workers", "2", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "10",
           "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


def wait_for(port: int, prefix: list[str]) -> None:
    probe = [*prefix, sys.executable, "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), 1)"]
    for _ in range(200):
        if subprocess.run(probe, capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def navigate(page, cdp, url: str) -> dict:
    """Go to ``url``: times to DOMContentLoaded and load, the requests that went to the network and their bytes."""
    sent, cached, sizes = {}, set(), {}
    handlers = {
        "Network.requestWillBeSent": lambda e: sent.setdefault(e["requestId"], e["request"]["url"]),
        "Network.requestServedFromCache": lambda e: cached.add(e["requestId"]),
        "Network.responseReceived": lambda e: (
            cached.add(e["requestId"])
            if e["response"].get("fromDiskCache") or e["response"].get("fromPrefetchCache")
            else None
        ),
        "Network.loadingFinished": lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    }
    for event, handler in handlers.items():
        cdp.on(event, handler)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # late requests (an icon) still count
    for event, handler in handlers.items():
        cdp.remove_listener(event, handler)
    dcl, load = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.domContentLoadedEventEnd, n.loadEventEnd]; }"
    )
    network = [rid for rid, u in sent.items() if not u.startswith("data:") and rid not in cached]
    return {
        "dcl": dcl / 1000,
        "load": load / 1000,
        "requests": len(network),
        "bytes": sum(sizes.get(rid, 0) for rid in network),
        "urls": sorted(sent[rid] for rid in network),
    }


def measure(url: str, runs: int) -> list[dict]:
    """Each run: a first view in a fresh context, then a repeat view in the same one."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-quic"])
        for _ in range(runs):
            context = browser.new_context(locale="de-DE")
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            run = {}
            for view in ("first", "repeat"):
                run.update({f"{view}_{key}": value for key, value in navigate(page, cdp, url).items()})
            results.append(run)
            context.close()
        browser.close()
    return results


def inner(args) -> list[dict]:
    """Inside the namespace (or on the emulated link): the site, then the browser."""
    workdir = Path(tempfile.mkdtemp(prefix="plenary-first-view-"))
    env = prepare_site(workdir, args.database_url)
    app_port = free_port()
    server = start_gunicorn(app_port, env, [])
    try:
        wait_for(app_port, [])
        port = app_port
        if args.link == "emulated":
            link = LinkEmulator(app_port)
            link.start()
            port = link.port
        import urllib.request

        urllib.request.urlopen(f"http://127.0.0.1:{app_port}{args.path}").read()  # warm the workers
        return measure(f"http://127.0.0.1:{port}{args.path}", args.runs)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def in_namespace(args) -> list[dict]:
    """Make the namespace with netem on its lo, run this script's inner part inside it, always delete it."""
    import json

    name = f"plenary-bench-{os.getpid()}"
    setup = [
        ["ip", "netns", "add", name],
        ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "mtu", "1500"],
        ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
        ["ip", "netns", "exec", name, "tc", "qdisc", "add", "dev", "lo", "root", "netem",
         "delay", f"{int(RTT * 500)}ms", "rate", "4mbit", "loss", f"{LOSS * 100}%"],
    ]  # fmt: skip
    try:
        for command in setup:
            subprocess.run(command, check=True)
        cmd = ["ip", "netns", "exec", name, sys.executable, __file__, "--inner", "--link", "netem",
               "--runs", str(args.runs), "--path", args.path]  # fmt: skip
        if args.database_url:
            cmd += ["--database-url", args.database_url]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def summary(results: list[dict]) -> dict:
    keys = [k for k in results[0] if not k.endswith("_urls")]
    return {k: statistics.median(r[k] for r in results) for k in keys}


def table(med: dict, args, link: str) -> str:
    def row(label, key, unit, fmt):
        target = TARGETS.get(key)
        value = med[key]
        ok = "—" if target is None else ("yes" if value <= target else "**no**")
        shown_target = "—" if target is None else (f"≤ {target / 1024:.0f} KB" if unit == "KB" else f"≤ {target}{unit}")
        shown = f"{value / 1024:.1f} KB" if unit == "KB" else f"{value:{fmt}}{unit}"
        return f"| {label} | {shown} | {shown_target} | {ok} |"

    how = ("netem in a network namespace" if link == "netem" else
           "user-space link emulator (this kernel has no netem), bench/first_view.py::LinkEmulator")  # fmt: skip
    lines = [
        f"Machine: {platform.node()} ({platform.machine()}, {os.cpu_count()} cores), {date.today().isoformat()}; "
        f"Chromium (Playwright), gunicorn 2 gthread workers; link: 280 ms RTT, 4 Mbit/s, 1 % loss per round trip, "
        f"{how}; median of {args.runs} runs; page `{args.path}`; "
        f"database {database_name(args.database_url)}.",
        "",
        f"Command: `.venv/bin/python bench/first_view.py --runs {args.runs}"
        + (" --database-url postgresql://…" if args.database_url else "")
        + " --write docs/benchmarks.md`",
        "",
        "| Measure | Median | Target | Met |",
        "| --- | --- | --- | --- |",
        row("First view: DOMContentLoaded", "first_dcl", " s", ".2f"),
        row("First view: load", "first_load", " s", ".2f"),
        row("First view: bytes transferred", "first_bytes", "KB", ""),
        row("First view: requests", "first_requests", "", ".0f"),
        row("Repeat view: DOMContentLoaded", "repeat_dcl", " s", ".2f"),
        row("Repeat view: load", "repeat_load", " s", ".2f"),
        row("Repeat view: bytes transferred", "repeat_bytes", "KB", ""),
        row("Repeat view: requests", "repeat_requests", "", ".0f"),
    ]
    return "\n".join(lines)


def database_name(url: str | None) -> str:
    return "PostgreSQL" if url and url.startswith("postgres") else "SQLite"


def write(path: Path, text: str, database: str) -> None:
    heading = f"## First view over a long thin link (issue 14, target 2), {database}"
    doc = path.read_text() if path.exists() else ""
    block = f"{heading}\n\n{text}\n"
    if heading in doc:
        start = doc.index(heading)
        rest = doc[start + len(heading) :]
        end = rest.find("\n## ")
        doc = doc[:start] + block + ("" if end < 0 else rest[end:])
    else:
        doc = doc.rstrip("\n") + "\n\n" + block
    path.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--path", default="/plenaries/10th-plenary")
    parser.add_argument("--database-url", help="PostgreSQL instead of a fresh SQLite file (it is filled by flask demo)")
    parser.add_argument("--write", type=Path, help="replace this section of the file (docs/benchmarks.md)")
    parser.add_argument("--link", choices=("auto", "netem", "emulated"), default="auto")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        import json

        print(json.dumps(inner(args)))
        return
    link = args.link
    if link == "auto":
        link = "netem" if netem_available() else "emulated"
    if link == "netem":
        results = in_namespace(args)
    else:
        args.link = "emulated"
        results = inner(args)
    med = summary(results)
    text = table(med, args, link)
    print(text)
    print("\nFirst view's requests:", ", ".join(results[0]["first_urls"]))
    print("Repeat view's requests:", ", ".join(results[0]["repeat_urls"]))
    if args.write:
        write(args.write, text, database_name(args.database_url))


if __name__ == "__main__":
    main()
