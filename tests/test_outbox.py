"""The outbox: messages are stored with the change that causes them and delivered by SMTP later.

Delivery goes to a real SMTP server (aiosmtpd on loopback, ``tests/smtp_server.py``) that
can be stopped to simulate an outage and can refuse recipients.
"""

import email
import email.policy
import logging
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from plenary.broadcasts import services as broadcasts
from plenary.broadcasts.compose import Draft
from plenary.db import utcnow
from plenary.extensions import db
from plenary.i18n import HTML_LANG
from plenary.jobs.catalog import JOBS
from plenary.jobs.registry import run_due
from plenary.mail.delivery import _claim, deliver, deliver_due, due_message_ids
from plenary.mail.hooks import wait_for_deliveries
from plenary.mail.models import FinalReason, OutboxMessage, OutboxStatus
from plenary.mail.outbox import TOKEN_PLACEHOLDER
from plenary.registration import notifications, privacy, signup
from plenary.registration.models import Registration

PUBLIC_URL = "https://plenary.example.org"
ORGANIZERS = "plenary@example.org"  # the contact address of the test plenary (tests/conftest.py)
SERVER_LOGGER = "mail.log"  # aiosmtpd's
# A personal link: the whole URL, starting with PUBLIC_URL (at a line start, after a space or in an attribute).
LINK = re.compile(r"""(?:^|(?<=[\s"'>]))""" + re.escape(PUBLIC_URL) + r"/registrations/([A-Za-z0-9_-]+)", re.MULTILINE)


@pytest.fixture
def smtp_app_config():
    """conftest's ``smtp_app`` with this module's public address, delivering right after a request's commit."""
    return {"PUBLIC_URL": PUBLIC_URL, "OUTBOX_DELIVER_AFTER_REQUEST": True}


@pytest.fixture
def app(smtp_app):
    """The app (replacing conftest's) sending by SMTP to ``smtp``."""
    return smtp_app


def open_registration(**overrides) -> dict:
    """The registration block of a plenary document, open from yesterday for a month."""
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "capacity_in_person": 120,
        "capacity_online": None,
        "waitlist": True,
        "requires_approval": False,
        **overrides,
    }


@pytest.fixture
def plenary(make_plenary):
    """A published hybrid plenary that takes registrations now."""
    return make_plenary(registration=open_registration())


def person(email_address: str, **fields) -> dict:
    """A registrant as ``signup.register`` takes them."""
    return {
        "first_name": "Annegret",
        "last_name": "Zwetschgenbaum",
        "organisation": "Stadt Wolfsburg",
        "email": email_address,
        "language": "de",
        "attendance": "in_person",
        "consent_privacy": True,
        **fields,
    }


def register(plenary_id: int, email_address: str, **fields) -> Registration:
    """Register one person and commit; return the registration."""
    result = signup.register(plenary_id, person(email_address, **fields))
    db.session.commit()
    [registration] = result.created
    return registration


def outbox() -> list[OutboxMessage]:
    """Every outbox row as the database has it now."""
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def committed_outbox_count() -> int:
    """Outbox rows visible to another connection (i.e. committed)."""
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def app_log(caplog) -> list[str]:
    """The app's log lines (not those of the test's SMTP server, which sees the messages, of course)."""
    return [record.getMessage() for record in caplog.records if not record.name.startswith(SERVER_LOGGER)]


def personal_data_in(text: str, *values: str) -> list[str]:
    """The ``values`` that occur in ``text``."""
    return [value for value in values if value and value in text]


# --- written with the change -------------------------------------------------------------------


def test_registration_queues_its_messages_in_the_same_transaction(app, plenary):
    signup.register(plenary.id, person("annegret@example.org"))
    queued = outbox()
    assert sorted((m.kind, m.recipient) for m in queued) == [
        ("organizer_new_registration", ORGANIZERS),
        ("registration_confirmed", "annegret@example.org"),
    ]
    assert all(m.status == OutboxStatus.PENDING and m.attempts == 0 for m in queued)
    assert committed_outbox_count() == 0  # part of the open transaction, not committed on its own

    db.session.rollback()
    assert outbox() == []
    assert committed_outbox_count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0

    signup.register(plenary.id, person("annegret@example.org"))
    db.session.commit()
    assert committed_outbox_count() == 2


# --- delivery by SMTP --------------------------------------------------------------------------


