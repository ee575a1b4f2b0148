"""Demo attendees of the upcoming plenary: a Chinese delegation, German delegates, a speaker, press and staff, so
that the back office's "Badges & name plates" shows real names in both scripts, and two online delegates (one
in Luoyang, one in Ingolstadt) with personal join links (idempotent, by address)."""

import sqlalchemy as sa

from plenary.badges.services import set_role
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.registration.signup import new_registration
from plenary.registration.states import CONFIRMED

#: (address, role, head's address or None, person data); names as the people themselves write them.
ATTENDEES = (
    ("liu.yang@foshan.example", "delegate", None, {"honorific": "副市长", "first_name": "洋", "last_name": "刘",
     "organisation": "佛山市人民政府", "country": "CN", "language": "zh"}),
    ("chen.mei@foshan.example", "delegate", "liu.yang@foshan.example", {"first_name": "Mei", "last_name": "Chen",
     "name_zh": "陈梅", "organisation": "佛山市商务局", "country": "CN", "language": "zh"}),
    ("ouyang.nana@foshan.example", "delegate", "liu.yang@foshan.example", {"first_name": "娜娜", "last_name": "欧阳",
     "organisation": "佛山市商务局", "country": "CN", "language": "zh"}),
    ("sabine.krueger@koeln.example", "delegate", None, {"honorific": "Dr.", "first_name": "Sabine",
     "last_name": "Krüger", "organisation": "Stadt Köln, Amt für Wirtschaftsförderung", "country": "DE",
     "language": "de"}),
    ("f.ost@isa-alliance.example", "speaker", None, {"honorific": "Staatssekretär a. D.", "first_name": "Friedhelm",
     "last_name": "Ost", "organisation": "Chinesisch-Deutsche Industriestädteallianz", "country": "DE",
     "language": "de"}),
    ("presse@wirtschaftszeitung.example", "press", None, {"first_name": "Jonas", "last_name": "Becker",
     "organisation": "Wirtschaftszeitung Rhein-Ruhr", "country": "DE", "language": "de"}),
    # Online delegates (their personal pages show the join link; /join/<token> the waiting page).
    ("wang.fang@luoyang.example", "delegate", None, {"first_name": "芳", "last_name": "王",
     "organisation": "洛阳市人民政府外事办公室", "country": "CN", "language": "zh", "attendance": "online"}),
    ("thomas.schneider@ingolstadt.example", "delegate", None, {"first_name": "Thomas", "last_name": "Schneider",
     "organisation": "Stadt Ingolstadt, Wirtschaftsförderung", "country": "DE", "language": "de",
     "attendance": "online"}),
    ("staff@isa-alliance.example", "organizer", None, {"first_name": "Yi", "last_name": "Liu",
     "organisation": "中德工业城市联盟秘书处", "country": "CN", "language": "zh"}),
)  # fmt: skip


def load_attendees(slug: str) -> int:
    """Register the demo attendees of plenary ``slug`` who are not there yet (no mails); how many were added.

    Only what the demo needs to show badges: they carry no consent to the privacy notice (as if registered by
    hand) and are not on the public participant list."""
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        return 0
    query = sa.select(Registration).where(Registration.plenary_id == plenary.id)
    known = {r.email: r for r in db.session.scalars(query)}
    added = 0
    for email, role, head, person in ATTENDEES:
        if email in known:
            continue
        data = {"email": email, "attendance": "in_person", "consent_listing": False} | person
        # Seated directly (the demo's plenary has 120 seats and nobody else yet): no capacity lock, no mails.
        registration = new_registration(plenary, data, CONFIRMED)
        if head in known:
            registration.delegation_head_id = known[head].id
        set_role(registration, role)
        known[email] = registration
        added += 1
    db.session.flush()
    return added
