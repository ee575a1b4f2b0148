"""Mail nobody can forge: every kind of message, with hostile values in every field a person types.

The messages are made by the real services (registering a delegation, approving, promoting,
cancelling, a changed and a cancelled plenary, organizers' broadcasts) and read from the outbox
as they are stored for sending. Every HTML part is parsed: nothing of the input may become an
element or an attribute, and each value must be there as text. Every text part carries the
values as they were typed (not HTML-escaped). The kinds come from templates/mail/, so a new
kind of message without a hostile case here fails ``test_every_kind_of_message_has_a_hostile_case``.
"""

import email
import email.policy
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.broadcasts import services as broadcasts
from plenary.broadcasts.compose import Draft
from plenary.certificates.followup import follow_up
from plenary.db import utcnow
from plenary.events.editing import save_plenary
from plenary.events.models import OrganizerNotice, Plenary
from plenary.extensions import db
from plenary.followup import messages as followup_messages
from plenary.jobs.catalog import JOBS
from plenary.jobs.registry import run_due
from plenary.mail.delivery import deliver_due
from plenary.mail.models import OutboxMessage
from plenary.mail.outbox import CHECKIN_END, CHECKIN_START, TOKEN_PLACEHOLDER
from plenary.questions import follow_up as questions_follow_up
from plenary.questions.services import create_question
from plenary.registration import changes, delegation, digest, email_change, notifications, offers, privacy, signup
from plenary.registration import organizer as organizer_actions
from plenary.registration.models import Registration
from plenary.reminders.schedule import reminder_due_at
from plenary.reminders.sending import remind
from plenary.reminders.services import reminders_of, save_reminder
from plenary.visa import review as visa_review
from tests import visa_helpers
from tests.conftest import open_registration, person, plenary_document

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
PUBLIC_URL = "https://plenary.example.org"

EVIL_LINK = '<a href="https://evil.example/verify">Click to keep your seat</a>'
EVIL_IMG = '"><img src=x onerror=alert(1)>'
EVIL_TABLE = "</td></table><script>x()</script>"

#: A hostile value for every field a person fills in (each different, to tell where it shows up).
HEAD = {
    "salutation": None,
    "honorific": EVIL_LINK,
    "first_name": EVIL_IMG,
    "last_name": EVIL_TABLE,
    "name_zh": "<b onmouseover=alert(2)>张</b>",
    "organisation": '<a href="https://evil.example/org">Stadt & Co</a> "K"',
    "position": "<img src=x onerror=alert(3)> Leiterin",
    "dietary": "<script>alert(4)</script>",
    "remarks": '<iframe src="https://evil.example/r"></iframe> & more',
    "phone": "<svg onload=alert(5)>",
}
#: Delegates: greeted formally (honorific and family name), in Chinese (name_zh), as Mr (family name only).
DELEGATES = [
    {"salutation": "ms", "honorific": '<a href="https://evil.example/ms">Dr.</a>', "first_name": "Erika",
     "last_name": '<img src=x onerror=alert("ms")>'},
    {"salutation": None, "language": "zh", "first_name": "Wei", "last_name": "Zhang",
     "name_zh": '<a href="https://evil.example/zh">张伟</a>'},
    {"salutation": "mr", "honorific": None, "language": "en", "first_name": "<i>Jo</i>",
     "last_name": "</p></td></tr></table><a href='https://evil.example/mr'>x"},
]  # fmt: skip
#: Every delegate's organisation and position.
DELEGATE_WORK = {"organisation": "<a href=https://evil.example/d>Kreis</a>", "position": '"><script>p()</script>'}
#: Someone named as a new delegate of a head who is registered already.
PROPOSED = {"first_name": '<a href="https://evil.example/p">Neu</a>', "last_name": "<img src=x onerror=alert(7)>"}
BROADCAST_SUBJECT = '<a href="https://evil.example/s">Wichtig</a> & "Neu" </title><script>s()</script>'
BROADCAST_LINES = ["Erste Zeile <script>alert(6)</script> & mehr", '<a href="https://evil.example/b">Hier</a> klicken']


