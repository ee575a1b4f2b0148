"""Demo: two delegates who attended the 10th plenary (15 October 2021, online), so the demo shows certificates.

Added directly (no sign-up, no mails: the plenary is long over), idempotently by address; each with an online
attendance record: Anna Schmidt's entered by an organizer (she joined through a colleague's device), Zhang Wei's
made by his join link. More attendees of that plenary: plenary/demo/attendance.py.
Their personal pages offer the certificate; ``flask documents certificate ID`` writes it.
"""

from datetime import timedelta

import sqlalchemy as sa

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.registration.states import Attendance, RegistrationStatus
from plenary.registration.tokens import rotate_token, token_for
from plenary.urls import public_url

#: The two demo attendees: a German delegate and a Chinese one (name in characters and in pinyin).
ATTENDEES = (
    {"email": "anna.schmidt@demo.isa-alliance.example", "salutation": "ms", "honorific": "Dr.", "first_name": "Anna",
     "last_name": "Schmidt", "organisation": "Stadt Köln", "country": "DE", "language": "de"},
    {"email": "zhang.wei@demo.isa-alliance.example", "salutation": "mr", "first_name": "Wei", "last_name": "Zhang",
     "name_zh": "张伟", "organisation": "佛山市人民政府", "country": "CN", "language": "zh"},
)  # fmt: skip


def demo_attendees(slug: str = "10th-plenary") -> list[str]:
    """Create (or find) the demo attendees of plenary ``slug``; a line per person with their personal page."""
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        return []
    lines = []
    for data in ATTENDEES:
        registration = db.session.scalar(
            sa.select(Registration).where(Registration.plenary_id == plenary.id, Registration.email == data["email"])
        )
        if registration is None:
            registered = plenary.starts_at - timedelta(days=30)
            registration = Registration(plenary_id=plenary.id, status=RegistrationStatus.CONFIRMED,
                                        attendance=Attendance.ONLINE, consent_privacy_at=registered,
                                        created_at=registered, **data)  # fmt: skip
            db.session.add(registration)
            db.session.flush()
            rotate_token(registration)
            db.session.flush()
        joined = plenary.starts_at + timedelta(minutes=2)
        if data["language"] == "de":  # joined through a colleague's device: entered by an organizer
            attendance.record_arrival(registration, AttendanceChannel.ONLINE, AttendanceSource.ORGANIZER,
                                      by="organizer@isa-alliance.example", at=joined)  # fmt: skip
        else:
            attendance.record_arrival(registration, AttendanceChannel.ONLINE, AttendanceSource.JOIN_LINK, at=joined)
        url = public_url("registration.personal", token=token_for(registration))
        lines.append(f"Attended plenary {plenary.number} (certificate on the page): #{registration.id} {url}")
    return lines