def test_delivery_sends_multipart_utf8_mail_with_a_working_absolute_link(app, client, plenary, smtp):
    registration = register(plenary.id, "li.lei@example.cn", language="zh", first_name="Lei", last_name="Li",
                            name_zh="李雷")  # fmt: skip

    report = deliver_due()

    assert len(report.sent) == 2 and report.retrying == [] and report.failed == []
    assert smtp.recipient_counts() == {"li.lei@example.cn": 1, ORGANIZERS: 1}
    [message] = smtp.received_by("li.lei@example.cn")
    stored = next(m for m in outbox() if m.recipient == "li.lei@example.cn")
    assert stored.status == OutboxStatus.SENT and stored.sent_at is not None and stored.attempts == 1

    assert message.is_multipart()
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert text_part.get_content_type() == "text/plain" and html_part.get_content_type() == "text/html"
    assert text_part.get_content_charset() == "utf-8" and html_part.get_content_charset() == "utf-8"
    text, html = text_part.get_content(), html_part.get_content()

    # Chinese intact in subject and both bodies.
    assert "第四十二届全体大会" in stored.subject
    assert str(message["Subject"]) == stored.subject
    assert "李雷" in text and "第四十二届全体大会" in text
    assert "李雷" in html and "第四十二届全体大会" in html
    assert f'<html lang="{HTML_LANG["zh"]}">' in html

    # The personal link: absolute, from PUBLIC_URL, with the real token, in both parts.
    tokens = set(LINK.findall(text))
    assert len(tokens) == 1
    [token] = tokens
    assert set(LINK.findall(html)) == {token}
    # Every link to the personal page is such an absolute one.
    assert text.count("/registrations/") == len(LINK.findall(text))
    assert html.count("/registrations/") == len(LINK.findall(html))
    assert len(token) >= 22  # at least 128 bits
    assert TOKEN_PLACEHOLDER not in text and TOKEN_PLACEHOLDER not in html
    assert client.get(f"/registrations/{token}").status_code == 200
    assert client.get(f"/registrations/{TOKEN_PLACEHOLDER}").status_code == 404

    # The database never holds a working link: stored bodies keep the placeholder.
    assert TOKEN_PLACEHOLDER in stored.body_text and TOKEN_PLACEHOLDER in stored.body_html
    for row in outbox():
        assert token not in row.body_text and token not in row.body_html and token not in row.subject
    assert token not in (registration.token_hash or "") and token != registration.token_salt


def test_message_id_is_stable_per_outbox_row(app, plenary, smtp):
    register(plenary.id, "annegret@example.org")
    deliver_due()
    ids = {m.id for m in outbox()}
    received_ids = {mail.message["Message-ID"] for mail in smtp.received}
    assert received_ids == {f"<outbox-{i}@plenary.example.org>" for i in ids}


# --- outages, bounces, retries -----------------------------------------------------------------


