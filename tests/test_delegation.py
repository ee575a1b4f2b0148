"""Heads of delegation manage their delegation; each delegate has their own details; changing one's email (issue 11)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from markupsafe import escape

from plenary.events.editing import set_status
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import privacy, signup
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import person
from tests.helpers import calendar_messages, count_queries, entries

HOSTILE = '"><img src=x onerror=alert(1)><script>x()</script>'


def _colleague(email: str, **values) -> dict:
    data = person(email, first_name="Jonas", last_name="Becker", honorific=None, salutation="mr")
    return data | values


def _delegation(plenary, head_email="anna@example.org", colleagues=("jonas@example.org",), **head_values):
    """A head and their colleagues registered in one submission (committed); returns (head, [colleagues])."""
    result = signup.register(plenary.id, person(head_email, salutation="ms", **head_values),
                             [_colleague(email) for email in colleagues])  # fmt: skip
    db.session.commit()
    head = next(r for r in result.created if r.email == head_email)
    return head, [r for r in result.created if r is not head]


def _messages(address: str, kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.recipient == address).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def _page(client, registration, lang="en") -> str:
    response = client.get(f"/registrations/{token_for(registration)}?lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _done(response) -> str:
    assert response.status_code == 302
    return re.search(r"done=(\w+)", response.headers["Location"]).group(1)


# The head's page -------------------------------------------------------------------------------------------------


def test_the_heads_page_lists_only_the_colleagues_their_submissions_registered(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    known = signup.register(plenary.id, person("known@example.org", first_name="Known", last_name="Person"))
    other_head, (other_colleague,) = _delegation(plenary, "other@example.org", ("otto@example.org",))
    db.session.commit()
    result = signup.register(plenary.id, person("anna@example.org"),
                             [_colleague("jonas@example.org", first_name=HOSTILE, name_zh="贝克"),
                              _colleague("known@example.org", first_name="Known", last_name="Person")])  # fmt: skip
    db.session.commit()
    head = result.created[0]
    assert known.created[0].delegation_head_id is None  # a known address is never attached
    page = _page(client, head)
    section = page.split('id="delegation-title"')[1].split("</section>")[0]
    assert str(escape(HOSTILE)) in section and HOSTILE not in page and "贝克" in section
    assert "Known" not in section and "Otto" not in section and "known@example.org" not in page
    assert "Confirmed" in section and "In person" in section
    # The buttons the rules allow, each for this colleague only.
    jonas = result.created[1]
    for endpoint in ("cancel", "resend", "attendance"):
        assert f"/registrations/{token_for(head)}/delegation/{jonas.id}/{endpoint}" in section
    assert f"/delegation/{other_colleague.id}/" not in page
    # A colleague's own page says who registered them and lists nobody.
    own = _page(client, jonas)
    assert "Registered by" in own and "/delegation/" not in own


def test_the_heads_page_costs_the_same_queries_for_two_or_six_colleagues(client, open_plenary):
    plenary = open_plenary(capacity_in_person=20)
    small, _ = _delegation(plenary, "small@example.org", [f"s{i}@example.org" for i in range(2)])
    large, _ = _delegation(plenary, "large@example.org", [f"l{i}@example.org" for i in range(6)])
    counts = []
    for head in (small, large):
        with count_queries() as counter:
            _page(client, head)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts


def test_an_erased_colleague_shows_as_erased_and_offers_no_action(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, (jonas,) = _delegation(plenary)
    privacy.erase(jonas.id)
    db.session.commit()
    section = _page(client, head).split('id="delegation-title"')[1].split("</section>")[0]
    assert "erased their data" in section and "Jonas" not in section and "/delegation/" not in section
    for endpoint in ("resend", "attendance"):
        url = f"/registrations/{token_for(head)}/delegation/{jonas.id}/{endpoint}"
        assert _done(client.post(url, data={"attendance": "online"})) == "not_possible"
    assert _done(client.get(f"/registrations/{token_for(head)}/delegation/{jonas.id}/cancel")) == "not_possible"


# The head's actions ----------------------------------------------------------------------------------------------


def test_the_head_cancels_a_colleague_who_is_told_with_a_calendar_cancel(client, open_plenary):
    plenary = open_plenary(capacity_in_person=2)
    head, (jonas,) = _delegation(plenary)
    waiting = signup.register(plenary.id, person("wait@example.org")).created[0]
    db.session.commit()
    assert waiting.status == "waitlisted"
    url = f"/registrations/{token_for(head)}/delegation/{jonas.id}/cancel"
    ask = client.get(url + "?lang=de")
    assert ask.status_code == 200 and "Jonas Becker" in ask.get_data(as_text=True)
    assert db.session.get(Registration, jonas.id).status == "confirmed"  # asking changes nothing
    assert _done(client.post(url)) == "colleague_cancelled"
    db.session.expire_all()
    assert db.session.get(Registration, jonas.id).status == "cancelled"
    assert db.session.get(Registration, head.id).status == "confirmed"
    assert db.session.get(Registration, waiting.id).status == "confirmed"  # the freed seat went on
    (told,) = _messages("jonas@example.org", "registration_cancelled_by_head")
    assert told.calendar_method == "CANCEL" and "Dr. Anna Schmidt" in told.body_text
    assert told.body_text.startswith("Sehr geehrter Herr Becker,")
    assert "ATTENDEE" in told.calendar_ics and "jonas@example.org" in told.calendar_ics
    assert not [m for m in _messages("anna@example.org") if "cancelled" in m.kind]
    (entry,) = entries("registration.head_cancel")
    assert entry.object_id == jonas.id and entry.actor_kind == "registrant"
    # Each colleague keeps their own link: Jonas can register again himself.
    assert "/reactivate" in _page(client, db.session.get(Registration, jonas.id))


def test_the_head_resends_a_colleagues_link_to_the_colleague_never_to_the_head(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, (jonas,) = _delegation(plenary)
    before_head = len(_messages("anna@example.org"))
    response = client.post(f"/registrations/{token_for(head)}/delegation/{jonas.id}/resend")
    assert _done(response) == "colleague_resent"
    (resent,) = _messages("jonas@example.org", "registration_link_resent")
    assert resent.registration_id == jonas.id and resent.calendar_method == "REQUEST"
    assert "Dr. Anna Schmidt" in resent.body_text
    assert "has registered you" not in resent.body_text  # the delegation sentence is for the first message only
    assert len(_messages("anna@example.org")) == before_head
    assert [e.object_id for e in entries("registration.head_resend")] == [jonas.id]


def test_the_head_changes_a_colleagues_attendance_and_capacity_rules_apply(client, open_plenary):
    plenary = open_plenary(capacity_in_person=2, capacity_online=None, waitlist=False)
    head, (jonas,) = _delegation(plenary)
    url = f"/registrations/{token_for(head)}/delegation/{jonas.id}/attendance"
    assert _done(client.post(url, data={"attendance": "online"})) == "colleague_attendance"
    db.session.expire_all()
    assert db.session.get(Registration, jonas.id).attendance == "online"
    (updated,) = _messages("jonas@example.org", "registration_updated")
    assert "Dr. Anna Schmidt" in updated.body_text  # who did it (the delegation sentence is not repeated)
    assert [e.changes for e in entries("registration.head_switch")] == [{"attendance": ["in_person", "online"]}]
    # The freed hall seat is taken by someone else: back to the hall is refused, nothing changes.
    signup.register(plenary.id, person("third@example.org"))
    db.session.commit()
    assert _done(client.post(url, data={"attendance": "in_person"})) == "full"
    db.session.expire_all()
    assert db.session.get(Registration, jonas.id).attendance == "online"


def test_a_head_cannot_touch_another_heads_colleague_or_an_unknown_id(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, _ = _delegation(plenary)
    _other, (otto,) = _delegation(plenary, "other@example.org", ("otto@example.org",))
    for colleague_id in (otto.id, 999999, head.id):
        base = f"/registrations/{token_for(head)}/delegation/{colleague_id}"
        assert _done(client.post(base + "/cancel")) == "not_possible"
        assert _done(client.post(base + "/resend")) == "not_possible"
        assert _done(client.post(base + "/attendance", data={"attendance": "online"})) == "not_possible"
    db.session.expire_all()
    assert db.session.get(Registration, otto.id).status == "confirmed"
    assert db.session.get(Registration, otto.id).attendance == "in_person"
    assert _messages("otto@example.org", "registration_link_resent") == []
    # A colleague is no head: they cannot act on the head or on a fellow colleague.
    head2, (a, b) = _delegation(plenary, "h2@example.org", ("a@example.org", "b@example.org"))
    assert _done(client.post(f"/registrations/{token_for(a)}/delegation/{b.id}/cancel")) == "not_possible"
    assert db.session.get(Registration, b.id).status == "confirmed"


def test_no_head_actions_once_the_plenary_is_cancelled(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, (jonas,) = _delegation(plenary)
    set_status(plenary, "cancelled", "cancel")
    db.session.commit()
    section = _page(client, head).split('id="delegation-title"')[1].split("</section>")[0]
    assert "Jonas Becker" in section and "/delegation/" not in section
    base = f"/registrations/{token_for(head)}/delegation/{jonas.id}"
    assert _done(client.post(base + "/resend")) == "not_possible"
    assert _done(client.post(base + "/cancel")) == "not_possible"
    assert _messages("jonas@example.org", "registration_link_resent") == []


# Each delegate's own details -------------------------------------------------------------------------------------


SIGNUP = {
    "salutation": "ms", "honorific": "Dr.", "first_name": "Anna", "last_name": "Schmidt", "name_zh": "",
    "organisation": "Stadt Köln", "position": "", "member_city": "", "country": "DE", "email": "anna@example.org",
    "phone": "", "attendance": "in_person", "language": "de", "dietary": "", "remarks": "", "consent_privacy": "y",
    "submit": "1",
}  # fmt: skip


def test_each_delegate_has_their_own_greeting_language_and_needs(client, open_plenary):
    open_plenary(capacity_in_person=10)
    rows = {
        "delegates-0-salutation": "mr", "delegates-0-honorific": "", "delegates-0-first_name": "Jonas",
        "delegates-0-last_name": "Becker", "delegates-0-email": "jonas@example.org", "delegates-0-language": "",
        "delegates-0-attendance": "online", "delegates-0-dietary": "vegan", "delegates-0-interpretation": "y",
        "delegates-1-salutation": "mr", "delegates-1-honorific": "市长", "delegates-1-first_name": "Wei",
        "delegates-1-last_name": "Zhang", "delegates-1-name_zh": "张伟", "delegates-1-email": "wei@example.cn",
        "delegates-1-language": "zh", "delegates-1-attendance": "in_person", "delegates-1-dietary": HOSTILE,
        "delegates-2-salutation": "ms", "delegates-2-first_name": "Mary", "delegates-2-last_name": "Major",
        "delegates-2-email": "mary@example.org", "delegates-2-language": "en", "delegates-2-attendance": "in_person",
    }  # fmt: skip
    assert client.post("/plenaries/test-plenary/register", data=SIGNUP | rows).status_code == 302
    jonas, wei, mary = (db.session.scalar(sa.select(Registration).where(Registration.email == e))
                        for e in ("jonas@example.org", "wei@example.cn", "mary@example.org"))  # fmt: skip
    assert (jonas.salutation, jonas.language, jonas.attendance, jonas.dietary, jonas.interpretation) == (
        "mr", "de", "online", "vegan", True)  # no language chosen: the head's
    assert (wei.language, wei.name_zh, wei.honorific, wei.dietary, wei.interpretation) == (
        "zh", "张伟", "市长", HOSTILE, False)
    (to_jonas,) = _messages("jonas@example.org")
    assert to_jonas.body_text.startswith("Sehr geehrter Herr Becker,")  # not "Guten Tag Jonas Becker"
    (to_wei,) = _messages("wei@example.cn")
    assert to_wei.language == "zh" and to_wei.body_text.startswith("尊敬的张先生：")
    (to_mary,) = _messages("mary@example.org")
    assert to_mary.language == "en" and to_mary.body_text.startswith("Dear Ms Major,")
    # The first message says who registered them, once (needs the catalogues for de/zh wording).
    assert "Anna Schmidt" in to_mary.body_text and "has registered you for the" in to_mary.body_text
    # The hostile dietary value is text on the colleague's page.
    page = _page(client, wei)
    assert str(escape(HOSTILE)) in page and HOSTILE not in page


def test_the_sign_up_form_offers_each_delegate_their_own_fields_and_keeps_them_on_error(client, open_plenary):
    open_plenary()
    body = client.post("/plenaries/test-plenary/register?lang=zh", data=SIGNUP | {"add_delegate": "1"}).get_data(
        as_text=True)
    for name in ("salutation", "honorific", "first_name", "last_name", "name_zh", "email", "position", "attendance",
                 "language", "interpretation", "dietary"):  # fmt: skip
        assert f'name="delegates-0-{name}"' in body, name
    assert "<details" in body
    rows = {"delegates-0-first_name": "Wei", "delegates-0-last_name": "", "delegates-0-email": "wei@example.cn",
            "delegates-0-name_zh": "张伟" * 30, "delegates-0-language": "zh"}  # fmt: skip
    response = client.post("/plenaries/test-plenary/register", data=SIGNUP | rows)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'value="wei@example.cn"' in body and "张伟" * 30 in body
    assert re.search(r"<details[^>]*open", body)  # the too-long Chinese name is shown, not hidden
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_the_add_delegate_form_takes_the_same_own_details(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, _ = _delegation(plenary, colleagues=())
    url = f"/registrations/{token_for(head)}/delegates"
    form = client.get(url).get_data(as_text=True)
    assert 'name="delegate-salutation"' in form and 'name="delegate-language"' in form
    data = {"delegate-salutation": "mr", "delegate-honorific": "Prof.", "delegate-first_name": "Jonas",
            "delegate-last_name": "Becker", "delegate-email": "jonas@example.org", "delegate-language": "en",
            "delegate-attendance": "online", "delegate-interpretation": "y", "delegate-name_zh": "贝克"}  # fmt: skip
    assert _done(client.post(url, data=data)) == "delegate_added"
    jonas = db.session.scalar(sa.select(Registration).where(Registration.email == "jonas@example.org"))
    assert (jonas.salutation, jonas.honorific, jonas.language, jonas.interpretation, jonas.name_zh) == (
        "mr", "Prof.", "en", True, "贝克")
    assert jonas.delegation_head_id == head.id and jonas.organisation == head.organisation
    (message,) = _messages("jonas@example.org")
    assert message.language == "en" and message.body_text.startswith("Dear Mr Prof. Becker,")


# Changing one's email address ------------------------------------------------------------------------------------


def _confirm_url(address: str) -> str:
    (message,) = _messages(address, "registration_email_confirm")
    url = re.search(r"https://plenary\.example\.org(/registrations/email/[^\s?]+)", message.body_text).group(1)
    return url


def test_changing_ones_email_is_confirmed_from_the_new_address(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, _ = _delegation(plenary, colleagues=())
    old_token = token_for(head)
    page = _page(client, head)
    assert f"/registrations/{old_token}/email" in page
    response = client.post(f"/registrations/{old_token}/email", data={"new_email": "Anna.New@Example.org"})
    assert _done(response) == "email_sent"
    db.session.expire_all()
    assert db.session.get(Registration, head.id).email == "anna@example.org"  # nothing changes yet
    (told,) = _messages("anna@example.org", "registration_email_requested")
    assert "anna.new@example.org" not in told.body_text
    url = _confirm_url("anna.new@example.org")
    confirm_mail = _messages("anna.new@example.org")[0]
    assert "/registrations/" + old_token not in confirm_mail.body_text + confirm_mail.body_html  # no personal link
    shown = client.get(url)  # opening the link (a mail scanner too) changes nothing
    assert shown.status_code == 200 and "anna.new@example.org" in shown.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, head.id).email == "anna@example.org"
    done = client.post(url)
    assert _done(done) == "email_changed"
    db.session.expire_all()
    changed = db.session.get(Registration, head.id)
    assert changed.email == "anna.new@example.org"
    assert client.get(f"/registrations/{old_token}").status_code == 404  # the old link was renewed
    assert token_for(changed) in done.headers["Location"]
    # Calendar: the old address's copy is cancelled, the new one invited (ATTENDEE changes).
    (cancel,) = calendar_messages("anna@example.org")[-1:]
    assert cancel.calendar_method == "CANCEL" and "mailto:anna@example.org" in cancel.calendar_ics.lower()
    assert cancel.kind == "registration_email_moved" and cancel.final_reason is None  # not superseded: it goes
    assert cancel.status in ("pending", "sent")
    (invite,) = calendar_messages("anna.new@example.org")
    assert invite.calendar_method == "REQUEST" and "mailto:anna.new@example.org" in invite.calendar_ics.lower()
    assert entries("registration.email_change")[0].object_id == head.id
    # Replay: the link worked once.
    replay = client.post(url + "?lang=en")
    assert replay.status_code == 404 and "no longer valid" in replay.get_data(as_text=True)
    assert db.session.get(Registration, head.id).email == "anna.new@example.org"


def test_the_confirmation_link_expires(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, _ = _delegation(plenary, colleagues=())
    client.post(f"/registrations/{token_for(head)}/email", data={"new_email": "new@example.org"})
    url = _confirm_url("new@example.org")
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=25)):
        expired = client.post(url + "?lang=en")
    assert expired.status_code == 404 and "expired" in expired.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, head.id).email == "anna@example.org"
    tampered = client.get(url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"))
    assert tampered.status_code == 404


def test_a_taken_address_gets_the_same_answer_and_no_link(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, (jonas,) = _delegation(plenary)
    before = len(_messages("jonas@example.org"))
    response = client.post(f"/registrations/{token_for(head)}/email", data={"new_email": "jonas@example.org"})
    assert _done(response) == "email_sent"  # the same answer as for a free address
    assert len(_messages("jonas@example.org")) == before  # nothing went to the taken address
    assert _messages("anna@example.org", "registration_email_requested")
    page = client.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "If this address can be used" in page
    # Taken between the request and the confirmation: a clear message, nothing changed.
    client.post(f"/registrations/{token_for(head)}/email", data={"new_email": "late@example.org"})
    url = _confirm_url("late@example.org")
    signup.register(plenary.id, person("late@example.org"))
    db.session.commit()
    refused = client.post(url + "?lang=en")
    assert refused.status_code == 409 and "cannot be used" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, head.id).email == "anna@example.org"


@pytest.mark.parametrize("value", ["<script>x()</script>@example.org", '"><img src=x onerror=alert(1)>',
                                   "=HYPERLINK(\"http://evil\")", "a\u202e@example.org", "a" * 300 + "@example.org",
                                   "anna@example.org\r\nBcc: all@example.org", "张伟@例子"])  # fmt: skip
def test_hostile_new_addresses_are_refused_with_the_value_kept(client, open_plenary, value):
    plenary = open_plenary(capacity_in_person=10)
    head, _ = _delegation(plenary, colleagues=())
    count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    response = client.post(f"/registrations/{token_for(head)}/email?lang=de", data={"new_email": value})
    body = response.get_data(as_text=True)
    assert response.status_code == 400, value
    assert "<script>x()" not in body and "<img src=x" not in body
    assert 'id="new_email-error"' in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == count
    db.session.expire_all()
    assert db.session.get(Registration, head.id).email == "anna@example.org"


def test_the_same_address_is_told_and_sends_nothing(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, _ = _delegation(plenary, colleagues=())
    response = client.post(f"/registrations/{token_for(head)}/email?lang=en", data={"new_email": "ANNA@example.org"})
    assert response.status_code == 400 and "already the address" in response.get_data(as_text=True)
    assert _messages("anna@example.org", "registration_email_requested") == []


# The personal page on a phone --------------------------------------------------------------------------------------


def test_status_and_checkin_code_come_before_the_agenda(client, open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    head, _ = _delegation(plenary, colleagues=())
    page = _page(client, head)
    status, qr, agenda = (page.index(marker) for marker in ('id="status-title"', 'class="qr-code"',
                                                              'id="agenda-title"'))  # fmt: skip
    assert status < qr < agenda


def test_the_delegation_sentence_names_the_plenary_in_the_messages_language(open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    signup.register(plenary.id, person("anna@example.org"),
                    [_colleague("wei@example.cn", language="zh"), _colleague("mary@example.org", language="en")])
    db.session.commit()
    (to_wei,) = _messages("wei@example.cn")
    (to_mary,) = _messages("mary@example.org")
    number = plenary.number
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    assert f"for the {number}{suffix} Plenary Assembly" in to_mary.body_text
    after_name = to_wei.body_text.split("Dr. Anna Schmidt")[1][:60]
    assert f"{number}." not in after_name and "届" in after_name  # 第…届, not the German "42."
