"""Messages to attendees (compose, preview, send, delivery state) and the outbox page (admins).

Delivery goes to a real SMTP server (aiosmtpd on loopback, tests/smtp_server.py), which can refuse
recipients to produce failures.
"""

import re

import pytest
import sqlalchemy as sa

from plenary.audit.models import AuditEntry
from plenary.broadcasts.models import Broadcast
from plenary.extensions import db
from plenary.jobs.catalog import JOBS
from plenary.jobs.registry import run_due
from plenary.mail.delivery import deliver_due
from plenary.mail.models import FinalReason, OutboxMessage
from plenary.mail.outbox import TOKEN_PLACEHOLDER
from plenary.registration import changes, notifications, privacy, signup
from plenary.registration import organizer as organizer_actions
from plenary.registration.models import Registration
from tests.conftest import login, person

SUBJECTS = {"de": "Wichtige Hinweise", "en": "Important notes", "zh": "重要提示"}
BODIES = {"de": "Bitte bringen Sie Ihren **Ausweis** mit.", "en": "Please bring your **passport**.",
          "zh": "请携带您的**护照**。"}  # fmt: skip


@pytest.fixture
def app(smtp_app):
    """The app sending by SMTP to ``smtp`` (conftest)."""
    return smtp_app


@pytest.fixture
def plenary(open_plenary, accounts):
    """A plenary with six registrations: de/en/zh, in person and online, a cancelled and an online Chinese one."""
    plenary = open_plenary(capacity_in_person=10)
    people = [
        person("anna@example.org", language="de", country="DE"),
        person("ben@example.org", language="en", first_name="Ben", last_name="Baker", salutation="mr", honorific=None,
               country="GB"),
        person("li@example.cn", language="zh", first_name="雷", last_name="李", name_zh="李雷", country="CN"),
        person("wang@example.cn", language="zh", first_name="Wei", last_name="Wang", country="CN", attendance="online"),
        person("gone@example.org", language="de", last_name="Storniert"),
        person("erased@example.org", language="en", last_name="Erased"),
    ]  # fmt: skip
    ids = {}
    for data in people:
        ids[data["email"]] = signup.register(plenary.id, data).created[0].id
        db.session.commit()
    changes.cancel(ids["gone@example.org"])
    db.session.commit()
    privacy.erase(ids["erased@example.org"])
    db.session.commit()
    deliver_due()  # the registration messages are out of the way
    return plenary


def compose_data(subjects=None, bodies=None, button="send", **filters) -> dict:
    """A compose form's fields."""
    subjects = SUBJECTS if subjects is None else subjects
    bodies = BODIES if bodies is None else bodies
    data = {f"subject_{lang}": text for lang, text in subjects.items()}
    data |= {f"body_{lang}": text for lang, text in bodies.items()}
    data |= {"markdown": "y", button: button} | filters
    return data


def open_form(client, plenary, query: str = "") -> str:
    """GET the compose form (which hands out the one-time token) and return the token."""
    response = client.get(f"/admin/plenaries/{plenary.slug}/messages/new?lang=en{query}")
    assert response.status_code == 200
    return re.search(r'name="form_token" type="hidden" value="([0-9a-f]+)"', response.get_data(as_text=True))[1]


def send(client, plenary, render=True, **kwargs):
    """Open the form and send what ``compose_data(**kwargs)`` gives; then the worker renders (``render``)."""
    token = open_form(client, plenary)
    response = client.post(f"/admin/plenaries/{plenary.slug}/messages/new?lang=en",
                           data=compose_data(**kwargs) | {"form_token": token})  # fmt: skip
    if render:
        run_due(JOBS[:1])
    return response


def broadcast_messages() -> list[OutboxMessage]:
    """The outbox rows of all broadcasts, by recipient."""
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "broadcast").order_by(OutboxMessage.recipient)
    ))  # fmt: skip


def test_preview_shows_the_three_languages_and_the_recipients(client, plenary):
    login(client, "organizer@isa.example")
    token = open_form(client, plenary)
    response = client.post(f"/admin/plenaries/{plenary.slug}/messages/new?lang=en",
                           data=compose_data(button="preview") | {"form_token": token})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # Confirmed and pending by default: anna, ben, li, wang (not the cancelled nor the erased one).
    assert "This message goes to 4 people." in page
    assert "anna@example.org" in page and "wang@example.cn" in page
    assert "gone@example.org" not in page and "erased@example.org" not in page
    for lang in ("de", "en", "zh"):
        assert SUBJECTS[lang] in page
    assert "Bitte bringen Sie Ihren **Ausweis** mit." in page  # the text version shows the Markdown source
    assert "Guten Tag Dr. Anna Schmidt," in page and "Dear Mr Baker," in page and "尊敬的" in page  # the greetings
    assert "Send to 4 people" in page
    assert TOKEN_PLACEHOLDER not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 0  # a preview stores nothing
    # The full HTML mail opens in its own tab: our mail HTML may use inline styles there, nothing else.
    mail = client.post(f"/admin/plenaries/{plenary.slug}/messages/new/mail/zh", data=compose_data(button="preview"))
    assert mail.status_code == 200 and "<strong>护照</strong>" in mail.get_data(as_text=True)
    assert "style-src 'unsafe-inline'" in mail.headers["Content-Security-Policy"]
    assert "script-src" not in mail.headers["Content-Security-Policy"]


