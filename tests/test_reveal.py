"""Nothing revealed (issue 9): no stranger joins or learns about someone's registration, erasure
is complete, the download of one's data is, and names cannot reorder the lists they appear in.
Every test runs on SQLite and PostgreSQL."""

import json
import os
import re
from datetime import UTC, datetime

import lxml.html
import pytest
import sqlalchemy as sa

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.extensions import db
from plenary.mail.delivery import deliver_due
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, errors, models, notifications, privacy, signup
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import person

URL = "/plenaries/test-plenary/register?lang=en"
HEAD = {
    "salutation": "ms", "honorific": "", "first_name": "Alice", "last_name": "One", "name_zh": "",
    "organisation": "Stadt Köln", "position": "", "member_city": "", "country": "DE", "email": "alice@example.org",
    "phone": "", "attendance": "in_person", "language": "en", "dietary": "", "remarks": "", "consent_privacy": "y",
    "submit": "Register",
}  # fmt: skip


def _form(head_email: str, first_name: str, *delegates: tuple[str, str]) -> dict:
    data = HEAD | {"email": head_email, "first_name": first_name, "last_name": "Sender"}
    for i, (name, email) in enumerate(delegates):
        data |= {f"delegates-{i}-first_name": name, f"delegates-{i}-last_name": "Delegate",
                 f"delegates-{i}-email": email, f"delegates-{i}-position": "", f"delegates-{i}-attendance": "in_person"}
    return data


def _registration(email: str) -> Registration | None:
    return db.session.scalar(sa.select(Registration).where(Registration.email == email))


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _to(address: str) -> list[OutboxMessage]:
    return [m for m in _outbox() if m.recipient == address]


def _stored(message: OutboxMessage) -> str:
    return " ".join(filter(None, (message.recipient, message.subject, message.body_text, message.body_html)))


def _strip_secrets(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*|nonce="[^"]*"', "", html)


# --- 1. Enumeration and attaching strangers ----------------------------------------------------------


def _without_secrets(text: str, *tokens: str) -> str:
    """``text`` without ``tokens`` (links' tokens, addresses), check-in codes and ids (they differ per person)."""
    for token in tokens:
        text = text.replace(token, "TOKEN")
    text = re.sub(r"<svg.*?</svg>", "QR", text, flags=re.S)  # the check-in QR code: one's own code
    text = re.sub(r"<code>[^<]*</code>", "CODE", text)
    return re.sub(r"\d+", "N", _strip_secrets(text))


