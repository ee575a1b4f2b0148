"""Time to build one visa invitation letter (PDF), German and Chinese; the goal is at most 2 s on a 2-core machine.

Usage: .venv/bin/python bench/visa_letter.py [--runs 10]

Sets up a temporary SQLite database with letters enabled (a fresh Fernet key), a plenary that offers them and a
Chinese delegate with an approved request — the way the app does it (``save_plenary``, ``signup.register``,
``visa.services.submit``, ``visa.review.approve``) — then builds the letter ``--runs`` times through the documents'
registry (``render_document``: decrypting the passport data, the template, WeasyPrint, font subsetting), the
same path as the download, the mail attachment and ``flask documents visa-letter``. The first build (which
loads the fonts) is reported on its own; then the median and the slowest of the others, and the file size.
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from plenary import create_app  # noqa: E402
from plenary.documents.services import render_document  # noqa: E402
from plenary.events.editing import save_plenary  # noqa: E402
from plenary.extensions import db  # noqa: E402
from plenary.registration import signup  # noqa: E402
from plenary.visa import review, services  # noqa: E402


def _plenary_document() -> dict:
    now = datetime.now(UTC)
    opens, closes = (now - timedelta(days=1)).isoformat(), (now + timedelta(days=9)).isoformat()
    return {
        "slug": "bench-plenary", "number": 42, "timezone": "Europe/Berlin", "format": "in_person",
        "status": "published",
        "title": {"de": "42. Plenarversammlung", "en": "42nd Plenary Assembly", "zh": "第四十二届全体大会"},
        "summary": {}, "description": {}, "contact_email": "plenary@example.org", "online_url": None,
        "starts_at": "2031-10-15T09:00:00+02:00", "ends_at": "2031-10-15T12:30:00+02:00",
        "venue": {"name": "Rathaus", "address": "Marktplatz 1", "city": "Köln"}, "agenda": [],
        "registration": {"opens_at": opens, "closes_at": closes, "capacity_in_person": 100, "capacity_online": None,
                         "waitlist": True, "requires_approval": False},
    }  # fmt: skip


def _letter(host_country: str, language: str, mission: str):
    number = {"DE": 42, "CN": 43}[host_country]
    plenary = save_plenary(_plenary_document() | {"slug": f"bench-{host_country.lower()}", "number": number}).plenary
    services.save_settings(plenary, {"offered": True, "host_country": host_country,
                                     "signatory_name": {"de": "Dr. Klaus Weber", "zh": "魏克劳"}})  # fmt: skip
    db.session.commit()  # the capacity lock of the registration comes first in a unit of work
    person = {
        "salutation": None, "honorific": None, "first_name": "Wei", "last_name": "Zhang", "name_zh": "张伟",
        "organisation": "佛山市人民政府", "position": "处长", "member_id": None, "phone": None, "language": language,
        "interpretation": False, "dietary": None, "remarks": None, "email": f"zhang.{host_country.lower()}@example.cn",
        "country": "CN" if host_country == "DE" else "DE", "attendance": "in_person", "consent_privacy": True,
        "consent_listing": False,
    }  # fmt: skip
    registration = signup.register(plenary.id, person).created[0]
    visa = services.submit(registration, {
        "passport_name": "ZHANG WEI", "passport_number": "E12345678", "passport_expiry": date(2033, 1, 31),
        "nationality": person["country"], "birth_date": date(1980, 5, 4), "birth_place": "Foshan",
        "entry_date": date(2031, 10, 13), "exit_date": date(2031, 10, 18), "mission": mission,
        "mission_other": None, "english": False,
    }, date(2031, 9, 1))  # fmt: skip
    document = review.approve(visa)
    db.session.commit()
    return document


def main() -> None:
    """Build the letters and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
            "VISA_LETTERS": True, "VISA_KEY": Fernet.generate_key().decode(), "MAIL_FILE_DIR": f"{tmp}/mail",
            "OUTBOX_DELIVER_AFTER_REQUEST": False, "PUBLIC_URL": "https://plenary.example.org",
        }, instance_path=tmp)  # fmt: skip
        with app.app_context():
            db.create_all()
            for label, host, language, mission in (("German letter", "DE", "zh", "de-guangzhou"),
                                                   ("Chinese letter (邀请函)", "CN", "de", "cn-berlin")):  # fmt: skip
                document = _letter(host, language, mission)
                times = []
                for _ in range(args.runs + 1):
                    start = time.perf_counter()
                    pdf = render_document(document)
                    times.append(time.perf_counter() - start)
                pages = len(PdfReader(io.BytesIO(pdf)).pages)
                rest = times[1:]
                print(f"{label}: first {times[0]:.2f} s, then median {statistics.median(rest):.2f} s, slowest "
                      f"{max(rest):.2f} s over {len(rest)} runs; {pages} page(s), {len(pdf) // 1024} KB")  # fmt: skip


if __name__ == "__main__":
    main()