def test_preview_tells_which_language_stands_in(client, plenary):
    login(client, "organizer@isa.example")
    response = client.post(f"/admin/plenaries/{plenary.slug}/messages/new?lang=en",
                           data=compose_data(subjects={"de": "Nur Deutsch"}, bodies={"de": "Text"}, button="preview"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("Not written in this language: they get the Deutsch text.") == 2


def test_send_queues_one_message_per_recipient_in_their_language(client, plenary, smtp):
    login(client, "organizer@isa.example")
    response = send(client, plenary, subjects={"de": SUBJECTS["de"], "en": SUBJECTS["en"]},
                    bodies={"de": BODIES["de"], "en": BODIES["en"]})  # fmt: skip
    assert response.status_code == 302
    broadcast = db.session.scalar(sa.select(Broadcast))
    assert response.headers["Location"] == f"/admin/messages/{broadcast.id}"
    assert broadcast.subject == {"de": SUBJECTS["de"], "en": SUBJECTS["en"]}
    assert broadcast.recipient_count == 4 and broadcast.created_by == "organizer@isa.example"
    assert broadcast.filters == {}
    messages = broadcast_messages()
    languages = {m.recipient: m.language for m in messages}
    # The Chinese readers get English (zh → en → de).
    assert languages == {"anna@example.org": "de", "ben@example.org": "en", "li@example.cn": "en",
                         "wang@example.cn": "en"}  # fmt: skip
    assert {m.broadcast_id for m in messages} == {broadcast.id}
    li = next(m for m in messages if m.recipient == "li@example.cn")
    assert li.subject == SUBJECTS["en"] and li.reply_to == "plenary@example.org"
    assert "<strong>passport</strong>" in li.body_html and TOKEN_PLACEHOLDER in li.body_text
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "message.send"))
    assert entry.object_id == broadcast.id and entry.plenary_id == plenary.id and entry.summary == SUBJECTS["de"]
    assert entry.changes["recipients"] == [None, 4] and entry.actor == "organizer@isa.example"

    # Delivered as every other message: greeting, the text, the personal link, Reply-To the plenary's contact.
    report = deliver_due()
    assert len(report.sent) == 4
    [mail] = [m for m in smtp.received_by("ben@example.org") if m["Subject"] == SUBJECTS["en"]]
    assert str(mail["Subject"]) == SUBJECTS["en"] and mail["Reply-To"] == "plenary@example.org"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Dear Mr Baker,") and "Please bring your **passport**." in text
    assert "<strong>passport</strong>" in html
    assert re.search(r"https://plenary\.example\.org/registrations/[A-Za-z0-9_-]{22,}\?lang=en", text)
    assert TOKEN_PLACEHOLDER not in text and TOKEN_PLACEHOLDER not in html

    page = client.get(f"/admin/messages/{broadcast.id}?lang=en").get_data(as_text=True)
    assert page.count("delivery-badge delivery-sent\">Sent<") == 4
    listing = client.get(f"/admin/plenaries/{plenary.slug}/messages?lang=en").get_data(as_text=True)
    assert SUBJECTS["en"] in listing and "Sent: 4" in listing


def test_plain_text_without_markdown(client, plenary):
    login(client, "organizer@isa.example")
    data = compose_data(subjects={"en": "Plain"}, bodies={"en": "Line one\nline <two>\n\n**not bold**"})
    del data["markdown"]
    client.post(f"/admin/plenaries/{plenary.slug}/messages/new", data=data | {"form_token": open_form(client, plenary)})
    run_due(JOBS[:1])  # the worker renders it with the stored format
    html = broadcast_messages()[0].body_html
    assert "Line one<br>\nline &lt;two&gt;</p>" in html and "**not bold**" in html and "<strong>" not in html


@pytest.mark.parametrize(("filters", "expected"), [
    ({"attendance": "in_person"}, {"anna@example.org", "ben@example.org", "li@example.cn"}),
    ({"country": "CN"}, {"li@example.cn", "wang@example.cn"}),
    ({"country": "cn", "attendance": "online"}, {"wang@example.cn"}),
    ({"status": "cancelled"}, {"gone@example.org"}),
    ({"q": "baker"}, {"ben@example.org"}),
])  # fmt: skip
def test_filters_choose_the_recipients(client, plenary, filters, expected):
    login(client, "organizer@isa.example")
    assert send(client, plenary, **filters).status_code == 302
    assert {m.recipient for m in broadcast_messages()} == expected
    stored = db.session.scalar(sa.select(Broadcast)).filters
    assert stored == {k: v.upper() if k == "country" else v for k, v in filters.items()}