def test_a_known_head_address_attaches_nobody_and_tells_the_attacker_nothing(client, open_plenary):
    open_plenary(capacity_in_person=10)
    assert client.post(URL, data=_form("alice@example.org", "Alice")).status_code == 302
    alice = _registration("alice@example.org")
    alice_messages = len(_to("alice@example.org"))
    last_before = _outbox()[-1].id

    # The attack from the issue: Alice's address as head, a delegate at the attacker's own address.
    attack = client.post(URL, data=_form("alice@example.org", "Mallory", ("Eve", "eve@attacker.example")))
    # The same submission with an address nobody registered, for comparison.
    control = client.post(URL, data=_form("nobody@example.org", "Mallory", ("Eve", "eve2@attacker.example")))

    assert attack.status_code == control.status_code == 302
    assert attack.headers["Location"] == control.headers["Location"]
    assert attack.get_data() == control.get_data()
    sent = [_strip_secrets(client.get(r.headers["Location"]).get_data(as_text=True)) for r in (attack, control)]
    assert sent[0] == sent[1]

    # The attacker's mailbox: the same messages, word for word, whether the head's address was known or not.
    eve, eve2 = _registration("eve@attacker.example"), _registration("eve2@attacker.example")
    tokens = (token_for(eve), token_for(eve2), eve.email, eve2.email)  # what differs by design
    attacked, controlled = _to("eve@attacker.example"), _to("eve2@attacker.example")
    assert [m.kind for m in attacked] == [m.kind for m in controlled] == ["registration_confirmed"]
    for a, c in zip(attacked, controlled, strict=True):
        assert a.subject == c.subject
        assert _without_secrets(a.body_text, *tokens) == _without_secrets(c.body_text, *tokens)
        assert _without_secrets(a.body_html, *tokens) == _without_secrets(c.body_html, *tokens)
        assert (a.calendar_method, a.status) == (c.calendar_method, c.status)
    assert "Mallory Sender has registered you" in attacked[0].body_text  # the head as typed, in both
    # Their personal pages and data downloads say the same.
    pages = [client.get(f"/registrations/{t}?lang=en").get_data(as_text=True) for t in tokens[:2]]
    assert "Registered by <bdi>Mallory Sender</bdi>" in pages[0]
    assert _without_secrets(pages[0], *tokens) == _without_secrets(pages[1], *tokens)
    downloads = [json.loads(client.get(f"/registrations/{t}/data.json").data) for t in tokens[:2]]
    assert downloads[0]["registered_by"] == downloads[1]["registered_by"] == "Mallory Sender"
    assert downloads[0].keys() == downloads[1].keys()

    # Alice's registration is unchanged and nobody is attached to it; the control's head has Eve's twin.
    assert (alice.first_name, alice.last_name, alice.delegates) == ("Alice", "Sender", [])
    assert eve.delegation_head_id is None and eve.registered_by_name == "Mallory Sender"
    assert eve2.delegation_head_id == _registration("nobody@example.org").id
    # Nothing anyone else receives names her.
    for message in _outbox():
        if message.id > last_before and message.recipient != "alice@example.org":
            assert "Alice" not in _stored(message), (message.kind, message.recipient)
    # Alice hears of it at her own address: her link, and the names registered on their own.
    notice = _to("alice@example.org")[alice_messages:]
    assert [m.kind for m in notice] == ["registration_delegates_proposed"]
    assert notice[0].subject.startswith("Delegates registered with your address")
    assert "Eve Delegate" in notice[0].body_text and "not as members of your delegation" in notice[0].body_text
    assert "replying to this message" in notice[0].body_text
    assert "PERSONAL-LINK-TOKEN" in notice[0].body_text


def test_a_known_delegate_is_not_attached_and_the_submitter_cannot_tell(client, open_plenary):
    open_plenary(capacity_in_person=4)
    client.post(URL, data=_form("bob@example.org", "Bob"))
    bob = _registration("bob@example.org")
    # 1 seat taken; the head, Bob (known) and Carol take the other three, exactly as if Bob were new.
    client.post(URL, data=_form("mallory@example.org", "Mallory", ("Bob", "bob@example.org"),
                                ("Carol", "carol@example.org"), ("Dave", "dave@example.org")))  # fmt: skip
    mallory = _registration("mallory@example.org")
    assert bob.delegation_head_id is None and bob.first_name == "Bob"
    assert [d.email for d in mallory.delegates] == ["carol@example.org", "dave@example.org"]
    # Known addresses count like new ones: Carol has the last seat, Dave waits (as if Bob were new).
    assert [d.status for d in mallory.delegates] == ["confirmed", "waitlisted"]
    # Bob hears of it at his own address only; nothing he has is shown to the submitter.
    assert [m.kind for m in _to("bob@example.org")][-1] == "registration_link"
    token = token_for(mallory)
    page = client.get(f"/registrations/{token}?lang=en").get_data(as_text=True)
    download = client.get(f"/registrations/{token}/data.json").get_data(as_text=True)
    mail = " ".join(_stored(m) for m in _to("mallory@example.org"))
    for seen_by_submitter in (page, download, mail):
        assert "Bob" not in seen_by_submitter and "bob@example.org" not in seen_by_submitter
    # The head's page lists the people this submission registered (issue 11), nothing of Bob's registration.
    assert "Carol" in page and "Dave" in page
    assert "Carol" not in download and "Carol" not in mail


