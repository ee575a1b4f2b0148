"""How long 500 badges (and name plates) take to build, and how large their PDFs are.

Usage: .venv/bin/python bench/badges.py [--people 500] [--size a6] [--output badges.pdf]

Makes a temporary SQLite database with one plenary and --people confirmed, in-person registrations (half with
names in Chinese characters, long German organisations, every role), then builds the badges exactly as the
worker does (plenary.badges.batches: select, cards, chunks of sheets rendered by WeasyPrint, merged with pypdf)
and prints the seconds, the pages and the size; then the same for a 20-page badge PDF (the size bound of
issue 12: 1.5 MB) and for the name plates. Times are wall-clock on this machine (no other load is controlled).
"""

import argparse
import io
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdf  # noqa: E402

from plenary import create_app  # noqa: E402
from plenary.badges.selection import BadgeSelection, selected  # noqa: E402
from plenary.badges.services import badge_card, plenary_context, render_cards  # noqa: E402
from plenary.events.editing import save_plenary  # noqa: E402
from plenary.extensions import db  # noqa: E402
from plenary.registration.models import Registration  # noqa: E402

FAMILY = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗欧阳司马"
GIVEN = ["伟", "芳", "娜娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]
GERMAN = ["Anna Schmidt", "Jörg Müller", "Claudia Weber-Hoffmann", "Friedhelm Ost", "Sabine Köhler", "Jan Becker"]
ORGS = [
    "佛山市人民政府",
    "湖州市商务局",
    "许昌市投资促进局",
    "Stadt Köln, Amt für Wirtschaftsförderung",
    "Industrie- und Handelskammer Nürnberg für Mittelfranken",
    "Fraunhofer-Institut für Produktionstechnologie",
]
ROLES = ["delegate"] * 7 + ["speaker", "press", "organizer"]


def plenary_document() -> dict:
    """A plenary in the exchange format (in 2031, so it is upcoming whenever this runs)."""
    return {"slug": "bench", "number": 12, "title": {"de": "12. Plenarversammlung", "zh": "第十二届全体大会"},
            "summary": {}, "description": {}, "timezone": "Europe/Berlin", "starts_at": "2031-10-15T09:00:00+02:00",
            "ends_at": "2031-10-15T12:30:00+02:00", "format": "in_person",
            "venue": {"name": "Rathaus", "address": "Marktplatz 1", "city": "Köln"}, "online_url": None,
            "status": "published", "contact_email": "plenary@example.org", "registration": None,
            "agenda": []}  # fmt: skip


def add_people(plenary_id: int, count: int) -> None:
    """``count`` confirmed in-person registrations, every other one with a name in characters."""
    for n in range(count):
        if n % 2:
            first, last = GIVEN[n % len(GIVEN)], FAMILY[n % len(FAMILY)]
        else:
            first, last = GERMAN[n % len(GERMAN)].split(" ", 1)
        db.session.add(Registration(
            plenary_id=plenary_id, status="confirmed", attendance="in_person", first_name=first, last_name=last,
            honorific="Dr." if n % 5 == 0 else None, organisation=ORGS[n % len(ORGS)], role=ROLES[n % len(ROLES)],
            email=f"person{n}@example.org", language="zh" if n % 2 else "de"))  # fmt: skip
    db.session.commit()


def measure(kind: str, plenary, people, size: str) -> tuple[float, int, int]:
    """Build the PDF as the worker does; (seconds, pages, bytes)."""
    started = time.perf_counter()
    cards = [badge_card(r) for r in people]
    pdf = render_cards(kind, plenary_context(plenary), cards, size)
    seconds = time.perf_counter() - started
    return seconds, len(pypdf.PdfReader(io.BytesIO(pdf)).pages), len(pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--size", default="a6")
    parser.add_argument("--output", help="also write the big badge PDF here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "PUBLIC_URL": "https://plenary.example.org",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(tmp, 'bench.sqlite')}"},
                         instance_path=tmp)  # fmt: skip
        with app.app_context():
            db.create_all()
            plenary = save_plenary(plenary_document()).plenary
            db.session.commit()
            add_people(plenary.id, args.people)
            people = selected(plenary.id, BadgeSelection())
            print(f"# {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
            seconds, pages, size = measure("badge", plenary, people, args.size)
            print(f"{len(people)} badges ({args.size}): {seconds:.1f} s, {pages} pages, {size / 1e6:.2f} MB")
            if args.output:
                cards = [badge_card(r) for r in people]
                Path(args.output).write_bytes(render_cards("badge", plenary_context(plenary), cards, args.size))
            seconds, pages, size = measure("badge", plenary, people[:80], "a6")
            print(f"80 badges (a6, 20 pages): {seconds:.1f} s, {pages} pages, {size / 1e6:.2f} MB")
            seconds, pages, size = measure("nameplate", plenary, people, "a6")
            print(f"{len(people)} name plates: {seconds:.1f} s, {pages} pages, {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
