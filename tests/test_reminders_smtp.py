"""A reminder as a delegate in Beijing reads it, delivered through a real SMTP server (tests/test_reminders.py)."""

import email
import email.policy

import pytest
import time_machine

from plenary.mail.delivery import deliver_due
from tests.test_reminders import WEEK_BEFORE, _mails, _run, people  # noqa: F401  (the fixture)


@pytest.fixture
def app(smtp_app):
    return smtp_app


def test_reminder_read_as_delivered_through_smtp(smtp, people):  # noqa: F811
    _run(WEEK_BEFORE)
    with time_machine.travel(WEEK_BEFORE, tick=False):
        deliver_due()
    received = smtp.received_by("wei@example.cn")
    assert received, [(m.kind, m.status, m.last_error) for m in _mails()]
    [raw] = [m for m in received if "提醒" in str(m["Subject"])]
    message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    assert message["Subject"] == "提醒：第四十二届全体大会"
    body = message.get_body(("plain",)).get_content()
    assert "/join/" in body and "JOIN-LINK-TOKEN" not in body and "meet.example.org" not in body
    assert message["Reply-To"] == "plenary@example.org"