class Elements(HTMLParser):
    """The elements (tag, attributes), end tags and text of an HTML document, as a mail client reads them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[tuple[str, dict]] = []
        self.ends: list[str] = []
        self.data: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self.ends.append(tag)

    def handle_data(self, data):
        self.data.append(data)

    @property
    def text(self) -> str:
        return "".join(self.data)


def mail_kinds() -> set[str]:
    """Every kind of message there is: templates/mail/<kind>.txt (without the _layout and _macros)."""
    return {path.stem for path in TEMPLATES.glob("*.txt") if not path.name.startswith("_")}


def forged_html(html: str) -> list[str]:
    """What in ``html`` came from the input as markup (empty when nothing did)."""
    found = []
    document = Elements(html)
    for tag, attrs in document.starts:
        if tag in ("script", "iframe", "svg", "b", "i", "object", "embed", "form"):
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            if value and "evil.example" in value:
                found.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and not attrs.get("src", "").startswith("cid:"):
            found.append(f"<img src={attrs.get('src')!r}>")
        if tag == "a" and not re.match(rf"({re.escape(PUBLIC_URL)}/|mailto:)", attrs.get("href", "")):
            found.append(f"<a href={attrs.get('href')!r}>")
    for tag in ("table", "tr", "td", "p", "a", "title"):
        opened = sum(1 for start, _ in document.starts if start == tag)
        if opened != document.ends.count(tag):
            found.append(f"{document.ends.count(tag)} </{tag}> for {opened} <{tag}>")
    return found


def shown_values(message: OutboxMessage) -> list[str]:
    """The hostile values that ``message`` must show (the greeting's name, the head's name, the notice's fields)."""
    if message.kind == "organizer_digest":  # the daily digest lists the fifth plenary's people
        fifth = sa.select(Plenary.id).where(Plenary.slug == "fifth").scalar_subquery()
        people = db.session.scalars(sa.select(Registration).where(Registration.plenary_id == fifth)).all()
        return [v for r in people for v in (r.display_name, r.organisation, r.position, r.name_zh) if v]
    registration = db.session.get(Registration, message.registration_id)
    if message.kind == "registration_erased":
        return []  # it names nobody (see test_values_are_text_in_the_html_and_as_typed_in_the_text_part)
    if message.kind == "organizer_new_registration":
        values = [registration.display_name, registration.organisation, registration.position, registration.name_zh]
        if registration.delegation_head:  # the organizers' notice names the head it is attached to
            values.append(registration.delegation_head.display_name)
        return [v for v in values if v]
    if registration.salutation in ("ms", "mr"):
        name = " ".join(filter(None, (registration.honorific, registration.last_name)))
    elif message.language == "zh" and registration.name_zh:
        name = registration.name_zh
    else:
        name = registration.display_name
    values = [name]
    if registration.registered_by and message.kind in FIRST_MESSAGES:  # said once, in the first message
        values.append(registration.registered_by)
    if message.kind == "broadcast":
        values += BROADCAST_LINES
    if message.kind == "registration_delegates_proposed":
        values.append(f"{PROPOSED['first_name']} {PROPOSED['last_name']}")
    return values


#: The messages that say who registered a delegate (the first one after registration).
FIRST_MESSAGES = ("registration_received", "registration_confirmed", "registration_waitlisted")


@pytest.fixture
def smtp_app_config():
    """conftest's ``smtp_app`` with a longer SMTP timeout and this module's public address."""
    return {"PUBLIC_URL": PUBLIC_URL, "MAIL_TIMEOUT": 5, "VISA_LETTERS": True, "VISA_KEY": visa_helpers.KEY}


@pytest.fixture
def app(smtp_app):
    """The app (replacing conftest's) sending by SMTP to ``smtp`` when asked to deliver."""
    return smtp_app


@pytest.fixture
def hostile_outbox(app, make_plenary):
    """Every kind of message, made by the real services for people with hostile values; the outbox rows."""
    # A hybrid plenary with 2 seats in the room (then the waitlist) ...
    plenary = make_plenary(registration=open_registration(capacity_in_person=2))
    delegates = [person(f"delegate{i}@example.org", **DELEGATE_WORK, **values) for i, values in enumerate(DELEGATES)]
    result = signup.register(plenary.id, person("head@example.org", **HEAD), delegates)
    head, ms, zh, mr = result.created  # head, ms confirmed; zh, mr waitlisted
    db.session.commit()
    # The head's address again, naming a new delegate (the head is told, with the name as typed).
    signup.register(plenary.id, person("head@example.org", **HEAD), [person("new@example.org", **PROPOSED)])
    db.session.commit()
    for change in (
        lambda: notifications.notify(head, "registration_link"),  # registration_link
        lambda: changes.switch_attendance(ms.id, "online"),  # registration_updated; zh promoted to the free seat
        lambda: changes.cancel(mr.id),  # registration_cancelled
    ):
        change()
        db.session.commit()
    for text, markdown in ((BROADCAST_LINES, True), (BROADCAST_LINES[::-1], False)):
        draft = Draft(subject={"de": BROADCAST_SUBJECT, "en": BROADCAST_SUBJECT, "zh": BROADCAST_SUBJECT},
                      body={lang: "\n".join(text) for lang in ("de", "en", "zh")}, markdown=markdown)
        broadcasts.send(plenary.id, draft, author="organizer@isa.example")
        db.session.commit()
        run_due(JOBS[:1])  # the worker renders it
    # ... that moves (an update to the confirmed), and is then cancelled.
    document = plenary_document(registration=open_registration(capacity_in_person=2))
    document.update(ends_at="2031-10-15T17:30:00+02:00")
    save_plenary(document)
    db.session.commit()
    save_plenary({**document, "status": "cancelled"})
    db.session.commit()

    # A plenary whose registrations wait for approval: received, approved, rejected, and a promotion to pending.
    second = make_plenary(slug="second", number=43,
                          registration=open_registration(capacity_in_person=2, requires_approval=True))  # fmt: skip
    delegates = [person(f"delegate{i}@example.org", **DELEGATE_WORK, **values) for i, values in enumerate(DELEGATES)]
    result = signup.register(second.id, person("head@example.org", **HEAD), delegates)
    head2, ms2, zh2, mr2 = result.created  # head2, ms2 pending; zh2, mr2 waitlisted
    db.session.commit()
    organizer_actions.approve(head2.id)
    db.session.commit()
    organizer_actions.reject(ms2.id)  # registration_rejected; the seat goes to zh2 (registration_promoted, pending)
    db.session.commit()

    # Offers with a deadline (registration_offered, _offer_reminder, _offer_lapsed) to hostile delegates.
    offering = make_plenary(slug="offers", number=47,
                            registration=open_registration(capacity_in_person=1, offer_hours=72))  # fmt: skip
    delegates = [person(f"delegate{i}@example.org", **DELEGATE_WORK, **values) for i, values in enumerate(DELEGATES)]
    head_offers, offered4, *_rest = signup.register(offering.id, person("head@example.org", **HEAD), delegates).created
    db.session.commit()
    changes.cancel(head_offers.id)  # the seat is offered to the first waiting delegate
    db.session.commit()
    deadline = db.session.get(Registration, offered4.id).offer_expires_at
    offers.remind(offered4.id, deadline - timedelta(hours=1))
    db.session.commit()
    offers.lapse(offered4.id, deadline + timedelta(minutes=1))
    db.session.commit()
    # Someone confirmed who has their data erased: the farewell with the calendar's CANCEL (registration_erased).
    third = make_plenary(slug="third", number=44, registration=open_registration())
    [gone] = signup.register(third.id, person("gone@example.org", **HEAD)).created
    db.session.commit()
    privacy.erase(gone.id)
    db.session.commit()
    # A head's actions on colleagues, and the head changing their email address (issue 11).
    fourth = make_plenary(slug="fourth", number=45, registration=open_registration(capacity_in_person=10))
    colleagues = [person(f"colleague{i}@example.org", **DELEGATE_WORK, **values) for i, values in enumerate(DELEGATES)]
    head4, c0, c1, c2 = signup.register(fourth.id, person("head4@example.org", **HEAD), colleagues).created
    db.session.commit()
    for change in (
        lambda: delegation.resend_colleague_link(head4.id, c0.id),  # registration_link_resent
        lambda: delegation.switch_colleague(head4.id, c1.id, "online"),  # registration_updated, naming the head
        lambda: delegation.cancel_colleague(head4.id, c2.id),  # registration_cancelled_by_head
        lambda: email_change.request_change(head4.id, "head4.new@example.org"),  # ..._confirm, ..._requested
    ):
        change()
        db.session.commit()
    confirm = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "registration_email_confirm"))
    email_change.confirm_change(re.search(r"/registrations/email/([^\s?]+)", confirm.body_text).group(1))
    db.session.commit()  # registration_email_moved (old address), registration_email_changed (new)
    # A plenary whose organizers chose the daily digest (organizer_digest), written the next morning.
    fifth = make_plenary(slug="fifth", number=46, registration=open_registration())
    digest.choose_notice(fifth.id, OrganizerNotice.DAILY, utcnow() - timedelta(days=1))
    db.session.commit()
    signup.register(fifth.id, person("head@example.org", **HEAD), [person("d@example.org", **DELEGATE_WORK,
                                                                             **DELEGATES[0])])  # fmt: skip
    db.session.commit()
    digest.write_digest(fifth.id, utcnow().replace(hour=10) + timedelta(days=1))  # 11:00/12:00 in Berlin
    db.session.commit()
    # After a plenary, the thank-you with the certificate to someone who came (certificate_follow_up).
    sixth = make_plenary(slug="sixth", number=48, registration=open_registration())
    [came] = signup.register(sixth.id, person("came@example.org", **HEAD)).created
    db.session.commit()
    attendance.record_arrival(came, AttendanceChannel.HALL, AttendanceSource.DOOR, by="door@isa.example")
    db.session.commit()  # the follow-up takes the plenary's lock: the arrival must be committed before it
    follow_up(came, sixth.ends_at + timedelta(hours=13))
    db.session.commit()
    # ... and the message to someone confirmed who did not come (follow_up_absent), with a hostile organizer text.
    [stayed] = signup.register(sixth.id, person("stayed@example.org", **HEAD)).created
    followup_messages.save(sixth.id, True, True, {"absent": ({"de": EVIL_LINK}, {"de": EVIL_LINK})})
    db.session.commit()
    follow_up(stayed, sixth.ends_at + timedelta(hours=13))
    db.session.commit()
    # Follow-up questions (issue 12) whose text is hostile: asked of the newly confirmed by the worker, then reminded.
    seventh = make_plenary(slug="seventh", number=49, registration=open_registration())
    create_question(seventh, {"kind": "short_text", "required": True, "label": {"de": EVIL_LINK, "en": EVIL_IMG,
                    "zh": EVIL_TABLE}, "help": {}, "ask_head": True, "ask_delegates": True, "attendance": None,
                    "condition": None, "follow_up": True, "choices": []})  # fmt: skip
    db.session.commit()
    signup.register(seventh.id, person("head@example.org", **HEAD), [person("d6@example.org", **DELEGATE_WORK,
                                                                             **DELEGATES[1])])  # fmt: skip
    db.session.commit()
    questions_follow_up.ask_confirmed(utcnow())  # the questions_follow_up mail (it commits)
    questions_follow_up.remind(seventh.id)  # and the reminder's wording
    db.session.commit()
    # Visa letters (issue 12): hostile names and organizer's notes; sent back, declined, approved (the letter attached).
    eighth = visa_helpers.offering(make_plenary(slug="eighth", number=50,
                                               registration=open_registration(capacity_in_person=10)))
    hostile_names = {key: HEAD[key] for key in ("honorific", "first_name", "last_name", "name_zh", "organisation")}
    visas = [visa_helpers.request_letter(visa_helpers.register(eighth, email=f"visa{n}@example.cn", **hostile_names))
             for n in range(3)]  # fmt: skip
    visa_review.ask_correction(visas[0], EVIL_LINK + EVIL_TABLE)
    visa_review.decline(visas[1], EVIL_IMG + BROADCAST_LINES[1])
    visa_review.approve(visas[2])
    db.session.commit()
    # A reminder before a plenary (plenary_reminder) with the organizers' hostile subject and intro, to the hall.
    ninth = make_plenary(slug="ninth", number=51, registration=open_registration())
    [reminded] = signup.register(ninth.id, person("reminded@example.org", **HEAD)).created
    reminder = reminders_of(ninth.id)[0]
    save_reminder(ninth, reminder, days_before=reminder.days_before, local_time=reminder.local_time, enabled=True,
                  subject={"de": BROADCAST_SUBJECT}, intro={"de": EVIL_LINK + EVIL_TABLE}, markdown=False)  # fmt: skip
    db.session.commit()
    assert remind(ninth.id, reminder.id, reminded.id, reminder_due_at(ninth, reminder) + timedelta(minutes=5))
    db.session.commit()
    # Without the erased person's earlier messages (scrubbed: nothing left to render).
    query = sa.select(OutboxMessage).where(OutboxMessage.recipient.is_not(None)).order_by(OutboxMessage.id)
    return list(db.session.scalars(query))


