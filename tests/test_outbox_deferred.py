"""A registration's messages written by the worker (plenary/mail/deferred.py): the very texts the request would
have written, what was true when they were queued, nothing sent of what is gone, and nothing rendered in the
request. (The rest of the suite writes them in the request, OUTBOX_RENDER_AT_DELIVERY off: tests/conftest.py.)"""

import email
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import time_machine
from flask import template_rendered
from flask_migrate import downgrade, upgrade

from plenary.auth.models import Role
from plenary.auth.services import create_user
from plenary.calendar.ical import plenary_uid
from plenary.events.editing import save_plenary, set_status
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.mail.deferred import rendered_texts
from plenary.mail.delivery import deliver_due
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, delegation, organizer, privacy, signup
from plenary.registration.models import Registration
from tests.conftest import PASSWORD, login, open_registration, person, plenary_document
from tests.helpers import count_queries

#: Every kind of message the registration path queues through the worker's renderers, which the scenario makes.
DEFERRED_KINDS = {
    "registration_confirmed", "registration_waitlisted", "registration_received", "registration_approved",
    "registration_promoted", "registration_cancelled", "registration_updated", "registration_link_resent",
    "registration_waitlist_moved", "registration_link", "registration_delegates_proposed", "plenary_updated",
    "plenary_cancelled", "organizer_new_registration", "registration_cancelled_by_head",
}  # fmt: skip

COLUMNS = ("kind", "recipient", "language", "reply_to", "subject", "body_text", "body_html", "calendar_method",
           "calendar_ics", "registration_id", "status")  # fmt: skip

FROZEN = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def _delegates() -> list[dict]:
    return [
        {"first_name": "Li", "last_name": "Wang", "email": "li@example.org", "position": None,
         "attendance": "in_person", "organisation": "Stadt Köln", "language": "zh"},
        {"first_name": "Max", "last_name": "Berg", "email": "max@example.org", "position": None,
         "attendance": "online", "organisation": "Stadt Köln", "language": "de"},
        {"first_name": "Eva", "last_name": "Klein", "email": "eva@example.org", "position": None,
         "attendance": "in_person", "organisation": "Stadt Köln", "language": "en"},
    ]  # fmt: skip


def _commit() -> None:
    """Commit, and let the worker send what is due, as it does within a second of a commit."""
    db.session.commit()
    while deliver_due().sent:
        db.session.commit()


def _scenario() -> None:
    """Registrations, a delegation, the waiting list, changes, approval, a changed and a cancelled plenary."""
    document = plenary_document(slug="hybrid", registration=open_registration(capacity_in_person=2))
    plenary = save_plenary(document).plenary
    _commit()
    head = signup.register(plenary.id, person("head@example.org", last_name="<b>Kopf</b>"), _delegates()).created[0]
    _commit()  # head and Li in the hall, Max online: confirmed; Eva waits (1st)
    waiting = signup.register(plenary.id, person("wait@example.org", language="en")).created[0]
    _commit()  # 2nd on the waiting list
    signup.register(plenary.id, person("wait@example.org", language="en"))
    _commit()  # a known address: their link again
    signup.register(plenary.id, person("head@example.org"), [{**_delegates()[0], "email": "new@example.org"}])
    _commit()  # a known head brings nobody from the public form: "proposed", and their link
    by_email = {r.email: r for r in db.session.scalars(sa.select(Registration))}
    delegation.cancel_colleague(head.id, by_email["li@example.org"].id)  # a CANCEL; Eva is promoted, `waiting` moves
    _commit()
    changes.switch_attendance(head.id, "online")  # an updated invitation; the freed seat goes to `waiting`
    _commit()
    delegation.resend_colleague_link(head.id, by_email["max@example.org"].id)
    _commit()
    changes.cancel(by_email["max@example.org"].id)
    _commit()
    assert waiting.status == "confirmed"
    approval = save_plenary(plenary_document(slug="approval", number=43,
                                             registration=open_registration(requires_approval=True))).plenary
    _commit()
    pending = signup.register(approval.id, person("ask@example.org", language="zh")).created[0]
    _commit()
    organizer.approve(pending.id)
    _commit()
    set_status(approval, "cancelled", "plenary.cancel")
    _commit()
    venue = {"name": "Rathaus Foshan", "address": "Marktplatz 1", "city": "Köln"}
    moved = save_plenary(plenary_document(slug="hybrid", registration=open_registration(capacity_in_person=2),
                                          venue=venue)).plenary
    assert moved.id == plenary.id
    _commit()


