"""Demo content for visa letters (``flask demo``, when letters are on): the 11th plenary offers them, and a German
delegate has asked for one (a Chinese visa for the plenary in Foshan), waiting for the organizers' review.

Runs after the rest of the demo is committed (a registration takes the capacity lock first in its unit of work);
idempotent: the delegate and the request are made once. Nothing happens while FLASK_VISA_LETTERS is off.
"""

from datetime import date, timedelta

import sqlalchemy as sa

from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration import signup
from plenary.registration.models import Registration
from plenary.visa import services

DEMO_PLENARY = "11th-plenary"
DEMO_EMAIL = "katrin.vogel@chemnitz.example"


def load_visa_demo() -> list[str]:
    """Offer letters for the demo's 11th plenary and add one request; what was done, as lines for the command."""
    if not services.letters_enabled():
        return ["Visa letters: off (FLASK_VISA_LETTERS)"]
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == DEMO_PLENARY))
    if plenary is None:
        return []
    services.save_settings(plenary, {
        "offered": True, "host_country": "CN",
        "signatory_name": {"de": "Yi Liu", "en": "Yi Liu"},
        "signatory_function": {"de": "Generalsekretär der ISA", "en": "Secretary General of the ISA", "zh": "秘书长"},
    })  # fmt: skip
    db.session.commit()
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.plenary_id == plenary.id, Registration.email == DEMO_EMAIL)
    )
    if registration is None:
        registration = signup.register(plenary.id, {
            "salutation": "ms", "honorific": "Dr.", "first_name": "Katrin", "last_name": "Vogel", "name_zh": "沃格尔",
            "organisation": "Stadt Chemnitz", "position": "Leiterin Wirtschaftsförderung", "member_id": None,
            "country": "DE", "phone": None, "language": "de", "interpretation": True, "dietary": None,
            "remarks": None, "email": DEMO_EMAIL, "attendance": "in_person", "consent_privacy": True,
            "consent_listing": False,
        }).created[0]  # fmt: skip
        db.session.commit()
    if services.request_for(registration) is None and services.may_request(registration):
        start, end = plenary.local_start.date(), plenary.local_end.date()
        services.submit(registration, {
            "passport_name": "VOGEL KATRIN", "passport_number": "C4F7K2M9X", "passport_expiry": date(2034, 3, 31),
            "nationality": "DE", "birth_date": date(1979, 11, 2), "birth_place": "Karl-Marx-Stadt",
            "entry_date": start - timedelta(days=2), "exit_date": end + timedelta(days=3), "mission": "cn-frankfurt",
            "mission_other": None, "english": False,
        }, date.today())  # fmt: skip
        db.session.commit()
    return [f"Visa letters: offered for plenary {plenary.number}; requests at /admin/plenaries/{plenary.slug}/visa"]