def test_every_kind_of_message_has_a_hostile_case(hostile_outbox):
    kinds = mail_kinds()
    assert len(kinds) >= 13
    missing = kinds - {message.kind for message in hostile_outbox}
    assert not missing, f"no hostile render case for mail kind(s) {sorted(missing)}: add one to hostile_outbox"


def test_no_value_from_a_person_becomes_markup_in_any_message(hostile_outbox):
    problems = {}
    for message in hostile_outbox:
        found = forged_html(message.body_html)
        if found:
            problems[f"{message.id} {message.kind} ({message.language})"] = found
    assert problems == {}


def test_values_are_text_in_the_html_and_as_typed_in_the_text_part(hostile_outbox):
    for message in hostile_outbox:
        text, html = message.body_text, message.body_html
        html_text = Elements(html).text
        for value in shown_values(message):
            where = f"{value!r} in {message.kind} ({message.language})"
            assert value in text, f"{where}: missing from the text part"
            assert value in html_text, f"{where}: not shown as text in the HTML part"
            if set(value) & set("<>&\""):
                assert value not in html, f"{where}: unescaped in the HTML source"
        if message.kind == "registration_erased":
            assert not [v for v in HEAD.values() if v and (v in text or v in html_text)]
        for entity in ("&lt;", "&gt;", "&amp;", "&quot;", "&#"):
            assert entity not in text, f"{message.kind}: HTML-escaped text part ({entity})"