def test_messages_survive_an_smtp_outage_and_arrive_exactly_once(app, plenary, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    smtp.stop()
    addresses = [f"delegate{i}@example.org" for i in range(3)]
    for address in addresses:
        register(plenary.id, address)
    queued = outbox()
    assert len(queued) == 6

    before = utcnow()
    report = deliver_due()

    assert report.sent == [] and report.failed == []
    assert sorted(report.retrying) == [m.id for m in queued]
    for message in outbox():
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == 1
        assert message.last_error and "Connection" in message.last_error
        assert message.next_attempt_at >= before + timedelta(seconds=59)  # backoff, not straight again
        assert message.locked_until is None
        assert personal_data_in(message.last_error, *addresses, ORGANIZERS) == []
    assert smtp.received == []

    # Not due yet: another round right away tries nothing.
    assert deliver_due() == type(report)()
    assert {m.attempts for m in outbox()} == {1}

    smtp.start()
    report = deliver_due(now=utcnow() + timedelta(minutes=2))

    assert sorted(report.sent) == [m.id for m in queued] and report.retrying == [] and report.failed == []
    assert smtp.recipient_counts() == {**dict.fromkeys(addresses, 1), ORGANIZERS: 3}
    for message in outbox():
        assert message.status == OutboxStatus.SENT and message.attempts == 2 and message.last_error is None

    # Nothing is sent again, however much later the worker runs.
    assert deliver_due(now=utcnow() + timedelta(days=2)) == type(report)()
    assert len(smtp.received) == 6

    assert app_log(caplog)
    for line in app_log(caplog):
        assert personal_data_in(line, *addresses, ORGANIZERS, "Annegret", "Zwetschgenbaum") == []


@pytest.mark.parametrize(
    ("reply", "expected_status"),
    [("550 5.1.1 <bounce@example.org>: mailbox unavailable", OutboxStatus.FAILED),
     ("451 4.3.0 <bounce@example.org>: try again later", OutboxStatus.PENDING)],
    ids=["permanent", "temporary"],
)  # fmt: skip
def test_refused_recipient_is_given_up_only_for_permanent_errors(app, plenary, smtp, caplog, reply, expected_status):
    caplog.set_level(logging.DEBUG)
    smtp.refuse("bounce@example.org", reply)
    bounce = register(plenary.id, "bounce@example.org")
    register(plenary.id, "fine@example.org")

    report = deliver_due()

    [refused] = [m for m in outbox() if m.recipient == "bounce@example.org"]
    assert refused.status == expected_status
    assert refused.final_reason == (FinalReason.REFUSED if expected_status == OutboxStatus.FAILED else None)
    assert refused.attempts == 1
    assert reply[:3] in refused.last_error
    assert "bounce@example.org" not in refused.last_error
    assert (refused.id in report.failed) == (expected_status == OutboxStatus.FAILED)
    assert (refused.id in report.retrying) == (expected_status == OutboxStatus.PENDING)
    others = [m for m in outbox() if m.id != refused.id]
    assert len(others) == 3 and all(m.status == OutboxStatus.SENT for m in others)
    assert smtp.recipient_counts() == {"fine@example.org": 1, ORGANIZERS: 2}

    # A permanent failure is never retried; a temporary one is, once due.
    deliver_due(now=utcnow() + timedelta(days=1))
    assert refused.attempts == (1 if expected_status == OutboxStatus.FAILED else 2)
    assert smtp.received_by("bounce@example.org") == []
    assert bounce.id == refused.registration_id
    assert app_log(caplog)
    for line in app_log(caplog):
        assert "bounce@example.org" not in line


def test_message_fails_for_good_after_max_attempts_of_temporary_refusals(app, plenary, smtp):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    smtp.refuse("annegret@example.org", "451 4.3.0 Try again later")
    registration = register(plenary.id, "annegret@example.org")
    [message_id] = [m.id for m in outbox() if m.recipient == "annegret@example.org"]

    reports = [deliver_due(now=utcnow() + timedelta(days=day)) for day in (0, 1, 2)]

    assert [message_id in r.retrying for r in reports] == [True, True, False]
    assert message_id in reports[2].failed
    failed = db.session.get(OutboxMessage, message_id)
    assert failed.status == OutboxStatus.FAILED and failed.attempts == 3 and failed.last_error
    assert failed.final_reason == FinalReason.EXHAUSTED
    assert registration.id  # the registration itself is untouched

    smtp.handler.refused.clear()
    assert message_id not in deliver_due(now=utcnow() + timedelta(days=30)).sent
    assert smtp.received_by("annegret@example.org") == []


def test_an_unreachable_server_never_makes_a_message_fail(app, plenary, smtp):
    """However long the outage, nothing is dropped: connection failures do not count towards the limit."""
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    smtp.stop()
    register(plenary.id, "annegret@example.org")
    ids = sorted(m.id for m in outbox())

    reports = [deliver_due(now=utcnow() + timedelta(days=day)) for day in range(6)]

    assert all(sorted(r.retrying) == ids and r.failed == [] for r in reports)
    assert {(m.status, m.attempts) for m in outbox()} == {(OutboxStatus.PENDING, 6)}
    smtp.start()
    assert sorted(deliver_due(now=utcnow() + timedelta(days=30)).sent) == ids
    assert smtp.recipient_counts()["annegret@example.org"] == 1


# --- no double delivery ------------------------------------------------------------------------


def test_two_workers_racing_for_the_same_messages_send_each_once(app, plenary, smtp):
    for i in range(6):
        register(plenary.id, f"delegate{i}@example.org")
    ids = [m.id for m in outbox()]
    assert len(ids) == 12
    db.session.commit()
    # Both workers have seen the same due messages before either claims one: the worst case.
    both_listed = threading.Barrier(2, timeout=30)
    reports, errors = [], []

    def worker():
        try:
            with app.app_context():
                due = due_message_ids()
                db.session.commit()
                both_listed.wait()
                reports.append(deliver(due))
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(reports) == 2
    first, second = (set(r.sent) for r in reports)
    assert first.isdisjoint(second)
    assert first | second == set(ids)
    assert smtp.recipient_counts() == {**{f"delegate{i}@example.org": 1 for i in range(6)}, ORGANIZERS: 6}
    assert all(m.status == OutboxStatus.SENT and m.attempts == 1 for m in outbox())
    # Nothing was left claimed-but-unrecorded, to go out again once the lease has run out.
    after_lease = utcnow() + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    assert deliver_due(now=after_lease) == type(reports[0])()
    assert len(smtp.received) == 12


def test_claim_is_atomic_and_exclusive(app, plenary):
    register(plenary.id, "annegret@example.org")
    [message_id, *_] = [m.id for m in outbox()]
    now = utcnow()
    assert _claim(message_id, now) is True
    assert _claim(message_id, now) is False  # the same instant, another worker: not theirs
    assert outbox()[0].attempts == 1


def test_a_claimed_message_is_skipped_until_its_lease_expires(app, plenary, smtp):
    registration = register(plenary.id, "annegret@example.org")
    [claimed] = [m for m in outbox() if m.registration_id == registration.id and not m.kind.startswith("organizer")]
    assert _claim(claimed.id, utcnow())  # another worker holds it (and may be sending it right now)

    report = deliver_due()

    assert claimed.id not in report.sent + report.retrying + report.failed
    assert len(report.sent) == 1  # the organizers' notice
    assert smtp.received_by("annegret@example.org") == []
    assert claimed.status == OutboxStatus.PENDING and claimed.attempts == 1

    # A worker that died while holding it does not lose it: after the lease it is sent.
    after_lease = utcnow() + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    assert deliver_due(now=after_lease).sent == [claimed.id]
    assert len(smtp.received_by("annegret@example.org")) == 1


# --- the file backend --------------------------------------------------------------------------


def test_without_a_mail_server_each_message_becomes_an_eml_file(app, plenary, smtp, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    app.config["MAIL_SERVER"] = None
    directory = tmp_path / "eml"
    app.config["MAIL_FILE_DIR"] = str(directory)
    register(plenary.id, "annegret@example.org")
    messages = outbox()

    report = deliver_due()

    assert sorted(report.sent) == [m.id for m in messages]
    assert smtp.received == []
    files = sorted(directory.glob("*.eml"))
    assert len(files) == len(messages) == 2
    parsed = {}
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        parsed[str(message["To"])] = message
        assert sum(str(path) in line for line in app_log(caplog)) == 1
    assert set(parsed) == {"annegret@example.org", ORGANIZERS}
    text = parsed["annegret@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert "Annegret" in text
    [token] = set(LINK.findall(text))
    assert TOKEN_PLACEHOLDER not in text

    for line in app_log(caplog):
        assert personal_data_in(line, "annegret@example.org", ORGANIZERS, "Annegret",
                                "Zwetschgenbaum", "Wolfsburg", token) == []  # fmt: skip


# --- the worker command ------------------------------------------------------------------------


def test_outbox_send_command_delivers_what_is_due(app, runner, plenary, smtp):
    register(plenary.id, "annegret@example.org")
    register(plenary.id, "bounce@example.org")
    smtp.refuse("bounce@example.org")

    result = runner.invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 3, retrying 0, failed 1"
    assert smtp.recipient_counts() == {"annegret@example.org": 1, ORGANIZERS: 2}

    result = runner.invoke(args=["outbox", "send"])
    assert result.output.strip() == "sent 0, retrying 0, failed 0"
    assert len(smtp.received) == 3


def test_outbox_send_command_keeps_messages_while_the_server_is_down(app, runner, plenary, smtp):
    register(plenary.id, "annegret@example.org")
    smtp.stop()

    result = runner.invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 0, retrying 2, failed 0"
    assert {m.status for m in outbox()} == {OutboxStatus.PENDING}


# --- right after the request -------------------------------------------------------------------


def registration_form(email_address: str) -> dict:
    """The fields of the sign-up form for one person."""
    return {
        "first_name": "Annegret",
        "last_name": "Zwetschgenbaum",
        "organisation": "Stadt Wolfsburg",
        "email": email_address,
        "language": "de",
        "consent_privacy": "y",
        "attendance": "in_person",
    }


def test_messages_are_delivered_right_after_the_request(app, client, plenary, smtp):
    response = client.post(f"/plenaries/{plenary.slug}/register", data=registration_form("annegret@example.org"))

    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()
    wait_for_deliveries(app)  # the first attempt runs in its own thread, right after the commit

    assert {(m.status, m.attempts) for m in outbox()} == {(OutboxStatus.SENT, 1)}
    assert smtp.recipient_counts() == {"annegret@example.org": 1, ORGANIZERS: 1}
    # The worker finds nothing left to do.
    assert deliver_due(now=utcnow() + timedelta(days=1)).sent == []
    assert len(smtp.received) == 2


def test_delivery_after_the_request_can_be_switched_off(app, client, plenary, smtp):
    app.config["OUTBOX_DELIVER_AFTER_REQUEST"] = False
    response = client.post(f"/plenaries/{plenary.slug}/register", data=registration_form("annegret@example.org"))
    assert response.status_code == 302
    response.close()
    wait_for_deliveries(app)

    assert [m.status for m in outbox()] == [OutboxStatus.PENDING] * 2
    assert smtp.received == []
    assert len(deliver_due().sent) == 2  # the worker sends them


def test_an_outage_during_the_request_leaves_the_messages_to_the_worker(app, client, plenary, smtp):
    smtp.stop()
    response = client.post(f"/plenaries/{plenary.slug}/register", data=registration_form("annegret@example.org"))
    assert response.status_code == 302
    response.close()
    wait_for_deliveries(app)

    assert [(m.status, m.attempts) for m in outbox()] == [(OutboxStatus.PENDING, 1)] * 2
    smtp.start()
    assert len(deliver_due(now=utcnow() + timedelta(minutes=2)).sent) == 2
    assert smtp.recipient_counts() == {"annegret@example.org": 1, ORGANIZERS: 1}


# --- erasure -----------------------------------------------------------------------------------


def test_erasure_scrubs_the_registrants_messages(app, plenary, smtp):
    registration = register(plenary.id, "annegret@example.org")
    deliver_due()  # one sent message ...
    notifications.notify(db.session.get(Registration, registration.id), "registration_link")
    db.session.commit()  # ... and one still pending

    privacy.erase(registration.id)
    db.session.commit()

    # She was confirmed: one last message (plenary.calendar: its CANCEL takes the plenary out of her calendar).
    rows = [m for m in outbox() if m.registration_id == registration.id and m.kind != "registration_erased"]
    assert {m.kind for m in rows} == {"registration_confirmed", "registration_link", "organizer_new_registration"}
    for row in rows:
        assert row.recipient is None
        assert personal_data_in(row.subject + row.body_text + row.body_html, "Annegret", "Zwetschgenbaum",
                                "annegret@example.org", "Wolfsburg") == []  # fmt: skip
    # The pending one is never sent now; the farewell is, and then its address is forgotten too.
    [farewell] = deliver_due(now=utcnow() + timedelta(days=1)).sent
    assert db.session.get(OutboxMessage, farewell).kind == "registration_erased"
    assert len(smtp.received_by("annegret@example.org")) == 2
    assert {m.recipient for m in outbox() if m.registration_id == registration.id} == {None}


def test_erasure_leaves_no_personal_data_anywhere_in_the_outbox(app, plenary):
    registration = register(plenary.id, "annegret@example.org")

    privacy.erase(registration.id)
    db.session.commit()

    def check(rows):
        for row in rows:
            stored = " ".join(filter(None, (row.recipient, row.subject, row.body_text, row.body_html)))
            assert personal_data_in(stored, "Annegret", "Zwetschgenbaum", "annegret@example.org", "Wolfsburg") == [], (
                f"outbox message {row.id} ({row.kind}) still holds the erased person's data"
            )

    # Until the farewell (with the CANCEL for her calendar) is out, it holds her address and nothing else of her.
    [farewell] = [row for row in outbox() if row.kind == "registration_erased"]
    assert farewell.recipient == "annegret@example.org" and "Annegret" not in farewell.calendar_ics
    check(row for row in outbox() if row.kind != "registration_erased")
    deliver_due()
    check(outbox())


# --- headers: long subjects and display names arrive as written -----------------------------------

#: Long subjects with spaces, umlauts and Chinese; each is sent after prefixes of several lengths, so that
#: the folds (and the boundaries between encoded words) fall in ever other places.
LONG_SUBJECTS = {
    "de": "Einladung zur Vollversammlung der Städte Düsseldorf, Köln und Wolfsburg: Änderungen bei Übernachtung",
    "zh": "关于 中德工业城市联盟 第十二届 全体大会 在 杜塞尔多夫 举行 的 通知 与 日程 安排 变更",
}
PREFIXES = ("Ü", "Neu:", "Äußerst wichtig", "Bitte beachten Sie", "请注意 重要", "x" * 23, "Ö ü ä 中 德")
SENDER_NAME = 'Allianz der Industriestädte, Geschäftsstelle "Düsseldorf" (ISA) · 中德工业城市联盟 秘书处'


def test_long_subjects_and_display_names_keep_every_space_when_delivered(app, plenary, smtp, monkeypatch):
    quoted = SENDER_NAME.replace("\\", "\\\\").replace('"', '\\"')
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", f'"{quoted}" <plenary@example.org>')
    monkeypatch.setitem(app.config, "MAIL_SENDER_NAMES", {})  # no name per language: MAIL_DEFAULT_SENDER's own
    register(plenary.id, "annegret@example.org", first_name="Hans Jürgen", last_name="von Müller-Lüdenscheidt")
    register(plenary.id, "li.lei@example.cn", language="zh", first_name="雷", last_name="李", name_zh="李 雷")
    for prefix in PREFIXES:
        subjects = {lang: f"{prefix} {text}" for lang, text in LONG_SUBJECTS.items()}
        broadcasts.send(plenary.id, Draft(subject=subjects, body={"de": "Text", "zh": "正文"}), author=None)
        db.session.commit()
    run_due(JOBS[:1])  # the worker renders the broadcasts
    long_ones = {m.id: m.subject for m in outbox() if m.kind == "broadcast"}
    assert sorted(long_ones.values()) == sorted(f"{p} {t}" for p in PREFIXES for t in LONG_SUBJECTS.values())
    assert all(len(subject.encode("utf-8")) > 78 for subject in long_ones.values())  # more than a line

    deliver_due()

    stored = {m.id: m.subject for m in outbox()}
    assert len(smtp.received) == len(stored) == 4 + len(long_ones)
    for mail in smtp.received:
        message = mail.message  # as the server's standard parser (policy.default) decoded what arrived
        message_id = int(re.fullmatch(r"<outbox-(\d+)@plenary\.example\.org>", message["Message-ID"])[1])
        assert message["Subject"] == stored[message_id]
        if message_id in long_ones:
            assert "\n" in dict(message.raw_items())["Subject"]  # it was folded (and the spaces survived that)
        assert message["From"].addresses[0].display_name == SENDER_NAME
        assert message["From"].addresses[0].addr_spec == "plenary@example.org"
        assert message["Reply-To"].addresses[0].addr_spec in (ORGANIZERS, "annegret@example.org", "li.lei@example.cn")


def test_a_subject_never_carries_a_line_break(app, plenary, smtp):
    register(plenary.id, "annegret@example.org", last_name="Zwetschgenbaum\r\nBcc: victim@example.org")

    deliver_due()

    [notice] = smtp.received_by(ORGANIZERS)
    assert notice["Subject"].startswith("Neue Anmeldung: Annegret Zwetschgenbaum Bcc: victim@example.org (")
    assert notice["Bcc"] is None and smtp.recipient_counts() == {ORGANIZERS: 1, "annegret@example.org": 1}


@pytest.mark.parametrize("text", [*LONG_SUBJECTS.values(), "Vollversammlung " * 9, "Ä ö ü 中 德 " * 12])
def test_headers_decode_to_what_was_written_at_every_length(text):
    from email.message import EmailMessage

    from plenary.mail.headers import address_header, text_header

    for length in range(1, len(text) + 1):
        written = text[:length].strip()
        message = EmailMessage(policy=email.policy.SMTP)
        message["Subject"] = text_header("Subject", written)
        message["From"] = address_header("From", (written, "plenary@example.org"))
        raw = message.as_bytes()
        assert all(len(line) <= 78 for line in raw.split(b"\r\n") if not line.startswith(b"From:"))
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert parsed["Subject"] == written
        assert parsed["From"].addresses[0].display_name == written