def _outbox() -> list[tuple]:
    """Every message's columns; a plenary's calendar UID (random per database) as its slug."""
    uids = {plenary_uid(p): p.slug for p in db.session.scalars(sa.select(Plenary))}
    rows = []
    for message in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
        row = {column: getattr(message, column) for column in COLUMNS}
        for uid, slug in uids.items():
            row["calendar_ics"] = row["calendar_ics"] and row["calendar_ics"].replace(uid, f"UID-{slug}")
        rows.append(tuple(row.values()))
    return rows


def _run(make_app, render_at_delivery: bool, **config) -> list[tuple]:
    """The scenario on a fresh database, the worker sending after each commit: the outbox at its end."""
    app = make_app(OUTBOX_RENDER_AT_DELIVERY=render_at_delivery, **config)
    with app.app_context(), time_machine.travel(FROZEN, tick=False):
        _scenario()
        after = _outbox()
        db.session.remove()
    return after


def test_the_worker_writes_every_kind_exactly_as_the_request_would_have(make_app, database_url, tmp_path):
    in_request = _run(make_app, False, MAIL_FILE_DIR=str(tmp_path / "mail-a"))
    other = {} if database_url.startswith("postgresql") else {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'deferred.sqlite'}"}
    by_worker = _run(make_app, True, MAIL_FILE_DIR=str(tmp_path / "mail-b"), **other)
    kinds = {row[0] for row in by_worker}
    assert DEFERRED_KINDS <= kinds, DEFERRED_KINDS - kinds
    # Every message sent, texts and calendars included, byte for byte what the request wrote. One that a newer
    # invitation superseded before it went out was never written (and never sent) by the worker.
    assert [row[-1] for row in by_worker] == [row[-1] for row in in_request]
    sent = [index for index, row in enumerate(by_worker) if row[-1] == "sent"]
    assert len(sent) > 15
    assert [by_worker[i] for i in sent] == [in_request[i] for i in sent]
    assert all(row[4] == "" and row[8] is None for row in by_worker if row[-1] != "sent")
    # And the mails that went out are the same too (Message-IDs, tokens and dates aside, which are per app).
    subjects_a = sorted(email.message_from_bytes(p.read_bytes())["Subject"] for p in (tmp_path / "mail-a").iterdir())
    subjects_b = sorted(email.message_from_bytes(p.read_bytes())["Subject"] for p in (tmp_path / "mail-b").iterdir())
    assert subjects_a == subjects_b and len(subjects_b) == len(sent)


def test_a_message_written_late_says_what_holds_then_but_announces_what_happened(make_app):
    """The worker down for a while: the waiting-list mail still gives the position she had, the plenary's details
    are those of the moment it is written (a venue changed meanwhile is the one she reads)."""
    app = make_app(OUTBOX_RENDER_AT_DELIVERY=True)
    with app.app_context():
        document = plenary_document(registration=open_registration(capacity_in_person=1, capacity_online=0))
        plenary = save_plenary(document).plenary
        db.session.commit()
        first = signup.register(plenary.id, person("first@example.org")).created[0]
        second = signup.register(plenary.id, person("second@example.org", language="en")).created[0]
        third = signup.register(plenary.id, person("third@example.org", language="en")).created[0]
        db.session.commit()
        assert (second.status, third.status) == ("waitlisted", "waitlisted")
        changes.cancel(first.id)  # `second` gets the seat, `third` moves up to 1st
        db.session.commit()
        venue = {"name": "Rathaus Foshan", "address": "Marktplatz 1", "city": "Köln"}
        save_plenary(plenary_document(registration=document["registration"], venue=venue))
        db.session.commit()
        deliver_due()
        db.session.commit()
        told = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "third@example.org",
                                                                OutboxMessage.kind == "registration_waitlisted"))
        assert told.status == "sent"
        assert "You are number 2 on the waiting list" in told.body_text
        assert "Venue: Rathaus Foshan, Marktplatz 1" in told.body_text
        # The organizers' notice of the first registration announces it as it arrived (confirmed, in the hall),
        # though she has cancelled since (seen: "New registration … Status: Cancelled").
        notice = db.session.scalar(sa.select(OutboxMessage).where(
            OutboxMessage.kind == "organizer_new_registration", OutboxMessage.registration_id == first.id))
        assert "Status: Bestätigt" in notice.body_text and "Bestätigt" in notice.body_html
        assert "Storniert" not in notice.body_text + notice.body_html