def test_capacity_counts_known_addresses_like_new_ones(open_plenary, make_plenary):
    """Without the rule, a full plenary answers "full" for new and "sent" for known delegates, or the reverse."""
    plenary = open_plenary(capacity_in_person=3, waitlist=False)
    signup.register(plenary.id, person("bob@example.org"))
    db.session.commit()
    delegate = {"first_name": "Bob", "last_name": "B", "position": None, "attendance": "in_person",
                "organisation": "X", "language": "de"}  # fmt: skip
    carol = delegate | {"first_name": "Carol", "email": "carol@example.org"}
    # Two seats are left for three people: "full", whether the first delegate's address is known or not.
    for email in ("bob@example.org", "new@example.org"):
        with pytest.raises(errors.CapacityReached):
            signup.register(plenary.id, person("head@example.org"), [delegate | {"email": email}, carol])
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_duplicates_and_the_heads_own_address_are_registered_once(open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    delegate = {"first_name": "Li", "last_name": "Wang", "position": None, "attendance": "in_person",
                "organisation": "X", "language": "de"}  # fmt: skip
    result = signup.register(plenary.id, person("head@example.org"), [
        delegate | {"email": "head@example.org"}, delegate | {"email": "li@example.org"},
        delegate | {"email": "li@example.org", "first_name": "Other"},
    ])  # fmt: skip
    db.session.commit()
    assert [r.email for r in result.created] == ["head@example.org", "li@example.org"]
    assert result.already_registered == []
    assert [m.kind for m in _to("head@example.org")] == ["registration_confirmed"]
    assert [m.kind for m in _to("li@example.org")] == ["registration_confirmed"]
    assert _registration("li@example.org").first_name == "Li"


def test_the_head_adds_delegates_on_their_own_page(client, open_plenary):
    open_plenary(capacity_in_person=10)
    client.post(URL, data=_form("alice@example.org", "Alice"))
    client.post(URL, data=_form("bob@example.org", "Bob"))
    alice, bob = _registration("alice@example.org"), _registration("bob@example.org")
    token = token_for(alice)
    page = client.get(f"/registrations/{token}?lang=en").get_data(as_text=True)
    assert f"/registrations/{token}/delegates" in page

    for name, email in (("Eve", "eve@example.org"), ("Bob", "bob@example.org")):
        response = client.post(f"/registrations/{token}/delegates?lang=en", data={
            "delegate-first_name": name, "delegate-last_name": "Delegate", "delegate-email": email,
            "delegate-position": "", "delegate-attendance": "in_person"})  # fmt: skip
        assert response.status_code == 302 and "done=delegate_added" in response.headers["Location"]
    eve = _registration("eve@example.org")
    assert eve.delegation_head_id == alice.id and eve.organisation == "Stadt Köln"
    assert bob.delegation_head_id is None  # a known address joins nobody's delegation
    assert "Alice" in _to("eve@example.org")[0].body_text
    assert "Alice" not in " ".join(_stored(m) for m in _to("bob@example.org"))
    # A delegate cannot add people (one level of delegation); a wrong token is a 404.
    assert "done=not_possible" in client.get(f"/registrations/{token_for(eve)}/delegates").headers["Location"]
    assert client.get("/registrations/not-a-token/delegates").status_code == 404


# --- 2. Erasure is complete; the download is complete --------------------------------------------------


def _delegation(open_plenary):
    plenary = open_plenary(capacity_in_person=10)
    delegate = {"first_name": "Li", "last_name": "Wang", "position": None, "attendance": "in_person",
                "organisation": "Stadt Köln", "language": "en"}  # fmt: skip
    head = person("zoe@example.org", first_name="Zoë", last_name="O'Brien-Zwetschgenbaum", honorific=None)
    result = signup.register(plenary.id, head, [delegate | {"email": "li@example.org"}])
    db.session.commit()
    return result.created


def test_erasing_a_head_removes_their_name_from_their_delegates_messages(app, client, open_plenary):
    head, li = _delegation(open_plenary)
    assert li.registered_by_name == "Zoë O'Brien-Zwetschgenbaum"
    deliver_due()  # the file backend writes an .eml copy of each message
    directory = app.config["MAIL_FILE_DIR"]
    before = [m for m in _to("li@example.org")]
    assert before and "Zoë O'Brien-Zwetschgenbaum has registered you" in before[0].body_text
    assert "Zoë O&#39;Brien-Zwetschgenbaum" in before[0].body_html  # escaped in the HTML part
    notifications.notify(li, "registration_link")  # and one still waiting to be sent
    db.session.commit()

    privacy.erase(head.id)
    db.session.commit()

    to_li = _to("li@example.org")
    assert [m.kind for m in to_li] == ["registration_confirmed", "registration_link"]
    for message in _outbox():
        assert "Zwetschgenbaum" not in _stored(message), (message.kind, message.recipient)
        assert "Brien" not in _stored(message)
    assert to_li[1].status == "pending"  # Li's own mail still goes out, without the head's name
    for name in os.listdir(directory):
        with open(os.path.join(directory, name), "rb") as eml:
            content = eml.read().decode("utf-8", "replace")
        assert "Zwetschgenbaum" not in content and "Wnetschgenbaum" not in content, name
    assert not any(name.startswith(f"{to_li[0].id:06d}-") for name in os.listdir(directory))
    assert li.first_name == "Li" and li.email == "li@example.org"  # the delegate's own data stays
    # Who registered them was the head's name too: replaced, on their page and in their download.
    assert li.registered_by_name == models.ERASED == li.registered_by
    page = client.get(f"/registrations/{token_for(li)}?lang=en").get_data(as_text=True)
    download = client.get(f"/registrations/{token_for(li)}/data.json").get_data(as_text=True)
    assert "Zwetschgenbaum" not in page and "Zwetschgenbaum" not in download
    assert li.registered_by_erased and "the person who registered you has since deleted their data" in page
    assert "Registered by — " not in page
    notifications.notify_status(li)  # the first message again (as after an approval): no "— has registered you"
    notifications.notify(li, "registration_link")  # a later message: no delegation sentence at all
    db.session.commit()
    first, later = _outbox()[-2:]
    assert "A member of your delegation has registered you" in first.body_text
    assert "— has registered" not in first.body_text + first.body_html
    assert "registered you" not in later.body_text + later.body_html
    # Erasing the delegate themselves forgets it altogether.
    privacy.erase(li.id)
    db.session.commit()
    assert li.registered_by_name is None


def test_the_download_holds_everything_about_the_person(client, open_plenary):
    head, li = _delegation(open_plenary)
    changes.cancel(li.id)
    db.session.commit()
    changes.reactivate(li.id)
    db.session.commit()
    attendance.record_arrival(li, AttendanceChannel.HALL, AttendanceSource.DOOR, by="door@isa.example",
                              at=datetime(2031, 10, 15, 7, 12, tzinfo=UTC))  # fmt: skip
    db.session.commit()
    data = json.loads(client.get(f"/registrations/{token_for(li)}/data.json").data)

    assert [(a["channel"], a["source"], a["first_seen_at"][:16]) for a in data["attendance"]] == [
        ("hall", "door", "2031-10-15T07:12")]
    assert "door@isa.example" not in json.dumps(data)  # the organizer's account is not the person's data
    assert data["registered_by"] == "Zoë O'Brien-Zwetschgenbaum"
    assert data["consent_privacy_at"] is None and "consent_listing_at" in data
    statuses = [entry["changes"].get("status") for entry in data["history"]]
    assert statuses == [[None, "confirmed"], ["confirmed", "cancelled"], ["cancelled", "confirmed"]]
    assert all(entry["at"] and entry["by"] for entry in data["history"])
    kinds = [m["kind"] for m in data["messages"]]
    assert kinds == ["registration_confirmed", "registration_cancelled", "registration_confirmed"]
    stored = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "li@example.org")
                                     .order_by(OutboxMessage.id)))  # fmt: skip
    assert [(m["subject"], m["status"], m["text"], m["html"]) for m in data["messages"]] == [
        (m.subject, m.status, m.body_text, m.body_html) for m in stored]  # fmt: skip
    assert all(m["created_at"] for m in data["messages"]) and "Dear" in data["messages"][0]["text"]
    # The head's download does not list the delegates (their registrations are theirs).
    head_data = json.loads(client.get(f"/registrations/{token_for(head)}/data.json").data)
    assert "Li" not in json.dumps(head_data["history"]) and "delegates" not in head_data


