"""The demo loader: the real 9th and 10th plenaries, an upcoming 11th, members, idempotence."""

import io
from datetime import date, timedelta

import sqlalchemy as sa

from plenary.agenda.models import AgendaItem, Speaker
from plenary.auth.models import User
from plenary.demo.loader import load_demo
from plenary.events.models import Plenary
from plenary.events.services import RegistrationState, registration_state
from plenary.extensions import db
from plenary.followup.models import FollowUpMessage, PlenaryDocument
from plenary.members.models import Member
from plenary.news.models import Announcement


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Plenary, AgendaItem, Speaker, Member, Announcement, User, PlenaryDocument, FollowUpMessage)
    }


def test_demo_is_idempotent(app):
    load_demo()
    db.session.commit()
    first = _counts()
    ids = list(db.session.scalars(sa.select(AgendaItem.id).order_by(AgendaItem.id)))
    load_demo()
    db.session.commit()
    assert _counts() == first
    assert list(db.session.scalars(sa.select(AgendaItem.id).order_by(AgendaItem.id))) == ids
    assert first["Plenary"] == 3 and first["Announcement"] == 2 and first["User"] == 1
    assert first["PlenaryDocument"] == 4 and first["FollowUpMessage"] == 1


def test_demo_plenaries_follow_the_record(app):
    load_demo(today=date(2026, 11, 21))
    db.session.commit()
    ninth, tenth, eleventh = db.session.scalars(sa.select(Plenary).order_by(Plenary.number))
    assert (ninth.number, ninth.format, ninth.local_start.year, ninth.local_start.month) == (9, "online", 2020, 10)
    assert tenth.local_start.date() == date(2021, 10, 15)
    assert [item.kind for item in tenth.agenda_items] == ["report", "greeting", "signing", "presentation"]
    assert tenth.agenda_items[0].speakers[0].name == "Yi Liu"
    assert tenth.agenda_items[2].parties[1]["en"] == "City of Foshan"
    assert eleventh.format == "hybrid"
    assert eleventh.local_start.date() == date(2026, 11, 21) + timedelta(days=60)
    assert eleventh.status == "published"


def test_eleventh_plenary_takes_registrations_today(app):
    load_demo()
    db.session.commit()
    eleventh = db.session.scalar(sa.select(Plenary).where(Plenary.number == 11))
    assert registration_state(eleventh) == RegistrationState.OPEN


def test_demo_members(app):
    load_demo()
    db.session.commit()
    german = db.session.scalars(sa.select(Member).where(Member.kind == "member", Member.country == "DE")).all()
    assert len(german) == 21
    assert len({m.region["de"] for m in german}) == 8
    assert db.session.scalar(sa.select(Member).where(Member.key == "kreis-dueren")).joined_year == 2021
    board = db.session.scalars(sa.select(Member).where(Member.kind == "advisory_board")).all()
    assert {m.key for m in board} == {"nrw-global-business", "ahk-china"}


def test_demo_command_prints_working_credentials(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password:")[1].split()[0]
    user = db.session.scalar(sa.select(User).where(User.email == "organizer@isa-alliance.example"))
    assert user.role == "organizer"
    assert user.check_password(password)
    assert user.password_hash.startswith("scrypt:")


def test_loading_the_demo_again_later_is_a_change_like_any_other(app):
    """The demo goes through save_plenary: the moved 11th plenary re-invites its registrant, and it is logged."""
    from plenary.audit.models import AuditEntry
    from plenary.mail.models import OutboxMessage
    from plenary.registration import signup
    from tests.conftest import person

    load_demo(today=date.today())
    db.session.commit()
    eleventh = db.session.scalar(sa.select(Plenary).where(Plenary.number == 11))
    signup.register(eleventh.id, person("anna@example.org"))
    db.session.commit()
    sequence = eleventh.sequence
    load_demo(today=date.today() + timedelta(days=1))  # the 11th is always 60 days away: it moves by a day
    db.session.commit()
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.recipient == "anna@example.org"))
    assert list(kinds) == ["registration_confirmed", "plenary_updated"] and eleventh.sequence == sequence + 1
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "plenary")
                                 .order_by(AuditEntry.id)).all()  # fmt: skip
    assert actions == ["plenary.create"] * 3 + ["plenary.update"]


def test_the_tenth_plenary_has_documents_of_the_day_and_follow_up_texts(app, client):
    import pypdf

    from plenary.certificates.demo import ATTENDEES
    from plenary.followup import documents, messages
    from plenary.registration.models import Registration
    from plenary.registration.tokens import token_for

    load_demo()
    db.session.commit()
    tenth = db.session.scalar(sa.select(Plenary).where(Plenary.slug == "10th-plenary"))
    docs = documents.documents_of(tenth.id)
    expected = [("presentation", "public"), ("agreement", "public"), ("presentation", "registrants"),
                ("recording", "public")]  # fmt: skip
    assert [(d.kind, d.visibility) for d in docs] == expected
    assert docs[3].url.startswith("https://video.isa-alliance.example/")
    assert docs[1].agenda_item_id == tenth.agenda_items[2].id  # the signing
    for document in docs[:3]:  # real, readable one-page PDFs
        assert len(pypdf.PdfReader(io.BytesIO(documents.stored_file(document).data)).pages) == 1
    page = client.get("/plenaries/10th-plenary?lang=de").get_data(as_text=True)
    assert 'id="documents"' in page and "Unterzeichnete Absichtserklärung: Pilotstadt Foshan" in page
    assert "Studie zum Markenimage (vollständige Fassung)" not in page  # registrants only
    anna = db.session.scalar(sa.select(Registration).where(Registration.email == ATTENDEES[0]["email"]))
    personal = client.get(f"/registrations/{token_for(anna)}/documents/{docs[2].id}")
    assert personal.status_code == 200 and personal.data.startswith(b"%PDF-")
    texts = messages.texts_for(tenth, messages.settings(tenth.id), "absent", "zh")
    assert texts.subject == "第十届全体大会资料"