def test_a_request_renders_no_mail_and_the_worker_writes_it_once(make_app, tmp_path):
    app = make_app(OUTBOX_RENDER_AT_DELIVERY=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        plenary = save_plenary(plenary_document(registration=open_registration())).plenary
        db.session.commit()
        slug = plenary.slug
    rendered = []

    def record(_app, template, context, **_extra):
        rendered.append(template.name)

    form = {"salutation": "", "honorific": "", "first_name": "Anna", "last_name": "Schmidt", "organisation": "X",
            "country": "DE", "email": "anna@example.org", "attendance": "in_person", "language": "zh",
            "consent_privacy": "y"}  # fmt: skip
    with template_rendered.connected_to(record, app):
        response = app.test_client().post(f"/plenaries/{slug}/register", data=form)
        assert response.status_code in (302, 303), response.status_code
        assert not [name for name in rendered if name.startswith("mail/")]
        app.test_client().get(response.headers["Location"])  # the personal page (a page, to see rendering recorded)
    assert rendered and not [name for name in rendered if name.startswith("mail/")]
    with app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.kind for m in messages] == ["registration_confirmed", "organizer_new_registration"]
        assert not any(m.written for m in messages) and messages[0].calendar_method == "REQUEST"
        # The worker's first attempt fails at the server (nobody listens there): the texts are written anyway,
        # and the next attempt sends exactly them.
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", 9
        with template_rendered.connected_to(record, app):
            report = deliver_due()
        assert {"mail/registration_confirmed.html", "mail/organizer_new_registration.txt"} <= set(rendered)
        assert report.retrying == [m.id for m in messages]
        db.session.expire_all()
        written = {m.id: (m.subject, m.body_text, m.calendar_ics) for m in messages}
        assert all(m.written and m.subject and m.calendar_method == ("REQUEST" if m.kind.startswith("reg") else None)
                   for m in messages)  # fmt: skip
        assert "报名" in messages[0].subject and "BEGIN:VCALENDAR" in messages[0].calendar_ics
        app.config["MAIL_SERVER"] = None
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
        db.session.commit()
        assert sorted(deliver_due().sent) == sorted(written)
        db.session.expire_all()
        assert {m.id: (m.subject, m.body_text, m.calendar_ics) for m in messages} == written
        files = sorted(Path(app.config["MAIL_FILE_DIR"]).iterdir())
        sent = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
        assert sent["Subject"] == messages[0].subject


def test_the_invitation_keeps_the_sequence_it_was_queued_with(make_app):
    app = make_app(OUTBOX_RENDER_AT_DELIVERY=True)
    with app.app_context():
        plenary = save_plenary(plenary_document(registration=open_registration(capacity_online=5))).plenary
        db.session.commit()
        anna = signup.register(plenary.id, person("anna@example.org")).created[0]
        db.session.commit()
        queued_with = anna.calendar_sequence
        bob = signup.register(plenary.id, person("bob@example.org")).created[0]
        db.session.commit()
        changes.switch_attendance(bob.id, "online")  # the plenary's SEQUENCE goes up for Bob's new copy
        db.session.commit()
        assert plenary.sequence > queued_with
        deliver_due()
        db.session.commit()
        first = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "anna@example.org"))
        assert first.status == "sent" and f"SEQUENCE:{queued_with}\r\n" in first.calendar_ics


def test_what_is_erased_or_gone_before_the_worker_writes_it_is_never_sent(make_app, tmp_path):
    app = make_app(OUTBOX_RENDER_AT_DELIVERY=True)
    with app.app_context():
        plenary = save_plenary(plenary_document(registration=open_registration())).plenary
        db.session.commit()
        erased = signup.register(plenary.id, person("erased@example.org")).created[0]
        gone = signup.register(plenary.id, person("gone@example.org", last_name="Weg")).created[0]
        db.session.commit()
        privacy.erase(erased.id)
        db.session.commit()
        gone_id = gone.id
        # A registration removed outright (outside the app): the messages about it describe nothing any more.
        db.session.execute(sa.delete(Registration).where(Registration.id == gone_id))
        db.session.commit()
        report = deliver_due()
        db.session.commit()
        messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        by_recipient = {m.recipient: m for m in messages if m.kind != "organizer_new_registration"}
        assert by_recipient["gone@example.org"].status == "failed"
        assert by_recipient["gone@example.org"].final_reason == "undeliverable"
        erased_messages = [m for m in messages if m.final_reason == "erased"]
        assert erased_messages and all(m.render_context is None for m in erased_messages)
        sent = [m for m in messages if m.status == "sent"]
        assert sorted(report.sent) == sorted(m.id for m in sent)
        # Nothing went out about either person: only what is still there was written and sent.
        for path in Path(app.config["MAIL_FILE_DIR"]).iterdir():
            text = path.read_text()
            assert "gone@example.org" not in text and "erased@example.org" not in text and "Weg" not in text