# --- 3. Names cannot reorder the lists they appear in ---------------------------------------------------

RLO = "\u202e"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
        "\u200f", "\u061c"]  # fmt: skip


def _stored_name(registration: Registration, first_name: str) -> None:
    """A legacy value stored before input was checked (no form refuses it then)."""
    db.session.execute(sa.update(Registration).where(Registration.id == registration.id)
                       .values(first_name=first_name, organisation=f"Org{RLO}evil", consent_listing=True))
    db.session.commit()


def _holders(html: str, char: str) -> list:
    """The elements whose own text holds ``char``; fails if it is loose text after a child element."""
    holders = []
    for element in lxml.html.fromstring(html).iter():
        if element.tag in ("title", "option", "script", "style") or not isinstance(element.tag, str):
            continue
        assert char not in (element.tail or ""), f"{char!r} loose in <{element.getparent().tag}>"
        if char in (element.text or ""):
            holders.append(element)
    return holders


BLOCKS = {"td", "th", "dd", "dt", "li", "p", "div", "h1", "h2", "h3"}


def _isolating(element) -> bool:
    """True if ``element`` keeps its text from reordering anything else.

    An isolating element (bdi, or dir="auto"), or a block holding nothing but that value: the
    bidi algorithm works per block (paragraph), so nothing else shares its embedding.
    """
    return element.tag == "bdi" or element.get("dir") == "auto" or (element.tag in BLOCKS and len(element) == 0)