def test_subjects_are_one_line_with_the_values_as_typed(hostile_outbox):
    notices = [m for m in hostile_outbox if m.kind == "organizer_new_registration"]
    assert notices
    for message in notices:
        registration = db.session.get(Registration, message.registration_id)
        assert registration.display_name in message.subject
    for message in hostile_outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        assert "&lt;" not in message.subject and "&amp;" not in message.subject
        if message.kind == "broadcast":
            assert message.subject == BROADCAST_SUBJECT
            assert BROADCAST_SUBJECT in Elements(message.body_html).text  # the <title>, escaped


def test_a_delegates_message_names_a_hostile_head_as_text_only(hostile_outbox):
    delegate_mails = [m for m in hostile_outbox if m.recipient.startswith("delegate") and m.kind != "broadcast"]
    head_name = f"{HEAD['honorific']} {HEAD['first_name']} {HEAD['last_name']}"
    assert delegate_mails and any(m.kind in FIRST_MESSAGES for m in delegate_mails)
    for message in delegate_mails:
        named = message.kind in FIRST_MESSAGES  # said once, in the first message; never again
        assert (head_name in message.body_text) is named, message.kind
        assert (head_name in Elements(message.body_html).text) is named, message.kind
        assert forged_html(message.body_html) == []


def test_a_colleagues_message_about_the_heads_action_names_the_head_as_text_only(hostile_outbox):
    head_name = f"{HEAD['honorific']} {HEAD['first_name']} {HEAD['last_name']}"
    kinds = ("registration_link_resent", "registration_updated", "registration_cancelled_by_head")
    mails = [m for m in hostile_outbox if m.recipient.startswith("colleague") and m.kind in kinds]
    assert {m.kind for m in mails} == set(kinds)
    for message in mails:
        assert head_name in message.body_text, message.kind
        assert head_name in Elements(message.body_html).text, message.kind
        assert forged_html(message.body_html) == []


