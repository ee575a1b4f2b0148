"""Registration rules, tested on the services directly (both databases)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from plenary.events.editing import save_plenary
from plenary.events.exchange import export_plenary
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.members.models import Member
from plenary.registration import changes, errors, models, organizer, privacy, signup
from plenary.registration.models import Registration
from plenary.registration.tokens import hash_token, token_for
from tests.conftest import person


def _register(plenary, email, **overrides):
    result = signup.register(plenary.id, person(email, **overrides))
    db.session.commit()
    return result.created[0] if result.created else result.already_registered[0]


def _messages(registration) -> list[str]:
    """The kinds of message sent to the registrant (not the organizers' notices about them)."""
    return list(db.session.scalars(
        sa.select(OutboxMessage.kind)
        .where(OutboxMessage.registration_id == registration.id, OutboxMessage.recipient == registration.email)
        .order_by(OutboxMessage.id)
    ))  # fmt: skip


def test_seats_then_waitlist_in_order(open_plenary):
    plenary = open_plenary(capacity_in_person=2)
    statuses = [_register(plenary, f"p{i}@example.org").status for i in range(4)]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]


def test_full_without_waitlist_is_refused_and_nothing_stored(open_plenary):
    plenary = open_plenary(capacity_in_person=1, waitlist=False)
    _register(plenary, "first@example.org")
    with pytest.raises(errors.CapacityReached):
        signup.register(plenary.id, person("second@example.org"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_modes_have_their_own_capacity(open_plenary):
    plenary = open_plenary(capacity_in_person=1, capacity_online=None)
    assert _register(plenary, "a@example.org").status == "confirmed"
    assert _register(plenary, "b@example.org").status == "waitlisted"
    assert _register(plenary, "c@example.org", attendance="online").status == "confirmed"


def test_approval_required_holds_a_seat_as_pending(open_plenary):
    plenary = open_plenary(capacity_in_person=1, requires_approval=True)
    first = _register(plenary, "a@example.org")
    second = _register(plenary, "b@example.org")
    assert (first.status, second.status) == ("pending", "waitlisted")
    assert _messages(first) == ["registration_received"]
    organizer.approve(first.id)
    db.session.commit()
    assert first.status == "confirmed" and _messages(first)[-1] == "registration_approved"


def test_rejection_frees_the_seat_for_the_waitlist(open_plenary):
    plenary = open_plenary(capacity_in_person=1, requires_approval=True)
    first, second = _register(plenary, "a@example.org"), _register(plenary, "b@example.org")
    organizer.reject(first.id)
    db.session.commit()
    assert first.status == "rejected"
    assert second.status == "pending"  # promoted, still to be approved
    assert _messages(second) == ["registration_waitlisted", "registration_promoted"]


def test_cancellation_promotes_the_first_waitlisted_of_that_mode(open_plenary):
    plenary = open_plenary(capacity_in_person=1, capacity_online=1)
    seated = _register(plenary, "seated@example.org")
    online_wait = _register(plenary, "ow1@example.org", attendance="online")
    online_wait2 = _register(plenary, "ow2@example.org", attendance="online")
    first_wait = _register(plenary, "w1@example.org")
    second_wait = _register(plenary, "w2@example.org")
    assert online_wait.status == "confirmed" and online_wait2.status == "waitlisted"
    changes.cancel(seated.id)
    db.session.commit()
    assert seated.status == "cancelled"
    assert first_wait.status == "confirmed" and second_wait.status == "waitlisted"
    assert online_wait2.status == "waitlisted"  # the other mode's queue does not move
    assert _messages(seated)[-1] == "registration_cancelled"
    assert _messages(first_wait) == ["registration_waitlisted", "registration_promoted"]


def test_raised_capacity_fills_from_the_waitlist(open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    _register(plenary, "a@example.org")
    waiting = [_register(plenary, f"w{i}@example.org") for i in range(3)]
    document = export_plenary(plenary, include_private=True)
    document["registration"]["capacity_in_person"] = 3
    save_plenary(document)  # the one save path: it promotes into the new seats
    db.session.commit()
    # The one left waiting moved from number 3 to number 1: told once that they are next.
    assert [_messages(r)[-1] for r in waiting] == ["registration_promoted", "registration_promoted",
                                                   "registration_waitlist_moved"]  # fmt: skip
    assert [r.status for r in waiting] == ["confirmed", "confirmed", "waitlisted"]


def test_same_email_never_registers_twice_but_gets_its_link(open_plenary):
    plenary = open_plenary()
    first = _register(plenary, "anna@example.org")
    again = signup.register(plenary.id, person("anna@example.org", first_name="Mallory"))
    db.session.commit()
    assert again.created == [] and again.already_registered == [first]
    assert first.first_name == "Anna"
    assert _messages(first) == ["registration_confirmed", "registration_link"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_delegation_registers_everyone_with_their_own_link(open_plenary):
    plenary = open_plenary(capacity_in_person=2)
    head = person("head@example.org")
    delegates = [
        {"first_name": "Li", "last_name": "Wang", "email": "li@example.org", "position": None,
         "attendance": "in_person", "organisation": "Stadt Köln", "language": "zh"},
        {"first_name": "Max", "last_name": "Berg", "email": "max@example.org", "position": None,
         "attendance": "online", "organisation": "Stadt Köln", "language": "de"},
        {"first_name": "Eva", "last_name": "Klein", "email": "eva@example.org", "position": None,
         "attendance": "in_person", "organisation": "Stadt Köln", "language": "de"},
    ]  # fmt: skip
    result = signup.register(plenary.id, head, delegates)
    db.session.commit()
    head_reg, li, max_, eva = result.created
    assert [r.status for r in result.created] == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    assert {li.delegation_head_id, max_.delegation_head_id, eva.delegation_head_id} == {head_reg.id}
    assert [d.email for d in head_reg.delegates] == ["li@example.org", "max@example.org", "eva@example.org"]
    assert len({r.token_hash for r in result.created}) == 4
    for registration in result.created:
        assert len(_messages(registration)) == 1
    li_message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "li@example.org"))
    assert li_message.language == "zh" and "报名" in li_message.subject


def test_registration_window_and_status_are_enforced(open_plenary, make_plenary):
    now = datetime.now(UTC)
    plenary = open_plenary()
    plenary.registration_opens_at = now + timedelta(days=1)
    db.session.commit()
    with pytest.raises(errors.RegistrationClosed) as closed:
        signup.register(plenary.id, person("early@example.org"))
    assert closed.value.code == "not_yet_open"
    db.session.rollback()
    plenary.registration_opens_at, plenary.registration_closes_at = now - timedelta(days=2), now - timedelta(days=1)
    db.session.commit()
    with pytest.raises(errors.RegistrationClosed) as closed:
        signup.register(plenary.id, person("late@example.org"))
    assert closed.value.code == "closed"
    db.session.rollback()
    for status, code in (("draft", "not_found"), ("cancelled", "cancelled")):
        plenary.status = status
        plenary.registration_closes_at = now + timedelta(days=1)
        db.session.commit()
        with pytest.raises(errors.RegistrationClosed) as closed:
            signup.register(plenary.id, person(f"{status}@example.org"))
        assert closed.value.code == code
        db.session.rollback()


def test_switch_attendance_subject_to_capacity(open_plenary):
    plenary = open_plenary(capacity_in_person=1, capacity_online=1)
    in_person = _register(plenary, "a@example.org")
    online = _register(plenary, "b@example.org", attendance="online")
    waiting = _register(plenary, "c@example.org")
    with pytest.raises(errors.CapacityReached):
        changes.switch_attendance(in_person.id, "online")
    db.session.rollback()
    changes.cancel(online.id)
    db.session.commit()
    changes.switch_attendance(in_person.id, "online")
    db.session.commit()
    assert in_person.attendance == "online" and in_person.status == "confirmed"
    assert waiting.status == "confirmed"  # the freed in-person seat went to the waitlist


def test_tokens_are_long_random_and_only_hashed_in_the_database(open_plenary):
    plenary = open_plenary()
    registration = _register(plenary, "anna@example.org")
    token = token_for(registration)
    assert len(token) >= 43  # 256 bits, base64url
    assert registration.token_hash == hash_token(token)
    row = db.session.execute(sa.text("SELECT * FROM registration WHERE id = :id"), {"id": registration.id}).mappings()
    assert token not in str(dict(row.one()))
    other = _register(plenary, "ben@example.org")
    assert token_for(other) != token


def test_erase_anonymises_frees_the_seat_and_forgets_the_link(open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    member = Member(key="koeln", kind="member", country="DE", name={"de": "Köln", "en": "Cologne", "zh": "科隆"})
    db.session.add(member)
    db.session.commit()
    personal = {"salutation": "ms", "honorific": "Dr.", "name_zh": "安娜", "organisation": "Stadt Köln",
                "position": "Referentin", "member_id": member.id, "country": "DE", "phone": "+49 221 1234",
                "dietary": "vegan", "remarks": "Anna kommt später"}  # fmt: skip
    anna = _register(plenary, "anna@example.org", consent_listing=True, **personal)
    assert [name for name in personal if getattr(anna, name) is None] == [] and anna.token_hash and anna.consent_listing
    waiting = _register(plenary, "ben@example.org")
    privacy.erase(anna.id)
    db.session.commit()
    assert anna.status == "cancelled" and anna.anonymised_at is not None
    cleared = (*personal, "email", "token_hash", "registered_by_name")
    assert {name: getattr(anna, name) for name in cleared} == dict.fromkeys(cleared)
    assert (anna.first_name, anna.last_name, anna.consent_listing) == (models.ERASED, models.ERASED, False)
    assert waiting.status == "confirmed"
    bodies = list(db.session.scalars(
        sa.select(OutboxMessage.body_text).where(OutboxMessage.registration_id == anna.id)))  # fmt: skip
    assert bodies and [body for body in bodies if "Anna" in body or "Schmidt" in body] == []
    # The address is free again.
    assert _register(plenary, "anna@example.org").status == "waitlisted"


def test_purge_anonymises_registrations_of_past_plenaries(open_plenary):
    plenary = open_plenary()
    anna = _register(plenary, "anna@example.org")
    assert privacy.plenaries_ended_before(datetime(2031, 1, 1, tzinfo=UTC)) == []  # it is in October 2031
    assert privacy.plenaries_ended_before(datetime(2032, 1, 1, tzinfo=UTC)) == [plenary.id]
    assert privacy.purge_plenary(plenary.id) == 1
    db.session.commit()
    assert anna.email is None and anna.first_name == models.ERASED


def test_reactivate_after_cancelling(open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    anna = _register(plenary, "anna@example.org")
    changes.cancel(anna.id)
    db.session.commit()
    changes.reactivate(anna.id)
    db.session.commit()
    assert anna.status == "confirmed"
    with pytest.raises(errors.InvalidTransition):
        changes.reactivate(anna.id)
    db.session.rollback()


def test_personal_data_export(open_plenary):
    plenary = open_plenary()
    anna = _register(plenary, "anna@example.org", name_zh="安娜", consent_listing=True)
    data = privacy.personal_data(anna)
    assert data["email"] == "anna@example.org" and data["name_zh"] == "安娜"
    assert data["consent_listing"] is True and data["consent_privacy_at"]
    assert data["messages"][0]["kind"] == "registration_confirmed"
    assert data["plenary"]["slug"] == "test-plenary"


@pytest.mark.parametrize(("first", "last", "honorific", "expected"), [
    ("Anna", "Schmidt", "Dr.", "Dr. Anna Schmidt"),
    ("伟", "张", "市长", "张伟市长"),
    ("伟", "张", "Dr.", "Dr. 张伟"),
    ("Wei", "Zhang", None, "Wei Zhang"),
])  # fmt: skip
def test_display_name_follows_the_script(plain_app, first, last, honorific, expected):
    assert Registration(first_name=first, last_name=last, honorific=honorific).display_name == expected


def test_known_and_new_addresses_get_the_same_answer_when_full(open_plenary):
    plenary = open_plenary(capacity_in_person=1, waitlist=False)
    _register(plenary, "known@example.org")
    for email in ("known@example.org", "new@example.org"):
        with pytest.raises(errors.CapacityReached):
            signup.register(plenary.id, person(email))
        db.session.rollback()


def test_the_waitlist_is_first_come_first_served_even_after_reactivating(open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    seated = _register(plenary, "seated@example.org")
    early = _register(plenary, "early@example.org")
    changes.cancel(early.id)
    db.session.commit()
    w1 = _register(plenary, "w1@example.org")
    changes.reactivate(early.id)  # back on the waitlist: at its end, behind w1
    db.session.commit()
    assert early.status == "waitlisted"
    changes.cancel(seated.id)
    db.session.commit()
    assert (w1.status, early.status) == ("confirmed", "waitlisted")


def test_a_known_head_brings_nobody_from_the_public_form_but_can_from_their_page(open_plenary):
    plenary = open_plenary(capacity_in_person=5)
    head = _register(plenary, "head@example.org")
    delegate = {"first_name": "Li", "last_name": "Wang", "email": "li@example.org", "position": None,
                "attendance": "in_person", "organisation": "Stadt Köln", "language": "zh"}  # fmt: skip
    # The form does not show who sent it: the delegate is registered on their own (as if the head were
    # new), naming the head as typed; nobody joins the head's registration; the head is told.
    result = signup.register(plenary.id, person("head@example.org", first_name="Typed", honorific=None), [delegate])
    db.session.commit()
    assert result.already_registered == [head] and [r.email for r in result.created] == ["li@example.org"]
    li = result.created[0]
    assert li.delegation_head_id is None and li.registered_by_name == "Typed Schmidt" == li.registered_by
    assert head.delegates == [] and head.first_name == "Anna"
    assert _messages(head)[-1] == "registration_delegates_proposed"
    assert not signup.can_add_delegates(li)  # registered by someone: not a head either
    # From their personal page (their own link) they can.
    added = signup.add_delegates(head.id, [delegate | {"email": "li2@example.org"}])
    db.session.commit()
    assert added.created[0].delegation_head_id == head.id and added.created[0].organisation == "Stadt Köln"
    assert added.created[0].registered_by_name == head.display_name == "Dr. Anna Schmidt"
    assert added.created[0].consent_privacy_at is None  # the delegate's own consent is not on record


def test_delegate_messages_say_who_registered_them(open_plenary):
    plenary = open_plenary(capacity_in_person=5)
    delegate = {"first_name": "Li", "last_name": "Wang", "email": "li@example.org", "position": None,
                "attendance": "in_person", "organisation": "Stadt Köln", "language": "de"}  # fmt: skip
    signup.register(plenary.id, person("head@example.org", salutation="ms"), [delegate])
    db.session.commit()
    to_head, to_delegate = (
        db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == address))
        for address in ("head@example.org", "li@example.org")
    )
    assert to_head.body_text.startswith("Sehr geehrte Frau Dr. Schmidt,")
    # Needs the German catalogue (issue 11's new wording, said once, in this first message).
    assert f"Dr. Anna Schmidt hat Sie zur {plenary.number}. Plenarversammlung angemeldet." in to_delegate.body_text
    assert "/privacy?lang=de" in to_delegate.body_text
    assert to_head.reply_to == "plenary@example.org"


@pytest.mark.parametrize("kind", ["registration_received", "registration_confirmed", "registration_waitlisted",
                                  "registration_promoted", "registration_approved", "registration_rejected",
                                  "registration_cancelled", "registration_updated", "registration_link"])
@pytest.mark.parametrize(("lang", "greeting"), [("de", "Guten Tag Dr. Anna Schmidt,"), ("en", "Dear Dr. Anna Schmidt,"),
                                                ("zh", "尊敬的安娜：")])  # fmt: skip
def test_every_message_in_every_language(open_plenary, kind, lang, greeting):
    from plenary.mail.outbox import TOKEN_PLACEHOLDER, queue_message

    plenary = open_plenary()
    registration = _register(plenary, "anna@example.org", language=lang, name_zh="安娜")
    message = queue_message(kind, registration.email, lang, {"registration": registration, "plenary": plenary},
                            registration_id=registration.id)  # fmt: skip
    db.session.flush()
    title = plenary.title[lang]
    assert title in message.subject and title in message.body_text
    assert message.body_text.startswith(greeting)
    assert f'<html lang="{ {"de": "de", "en": "en", "zh": "zh-Hans"}[lang] }">' in message.body_html
    assert greeting.rstrip(",：") in message.body_html
    has_link = kind != "registration_rejected"
    assert (f"/registrations/{TOKEN_PLACEHOLDER}?lang={lang}" in message.body_text) == has_link
    # Nothing left untranslated: no English sentence in a German or Chinese message.
    if lang != "en":
        text = re.sub(r"https?://\S+", "", message.body_text).replace(registration.email, "")
        for english in ("Your ", "registration", "Kind regards", "Attendance", "Dear"):
            assert english not in text, (kind, english)


def test_the_lock_refuses_to_drop_flushed_work(open_plenary, app):
    """On SQLite the lock starts a fresh transaction; with work flushed before it, it must refuse, not roll back.

    Inside a transaction that holds it already (a second sign-up, the demo's plenaries) it keeps the work.
    """
    from plenary.audit.services import record
    from plenary.registration.locking import LockOrderError

    plenary = open_plenary()
    signup.register(plenary.id, person("a@example.org"))  # flushed under the lock, not committed
    signup.register(plenary.id, person("b@example.org"))  # the same unit of work: locked already
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2
    db.session.rollback()
    record("test.unlocked", None)
    db.session.flush()  # written before the lock
    if db.engine.dialect.name == "sqlite":
        with pytest.raises(LockOrderError):
            signup.register(plenary.id, person("c@example.org"))
    else:  # PostgreSQL: FOR UPDATE inside the same transaction is fine
        signup.register(plenary.id, person("c@example.org"))
    db.session.rollback()


def test_after_a_plenary_is_cancelled_nobody_is_confirmed_or_given_a_checkin_code_again(open_plenary):
    from plenary.checkin.services import wants_checkin_qr
    from plenary.events.editing import save_plenary
    from plenary.events.exchange import export_plenary

    plenary = open_plenary(capacity_in_person=5, requires_approval=True)
    pending = signup.register(plenary.id, person("p@example.org")).created[0]
    db.session.commit()
    confirmed = signup.register(plenary.id, person("c@example.org")).created[0]
    db.session.commit()
    organizer.approve(confirmed.id)
    db.session.commit()
    assert wants_checkin_qr(confirmed)
    document = export_plenary(plenary, include_private=True)
    document["status"] = "cancelled"
    save_plenary(document)
    db.session.commit()
    for action in (lambda: organizer.approve(pending.id), lambda: organizer.resend_confirmation(confirmed.id),
                   lambda: changes.switch_attendance(confirmed.id, "online")):  # fmt: skip
        with pytest.raises(errors.InvalidTransition):
            action()
        db.session.rollback()
    assert not wants_checkin_qr(db.session.get(Registration, confirmed.id))