@pytest.mark.parametrize("control", BIDI)
def test_bidi_controls_in_names_stay_inside_their_own_element_on_the_public_list(client, open_plenary, control):
    plenary = open_plenary(capacity_in_person=10)
    first = signup.register(plenary.id, person("aa@example.org", first_name="aa", consent_listing=True)).created[0]
    db.session.commit()
    signup.register(plenary.id, person("bb@example.org", first_name="bb", consent_listing=True))
    db.session.commit()
    _stored_name(first, f"Anna{control}")
    plenary.participants_published = True
    db.session.commit()
    html = client.get("/plenaries/test-plenary?lang=en").get_data(as_text=True)
    holders = _holders(html, control) + _holders(html, RLO)
    assert len(holders) >= 2, "the stored values are shown"
    for element in holders:
        # Each control sits in an isolating element of its own value: it cannot reach the text after it.
        assert _isolating(element) and len(element) == 0, lxml.html.tostring(element)
    items = lxml.html.fromstring(html).xpath('//ul[contains(@class, "participant-list")]/li')
    assert len(items) == 2 and "bb" in items[1].text_content() and control not in items[1].text_content()


def test_bidi_controls_stay_isolated_in_the_back_office_list_and_the_personal_page(client, open_plenary, accounts):
    from tests.conftest import login

    plenary = open_plenary(capacity_in_person=10)
    registration = signup.register(plenary.id, person("aa@example.org")).created[0]
    db.session.commit()
    _stored_name(registration, f"Anna{RLO}")
    pages = [client.get(f"/registrations/{token_for(registration)}?lang=en").get_data(as_text=True)]
    login(client, "organizer@isa.example")
    pages.append(client.get(f"/admin/plenaries/{plenary.slug}/registrations?lang=en").get_data(as_text=True))
    pages.append(client.get(f"/admin/registrations/{registration.id}?lang=en").get_data(as_text=True))
    for html in pages:
        holders = _holders(html, RLO)
        assert len(holders) >= 2, html[:200]  # name and organisation
        for element in holders:
            assert _isolating(element) and len(element) == 0, lxml.html.tostring(element)