def test_filters_come_from_the_query_into_the_form(client, plenary):
    login(client, "organizer@isa.example")
    page = client.get(f"/admin/plenaries/{plenary.slug}/messages/new?lang=en&country=CN&attendance=online")
    html = page.get_data(as_text=True)
    assert '<option value="CN" selected>' in html and '<option value="online" selected>' in html


def test_erased_people_never_get_a_message(client, plenary):
    login(client, "organizer@isa.example")
    send(client, plenary, status="cancelled")  # the erased registration is cancelled too, without an address
    assert {m.recipient for m in broadcast_messages()} == {"gone@example.org"}


def test_nobody_matching_is_refused(client, plenary):
    login(client, "organizer@isa.example")
    response = send(client, plenary, country="FR")
    assert response.status_code == 400
    assert "Nobody matches these recipient filters." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 0


def test_a_double_submission_sends_once(client, plenary):
    login(client, "organizer@isa.example")
    token = open_form(client, plenary)
    url = f"/admin/plenaries/{plenary.slug}/messages/new?lang=en"
    first = client.post(url, data=compose_data() | {"form_token": token})
    second = client.post(url, data=compose_data() | {"form_token": token}, follow_redirects=True)
    assert first.status_code == 302
    assert second.status_code == 200 and "This message has already been sent." in second.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 1
    run_due(JOBS[:1])
    assert len(broadcast_messages()) == 4


def test_the_same_message_twice_in_a_row_is_refused_even_with_a_new_form(client, plenary):
    """Two requests of one double click both carry the form's token (the session is a cookie): the stored
    broadcast's token (unique) and the identical-message check decide."""
    login(client, "organizer@isa.example")
    assert send(client, plenary).status_code == 302
    again = send(client, plenary)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/admin/plenaries/{plenary.slug}/messages")
    assert len(broadcast_messages()) == 4
    assert send(client, plenary, country="CN").status_code == 302  # another audience is another message
    assert len(broadcast_messages()) == 6


@pytest.mark.parametrize(("subjects", "bodies", "message"), [
    ({}, {}, "Write the message in at least one language."),
    ({"de": "Nur ein Betreff"}, {}, "Write the text in this language too, or leave its subject empty."),
    ({}, {"en": "Text without subject"}, "Please give the message a subject in this language."),
    ({"en": "x" * 301}, {"en": "Long subject"}, "Field cannot be longer than 300 characters."),
])  # fmt: skip
def test_bad_input_is_refused_and_kept(client, plenary, subjects, bodies, message):
    login(client, "organizer@isa.example")
    response = send(client, plenary, subjects=subjects, bodies=bodies, country="CN")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    for text in [*subjects.values(), *bodies.values()]:
        assert text in page
    assert '<option value="CN" selected>' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 0
    assert broadcast_messages() == []


def test_a_refused_recipient_fails_and_is_sent_again(client, plenary, smtp):
    login(client, "organizer@isa.example")
    smtp.refuse("li@example.cn", "550 5.1.1 No such user")
    send(client, plenary)
    broadcast = db.session.scalar(sa.select(Broadcast))
    report = deliver_due()
    assert len(report.sent) == 3 and len(report.failed) == 1
    page = client.get(f"/admin/messages/{broadcast.id}?lang=en").get_data(as_text=True)
    assert "SMTPRecipientsRefused [550]" in page and 'delivery-failed">Failed<' in page
    assert "Send the failed ones again" in page

    assert client.post(f"/admin/messages/{broadcast.id}/retry").status_code == 302
    [li] = [m for m in broadcast_messages() if m.recipient == "li@example.cn"]
    assert (li.status, li.attempts) == ("pending", 0)
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "message.retry")).changes == {
        "retried": [None, 1]}  # fmt: skip
    smtp.handler.refused.clear()
    assert deliver_due().sent == [li.id]
    assert len([m for m in smtp.received_by("li@example.cn") if m["Subject"] == SUBJECTS["zh"]]) == 1


