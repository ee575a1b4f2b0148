"""Load the demo content idempotently: running it twice leaves the same rows."""

from dataclasses import dataclass, field
from datetime import date

from plenary.auth.models import Role
from plenary.auth.services import ensure_user
from plenary.certificates.demo import demo_attendees
from plenary.demo.announcements import demo_announcements
from plenary.demo.attendance import demo_attendance
from plenary.demo.attendees import load_attendees
from plenary.demo.documents import load_demo_documents
from plenary.demo.members import MEMBERS
from plenary.demo.plenaries import demo_plenaries
from plenary.demo.questions import load_demo_questions
from plenary.events.editing import save_plenary
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.members.models import Member
from plenary.news.models import Announcement
from plenary.survey.demo import demo_survey

ORGANIZER_EMAIL = "organizer@isa-alliance.example"


@dataclass
class DemoReport:
    """What the demo loader did, for the command to print."""

    lines: list[str] = field(default_factory=list)
    organizer_email: str = ""
    organizer_password: str = ""


def load_demo(today: date | None = None) -> DemoReport:
    """Create or update the demo plenaries, members, announcements and organizer. Flushes only."""
    today = today or date.today()
    report = DemoReport()
    for document in demo_plenaries(today):  # saved as any change is: locked, attendees told, logged
        result = save_plenary(document)
        verb = "Created" if result.created else "Updated"
        report.lines.append(f"{verb} plenary {result.plenary.number}: /plenaries/{result.plenary.slug}")
    report.lines.append(load_demo_questions())
    report.lines.append(f"Demo attendees of the 11th plenary: {load_attendees('11th-plenary')} added")
    members = upsert_members(MEMBERS)
    report.lines.append(f"Members and advisory board: {members} entries")
    for data in demo_announcements(today):
        upsert_announcement(data)
    report.lines.append("Announcements: /news/")
    report.lines.extend(demo_attendees())
    report.lines.append(demo_attendance())
    report.lines.append(load_demo_documents())
    report.lines.append(demo_survey())
    user, password = ensure_user(ORGANIZER_EMAIL, Role.ORGANIZER, name="ISA Sekretariat (Demo)")
    report.organizer_email, report.organizer_password = user.email, password
    return report


def upsert_members(rows: list[dict]) -> int:
    """Create or update members by key; return how many there are."""
    existing = {m.key: m for m in db.session.scalars(db.select(Member))}
    for row in rows:
        member = existing.get(row["key"]) or Member(key=row["key"])
        for name, value in row.items():
            setattr(member, name, value)
        db.session.add(member)
    db.session.flush()
    return len(rows)


def upsert_announcement(data: dict) -> Announcement:
    """Create or update one announcement by slug, linking its plenary by slug."""
    data = dict(data)
    plenary_slug = data.pop("plenary", None)
    announcement = db.session.scalar(db.select(Announcement).where(Announcement.slug == data["slug"]))
    if announcement is None:
        announcement = Announcement(slug=data["slug"])
        db.session.add(announcement)
    for name, value in data.items():
        setattr(announcement, name, value)
    announcement.plenary = (
        db.session.scalar(db.select(Plenary).where(Plenary.slug == plenary_slug)) if plenary_slug else None
    )
    db.session.flush()
    return announcement