def test_the_back_office_says_a_message_is_written_when_it_is_sent(make_app):
    app = make_app(OUTBOX_RENDER_AT_DELIVERY=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        create_user("admin@isa.example", Role("admin"), PASSWORD)
        plenary = save_plenary(plenary_document(registration=open_registration())).plenary
        db.session.commit()
        registration = signup.register(plenary.id, person("anna@example.org", language="zh")).created[0]
        db.session.commit()
        registration_id = registration.id
    client = app.test_client()
    login(client, "admin@isa.example")
    for lang, words in (("de", "wird beim Versand geschrieben"), ("zh", "发送时生成")):
        for path in ("/admin/outbox", f"/admin/registrations/{registration_id}"):
            page = client.get(f"{path}?lang={lang}").get_data(as_text=True)
            assert words in page, (path, lang)
    with app.app_context():
        deliver_due()
        db.session.commit()
    page = client.get("/admin/outbox?lang=de").get_data(as_text=True)
    assert "wird beim Versand geschrieben" not in page and "Anmeldung" in page


def test_a_confirmation_written_after_a_cancellation_goes_without_an_invitation(make_app):
    """The worker stopped: she registers and cancels. Both mails go, in order; only the CANCEL is a calendar."""
    app = make_app(OUTBOX_RENDER_AT_DELIVERY=True)
    with app.app_context():
        plenary = save_plenary(plenary_document(registration=open_registration())).plenary
        db.session.commit()
        anna = signup.register(plenary.id, person("anna@example.org")).created[0]
        db.session.commit()
        changes.cancel(anna.id)
        db.session.commit()
        deliver_due()
        db.session.commit()
        mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "anna@example.org")
                                   .order_by(OutboxMessage.id)).all()  # fmt: skip
        assert [(m.kind, m.status, m.calendar_method) for m in mails] == [
            ("registration_confirmed", "sent", None), ("registration_cancelled", "sent", "CANCEL")]
        assert mails[0].calendar_ics is None and "CHECKIN-CODE" not in mails[0].body_text


def test_a_downgrade_gives_up_messages_not_yet_written_instead_of_sending_them_empty(make_app):
    app = make_app(create_schema=False, OUTBOX_RENDER_AT_DELIVERY=True)
    with app.app_context():
        upgrade()
        plenary = save_plenary(plenary_document(registration=open_registration())).plenary
        db.session.commit()
        signup.register(plenary.id, person("anna@example.org"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="14o000000001")
        rows = db.session.execute(sa.text("SELECT status, final_reason, last_error FROM outbox_message")).all()
        assert rows and all(tuple(row) == ("failed", "undeliverable", "not written before the downgrade")
                            for row in rows)  # fmt: skip
        db.session.remove()
        upgrade()


def test_the_worker_writes_a_delegations_notice_with_one_query_for_its_people(make_app):
    app = make_app(OUTBOX_RENDER_AT_DELIVERY=True)
    with app.app_context():
        plenary = save_plenary(plenary_document(registration=open_registration(capacity_in_person=10))).plenary
        db.session.commit()
        signup.register(plenary.id, person("head@example.org"), _delegates())
        db.session.commit()
        notice_id = db.session.scalar(sa.select(OutboxMessage.id).where(
            OutboxMessage.kind == "organizer_new_registration"))
        db.session.remove()  # a fresh session, as the worker's
        notice = db.session.get(OutboxMessage, notice_id)
        with count_queries() as queries:
            texts = rendered_texts(notice)
        people = [s for s in queries.statements if "FROM registration" in s and "registration.id IN" in s]
        assert len(people) == 1 and not [s for s in queries.statements if "WHERE registration.id = " in s]
        assert all(name in texts["body_text"] for name in ("Li Wang", "Max Berg", "Eva Klein"))