def test_viewers_read_but_cannot_send_or_retry(client, plenary):
    login(client, "organizer@isa.example")
    send(client, plenary)
    broadcast_id = db.session.scalar(sa.select(Broadcast.id))
    client.post("/admin/logout")
    login(client, "viewer@isa.example")
    assert client.get(f"/admin/plenaries/{plenary.slug}/messages").status_code == 200
    assert client.get(f"/admin/messages/{broadcast_id}").status_code == 200
    page = client.get(f"/admin/messages/{broadcast_id}?lang=en").get_data(as_text=True)
    assert "Send the failed ones again" not in page
    new = f"/admin/plenaries/{plenary.slug}/messages/new"
    assert client.get(new).status_code == 403
    for url in (new, f"{new}/mail/de", f"/admin/messages/{broadcast_id}/retry", "/admin/outbox/retry-failed",
                "/admin/outbox/1/retry"):  # fmt: skip
        assert client.post(url, data=compose_data()).status_code == 403, url
    assert client.get("/admin/outbox").status_code == 403
    assert len(broadcast_messages()) == 4
    assert client.get("/admin/messages/999999").status_code == 404


def test_outbox_page_is_for_admins(client, plenary, smtp):
    login(client, "organizer@isa.example")
    assert client.get("/admin/outbox").status_code == 403
    assert client.post("/admin/outbox/retry-failed").status_code == 403
    client.post("/admin/logout")
    login(client, "admin@isa.example")
    page = client.get("/admin/outbox?lang=en").get_data(as_text=True)
    assert "anna@example.org" in page and "registration_confirmed" in page
    failed = client.get("/admin/outbox?status=failed&lang=en").get_data(as_text=True)
    assert 'delivery-failed">Failed<' in failed and 'delivery-sent">Sent<' not in failed
    assert client.get("/admin/outbox?page=999&status=bogus").status_code == 200


def test_outbox_retries_failed_messages_but_never_erased_ones(client, plenary, smtp, runner):
    smtp.refuse("ben@example.org", "550 5.1.1 No such user")
    for address in ("ben@example.org", "anna@example.org"):
        notifications.notify(db.session.scalar(sa.select(Registration).where(Registration.email == address)),
                             "registration_link")
    db.session.commit()
    deliver_due()
    failed = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.status == "failed", OutboxMessage.recipient == "ben@example.org")
    )
    erased = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.final_reason == FinalReason.ERASED)).all()
    assert erased  # the erased person's messages that were still waiting
    login(client, "admin@isa.example")
    page = client.get("/admin/outbox?status=failed&lang=en").get_data(as_text=True)
    assert f"/admin/outbox/{failed.id}/retry" in page
    assert all(f"/admin/outbox/{m.id}/retry" not in page for m in erased)

    for message in erased:  # refused one by one …
        client.post(f"/admin/outbox/{message.id}/retry")
    assert client.post(f"/admin/outbox/{failed.id}/retry").status_code == 302
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert all(m.status == "failed" for m in erased)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "outbox.retry"))
    assert entry.object_id == failed.id and entry.actor == "admin@isa.example"

    deliver_due()  # refused again
    client.post("/admin/outbox/retry-failed")  # … and all at once
    assert erased and failed.status == "pending"
    assert all(m.status == "failed" and m.final_reason == "erased" for m in erased)

    deliver_due()
    result = runner.invoke(args=["outbox", "retry", "--all-failed"])  # and by command
    assert result.exit_code == 0 and "queued again: 1" in result.output
    assert failed.status == "pending" and all(m.status == "failed" for m in erased)
    result = runner.invoke(args=["outbox", "retry", str(erased[0].id)])
    assert result.exit_code == 0 and "queued again: 0" in result.output and str(erased[0].id) in result.output
    assert runner.invoke(args=["outbox", "retry"]).exit_code != 0


def test_a_failed_invitation_replaced_by_a_newer_one_is_never_retried(client, plenary, smtp):
    anna = db.session.scalar(sa.select(Registration).where(Registration.email == "anna@example.org"))
    smtp.refuse("anna@example.org", "550 5.2.2 Mailbox full")
    organizer_actions.resend_confirmation(anna.id)  # a REQUEST …
    db.session.commit()
    deliver_due()
    request = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.status == "failed",
                                                               OutboxMessage.calendar_method == "REQUEST"))  # fmt: skip
    assert request is not None
    changes.cancel(anna.id)  # … then a CANCEL: retrying the REQUEST would put her back in the calendar
    db.session.commit()
    login(client, "admin@isa.example")
    client.post("/admin/outbox/retry-failed")
    assert request.status == "failed"


def test_a_message_is_prepared_by_the_worker_and_its_page_says_so(client, plenary):
    login(client, "organizer@isa.example")
    response = send(client, plenary, render=False)
    assert response.status_code == 302 and broadcast_messages() == []  # the request only stored it
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Being prepared: 0 of 4" in page and "No recipients." not in page
    listing = client.get(f"/admin/plenaries/{plenary.slug}/messages?lang=en").get_data(as_text=True)
    assert "Being prepared" in listing
    run_due(JOBS[:1])
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Being prepared" not in page and len(broadcast_messages()) == 4