def test_mail_html_templates_import_no_text_macros():
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"""\{%-?\s*(from|import|include)\s+["'][^"']+\.txt["']""", source), template.name
        assert "|safe" not in source.replace(" ", ""), template.name


def test_a_line_break_in_a_name_cannot_cut_the_subject_or_the_body(app, make_plenary):
    plenary = make_plenary(registration=open_registration())
    signup.register(plenary.id, person("anna@example.org", last_name="Schmidt\r\nBcc: victim@example.org\n\nHi"))
    db.session.commit()
    notice = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "organizer_new_registration"))
    assert "\n" not in notice.subject and "\r" not in notice.subject
    assert notice.subject.startswith("Neue Anmeldung: Dr. Anna Schmidt")
    assert "Bcc: victim@example.org" in notice.subject
    # The body is the template's, from its first line on.
    assert notice.body_text.startswith("Eine neue Anmeldung ist eingegangen.")


def test_placeholders_typed_by_a_person_are_never_filled_in(app, make_plenary, smtp):
    """A name with "<!--checkin-->" or "PERSONAL-LINK-TOKEN" neither cuts the message nor pulls a secret into it."""
    plenary = make_plenary(registration=open_registration(capacity_in_person=0))  # waitlisted: no check-in block
    forged = f"{CHECKIN_START}{TOKEN_PLACEHOLDER}{CHECKIN_END}"
    signup.register(plenary.id, person("anna@example.org", first_name=forged, last_name="Schmidt"))
    db.session.commit()

    deliver_due()

    [message] = smtp.received_by("anna@example.org")
    message = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = re.compile(re.escape(PUBLIC_URL) + r"/registrations/([A-Za-z0-9_-]+)")
    [token] = set(link.findall(text))
    for body in (text, Elements(html).text):
        # The name as typed (a word joiner keeps it from being taken for a placeholder) ...
        assert f"Dr. {forged} Schmidt" in body.replace("\u2060", "")
        # ... and nothing after it dropped as a "check-in block", no secret token put in its place.
        assert "Mit freundlichen Grüßen" in body
        assert body.count(token) == len(link.findall(body)) >= 1
