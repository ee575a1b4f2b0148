"""Demo: who attended the 10th plenary (15 October 2021, online) and when, so that the back office's attendance
counts, the list "as attended" and the statistics' arrivals over time show something.

Confirmed online delegates from both countries, added directly (no sign-up, no mails: the plenary is long over),
idempotently by address; most joined through their personal join link between a quarter of an hour before and
forty minutes after the start, a few did not attend. (The demo's certificates add two more: one entered by an
organizer, who joined through a colleague's device, one through the join link — plenary/certificates/demo.py.)
The 10th plenary was held online only (shared/DOMAIN.md), so the demo has no arrivals in a hall.
"""

from datetime import timedelta

import sqlalchemy as sa

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.registration.states import Attendance, RegistrationStatus
from plenary.registration.tokens import rotate_token

#: (address part, first name, last name, name in characters, organisation, country, language, minutes after the
#: start they joined, or None: did not attend).
DELEGATES = (
    ("m.becker", "Martina", "Becker", None, "Stadt Duisburg", "DE", "de", -12),
    ("li.na", "Na", "Li", "李娜", "沈阳市外事办公室", "CN", "zh", -9),
    ("t.hoffmann", "Thomas", "Hoffmann", None, "Kreis Düren", "DE", "de", -4),
    ("wang.fang", "Fang", "Wang", "王芳", "佛山市商务局", "CN", "zh", -2),
    ("k.wagner", "Katrin", "Wagner", None, "Stadt Solingen", "DE", "de", 0),
    ("zhao.lei", "Lei", "Zhao", "赵磊", "长春市人民政府", "CN", "zh", 1),
    ("s.richter", "Stefan", "Richter", None, "Stadt Wuppertal", "DE", "de", 3),
    ("sun.li", "Li", "Sun", "孙丽", "合肥市经济和信息化局", "CN", "zh", 7),
    ("j.neumann", "Julia", "Neumann", None, "Stadt Dortmund", "DE", "de", 18),
    ("zhou.jie", "Jie", "Zhou", "周杰", "洛阳市人民政府", "CN", "zh", 41),
    ("p.schulz", "Peter", "Schulz", None, "Stadt Gelsenkirchen", "DE", "de", None),
    ("wu.min", "Min", "Wu", "吴敏", "宜宾市人民政府", "CN", "zh", None),
)
DOMAIN = "demo.isa-alliance.example"


def demo_attendance(slug: str = "10th-plenary") -> str:
    """Create (or find) the 10th plenary's demo delegates and their join-link arrivals; a line for the report."""
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == slug))
    if plenary is None:
        return "Attendance of the 10th plenary: no such plenary"
    query = sa.select(Registration).where(Registration.plenary_id == plenary.id)
    known = {r.email: r for r in db.session.scalars(query)}
    joined = 0
    for local, first, last, name_zh, organisation, country, language, minutes in DELEGATES:
        email = f"{local}@{DOMAIN}"
        registration = known.get(email)
        if registration is None:
            registered = plenary.starts_at - timedelta(days=20)
            registration = Registration(plenary_id=plenary.id, status=RegistrationStatus.CONFIRMED, email=email,
                                        attendance=Attendance.ONLINE, first_name=first, last_name=last,
                                        name_zh=name_zh, organisation=organisation, country=country,
                                        language=language, consent_listing=True, consent_listing_at=registered,
                                        consent_privacy_at=registered, created_at=registered)  # fmt: skip
            db.session.add(registration)
            db.session.flush()
            rotate_token(registration)
            db.session.flush()
        if minutes is not None:
            at = plenary.starts_at + timedelta(minutes=minutes)
            attendance.record_arrival(registration, AttendanceChannel.ONLINE, AttendanceSource.JOIN_LINK,
                                      at=at)  # fmt: skip
            # A second visit later on (a dropped connection): only the latest sighting moves.
            attendance.record_arrival(registration, AttendanceChannel.ONLINE, AttendanceSource.JOIN_LINK,
                                      at=at + timedelta(minutes=50))  # fmt: skip
            joined += 1
    return f"Attendance of the 10th plenary: {joined} of {len(DELEGATES)} demo delegates joined online"
