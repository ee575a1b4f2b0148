"""Offers of a freed seat with a reply deadline, the waiting-list position, seats shown before choosing."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from plenary.events.editing import save_plenary
from plenary.events.exchange import export_plenary
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.jobs import catalog
from plenary.jobs.registry import run_due
from plenary.mail.models import OutboxMessage
from plenary.registration import availability, changes, errors, offers, organizer, privacy, signup, tokens, waitlist
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import login, person
from tests.helpers import calendar_messages, count_queries
from tests.test_admin_plenaries import new_plenary_data

#: The worker's offer jobs only (the outbox is not the question here).
OFFER_JOBS = [job for job in catalog.JOBS if job.name in ("lapse-offers", "remind-offers")]
HOSTILE = '"><img src=x onerror=alert(1)><script>x</script>'


def _register(plenary, email, **overrides):
    result = signup.register(plenary.id, person(email, **overrides))
    db.session.commit()
    return result.created[0]


def _kinds(registration) -> list[str]:
    return list(db.session.scalars(
        sa.select(OutboxMessage.kind).where(OutboxMessage.registration_id == registration.id,
                                            OutboxMessage.recipient == registration.email)
        .order_by(OutboxMessage.id)
    ))  # fmt: skip


def _last(registration, kind) -> OutboxMessage:
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.registration_id == registration.id, OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id.desc())
    ).first()  # fmt: skip


def _fresh(registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


def _full_with_waitlist(open_plenary, offer_hours=72, **registration):
    """A plenary with one seat in the hall, taken by Anna, and Ben and Cem waiting (in that order)."""
    plenary = open_plenary(capacity_in_person=1, offer_hours=offer_hours, **registration)
    anna = _register(plenary, "anna@example.org")
    ben = _register(plenary, "ben@example.org", first_name="Ben", language="en")
    cem = _register(plenary, "cem@example.org", first_name="Cem", language="en")
    assert (anna.status, ben.status, cem.status) == ("confirmed", "waitlisted", "waitlisted")
    return plenary, anna, ben, cem


def test_a_freed_seat_is_offered_held_and_accepted(open_plenary):
    plenary, anna, ben, cem = _full_with_waitlist(open_plenary)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        changes.cancel(anna.id)
        db.session.commit()
    ben, cem = _fresh(ben), _fresh(cem)
    assert ben.status == "offered" and ben.holds_seat
    assert ben.offer_expires_at == start.replace(microsecond=ben.offer_expires_at.microsecond) + timedelta(hours=72)
    assert ben.offer_reminder_at == ben.offer_expires_at - timedelta(hours=24)
    assert cem.status == "waitlisted" and waitlist.position(cem) == 1
    assert "registration_offered" in _kinds(ben) and "registration_promoted" not in _kinds(ben)
    # The offer holds the seat: a newcomer waits behind Cem.
    assert _register(plenary, "dora@example.org").status == "waitlisted"
    with time_machine.travel(start + timedelta(hours=71), tick=False):
        offers.accept(ben.id)
        db.session.commit()
    ben = _fresh(ben)
    assert ben.status == "confirmed" and ben.offer_expires_at is None
    confirmed = _last(ben, "registration_confirmed")
    assert confirmed.calendar_method == "REQUEST"  # the invitation comes with the accepted seat
    assert _fresh(cem).status == "waitlisted"


def test_accepting_after_the_deadline_is_refused_and_the_seat_goes_on(open_plenary, client):
    plenary, anna, ben, cem = _full_with_waitlist(open_plenary)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        changes.cancel(anna.id)
        db.session.commit()
    token = token_for(_fresh(ben))
    with time_machine.travel(start + timedelta(hours=72, minutes=1), tick=False):
        response = client.post(f"/registrations/{token}/offer/accept", data={})
        assert response.status_code == 302 and "done=offer_lapsed" in response.location
        page = client.get(response.location).get_data(as_text=True)
        assert "The time to accept this place has run out" in page  # the reason, not a bare "not possible"
        assert _fresh(ben).status == "offered"  # the worker lets it lapse, never the refusal
        assert run_due(OFFER_JOBS) == {"lapse-offers": 1, "remind-offers": 0}
    ben, cem = _fresh(ben), _fresh(cem)
    assert ben.status == "cancelled" and ben.offer_expires_at is not None
    assert cem.status == "offered"
    assert _kinds(ben)[-1] == "registration_offer_lapsed"
    lapsed = _last(ben, "registration_offer_lapsed")
    assert lapsed.calendar_method is None  # never invited, so nothing to cancel in a calendar
    assert "gone to the next person on the waiting list" in lapsed.body_text
    assert "register again on your personal page" in lapsed.body_text
    # They may register again while registration is open: at the end of the queue.
    changes.reactivate(ben.id)
    db.session.commit()
    assert _fresh(ben).status == "waitlisted"


def test_one_reminder_before_the_deadline_and_halfway_for_short_offers(open_plenary):
    plenary, anna, ben, _cem = _full_with_waitlist(open_plenary, offer_hours=6)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        changes.cancel(anna.id)
        db.session.commit()
    with time_machine.travel(start + timedelta(hours=2, minutes=59), tick=False):
        assert run_due(OFFER_JOBS) == {"lapse-offers": 0, "remind-offers": 0}
    with time_machine.travel(start + timedelta(hours=3, minutes=1), tick=False):
        assert run_due(OFFER_JOBS) == {"lapse-offers": 0, "remind-offers": 1}
        assert run_due(OFFER_JOBS) == {"lapse-offers": 0, "remind-offers": 0}  # once
    reminder = _last(_fresh(ben), "registration_offer_reminder")
    assert _kinds(_fresh(ben)).count("registration_offer_reminder") == 1
    assert "We are still holding a place for you" in reminder.body_text and "Accept or decline" in reminder.body_html


def test_two_workers_at_once_remind_an_offer_once(app, open_plenary):
    """Issue 13: an offer about to lapse is reminded exactly once, however many workers run at that moment."""
    import threading  # only this test runs workers in threads
    from concurrent.futures import ThreadPoolExecutor

    plenary, anna, ben, _cem = _full_with_waitlist(open_plenary, offer_hours=6)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        changes.cancel(anna.id)
        db.session.commit()
    due = start + timedelta(hours=3, minutes=1)
    barrier = threading.Barrier(2, timeout=60)

    def work():
        with app.app_context(), time_machine.travel(due, tick=False):
            barrier.wait()
            done = run_due(OFFER_JOBS)
            db.session.remove()
            return done["remind-offers"]

    with ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(lambda _: work(), range(2)))
    db.session.rollback()
    assert sorted(counts) == [0, 1]
    assert _kinds(_fresh(ben)).count("registration_offer_reminder") == 1


def test_declining_passes_the_seat_on_after_a_confirmation(open_plenary, client):
    plenary, anna, ben, cem = _full_with_waitlist(open_plenary)
    changes.cancel(anna.id)
    db.session.commit()
    token = token_for(_fresh(ben))
    page = client.get(f"/registrations/{token}").get_data(as_text=True)
    assert f"/registrations/{token}/offer/accept" in page and f"/registrations/{token}/offer/decline" in page
    assert client.get(f"/registrations/{token}/offer/decline").status_code == 200  # asks first
    assert _fresh(ben).status == "offered"
    response = client.post(f"/registrations/{token}/offer/decline", data={})
    assert response.status_code == 302 and "done=declined" in response.location
    assert _fresh(ben).status == "cancelled" and _fresh(cem).status == "offered"
    assert _kinds(_fresh(ben))[-1] == "registration_cancelled"


def test_accept_through_the_personal_page(open_plenary, client):
    plenary = open_plenary(capacity_in_person=1, offer_hours=72, requires_approval=True)
    anna = _register(plenary, "anna@example.org")
    ben = _register(plenary, "ben@example.org", first_name="Ben", language="en")
    assert (anna.status, ben.status) == ("pending", "waitlisted")
    # An organizer turns Anna down; Ben is offered her seat and accepts it on his page.
    organizer.reject(anna.id)
    db.session.commit()
    token = token_for(_fresh(ben))
    response = client.post(f"/registrations/{token}/offer/accept", data={})
    assert "done=accepted" in response.location
    assert _fresh(ben).status == "pending"  # as states.seat_status says for a plenary that needs approval


def test_an_offer_never_exceeds_capacity_and_the_organizer_promote_makes_an_offer(open_plenary):
    plenary, anna, ben, cem = _full_with_waitlist(open_plenary)
    with pytest.raises(errors.CapacityReached):
        organizer.promote(ben.id)  # no seat free
    db.session.rollback()
    organizer.promote(ben.id, above_capacity=True)
    db.session.commit()
    assert _fresh(ben).status == "offered"
    organizer.promote(ben.id)  # an open offer: the organizer answers for them
    db.session.commit()
    assert _fresh(ben).status == "confirmed"
    seats = availability.seats(plenary)["in_person"]
    assert (seats.taken, seats.capacity, seats.waiting) == (2, 1, 1)


def test_automatic_promotion_stays_the_default(open_plenary):
    plenary, anna, ben, _cem = _full_with_waitlist(open_plenary, offer_hours=None)
    changes.cancel(anna.id)
    db.session.commit()
    assert _fresh(ben).status == "confirmed" and "registration_promoted" in _kinds(_fresh(ben))


def test_the_waitlisted_mail_and_the_page_give_the_position_and_moves_are_told_sparingly(open_plenary, client):
    plenary = open_plenary(capacity_in_person=1, offer_hours=None)
    _register(plenary, "first@example.org")
    people = [_register(plenary, f"w{i}@example.org", first_name=f"W{i}", language="en") for i in range(1, 6)]
    fifth = people[4]
    mail = _last(fifth, "registration_waitlisted")
    assert "You are number 5 on the waiting list for a seat in the hall." in mail.body_text
    assert "You are number 5 on the waiting list for a seat in the hall." in mail.body_html
    page = client.get(f"/registrations/{token_for(fifth)}").get_data(as_text=True)
    assert "You are number 5 on the waiting list for a seat in the hall." in page
    # The first two leave the queue: number 5 becomes 3 (told), number 4 becomes 2 (told: reached the top 3).
    changes.cancel(people[0].id)
    db.session.commit()
    changes.cancel(people[1].id)
    db.session.commit()
    moved = [_kinds(_fresh(p)).count("registration_waitlist_moved") for p in people[2:]]
    assert moved == [1, 1, 1]  # 3→1 (next), 4→2 (top three), 5→3 (top three): one mail each, not one per shift
    changes.cancel(people[2].id)
    db.session.commit()
    moved = [_kinds(_fresh(p)).count("registration_waitlist_moved") for p in people[3:]]
    assert moved == [2, 1]  # 2→1: next (told again); 3→2: no mail
    assert waitlist.position(_fresh(people[4])) == 2
    # Both moves of number 4 were queued before any was sent: only the newer goes out ("you are next"), never
    # first the older "number 2" after it (seen with simultaneous cancellations across two servers).
    moves = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.registration_id == people[3].id,
                               OutboxMessage.kind == "registration_waitlist_moved").order_by(OutboxMessage.id)).all()
    assert [(m.status, m.final_reason) for m in moves] == [("failed", "superseded"), ("pending", None)]
    assert "The next place that becomes free is yours." in moves[1].body_text


def test_seats_are_said_at_the_choice_with_one_grouped_query(open_plenary, client, app):
    plenary = open_plenary(capacity_in_person=3, capacity_online=None, waitlist=False)
    page = client.get(f"/plenaries/{plenary.slug}/register?lang=en").get_data(as_text=True)
    assert "3 seats left in the hall" in page and "Online places available" in page
    _register(plenary, "a@example.org")
    _register(plenary, "b@example.org")
    _register(plenary, "c@example.org")
    page = client.get(f"/plenaries/{plenary.slug}/register?lang=en").get_data(as_text=True)
    assert "Hall full — no more registrations in person" in page
    hall = re.search(r'<input[^>]*value="in_person"[^>]*>', page).group(0)
    assert "disabled" in hall and "checked" not in hall
    online = re.search(r'<input[^>]*value="online"[^>]*>', page).group(0)
    assert "checked" in online  # preselected: the mode that still takes people
    detail = client.get(f"/plenaries/{plenary.slug}?lang=en").get_data(as_text=True)
    assert "Hall full" in detail and "Online places available" in detail
    plenary_id, model = plenary.id, type(plenary)
    with app.app_context():
        fresh = db.session.get(model, plenary_id)
        with count_queries() as counter:
            modes = availability.seats(fresh)
    assert counter.selects == 1  # one grouped count for every mode
    assert [(m.attendance, m.taken, m.left, m.closed) for m in modes.values()] == [
        ("in_person", 3, 0, True),
        ("online", 0, None, False),
    ]


def test_with_a_waitlist_the_full_hall_points_to_the_waitlist_or_online(open_plenary, client):
    plenary = open_plenary(capacity_in_person=1)
    _register(plenary, "a@example.org")
    page = client.get(f"/plenaries/{plenary.slug}/register?lang=en").get_data(as_text=True)
    assert "Hall full — join the waiting list, or attend online" in page
    hall = re.search(r'<input[^>]*value="in_person"[^>]*>', page).group(0)
    assert "disabled" not in hall and "checked" not in hall  # still choosable (the waiting list), not preselected
    online = re.search(r'<input[^>]*value="online"[^>]*>', page).group(0)
    assert "checked" in online


def test_a_head_adding_a_colleague_sees_the_seats_and_starts_on_a_mode_with_room(open_plenary, client):
    plenary = open_plenary(capacity_in_person=1)
    head = _register(plenary, "head@example.org")
    token = tokens.token_for(head)
    db.session.commit()
    page = client.get(f"/registrations/{token}/delegates?lang=en").get_data(as_text=True)
    assert "Hall full — join the waiting list, or attend online" in page
    selected = re.search(r'<option[^>]*selected[^>]*value="(\w+)"|<option[^>]*value="(\w+)"[^>]*selected', page)
    assert "online" in selected.groups()  # not the head's full hall


def test_organizers_see_taken_over_capacity_and_the_offer_deadline(open_plenary, client, accounts):
    plenary, anna, ben, cem = _full_with_waitlist(open_plenary)
    changes.cancel(anna.id)
    db.session.commit()
    login(client, "organizer@isa.example")
    dashboard = client.get("/admin/?lang=en").get_data(as_text=True)
    assert re.search(r"In person: <strong>1 / 1</strong>", dashboard) and "1 offer open" in dashboard
    assert "1 waiting" in dashboard and "Place offered" in dashboard
    home = client.get(f"/admin/plenaries/{plenary.slug}?lang=en").get_data(as_text=True)
    assert "1 / 1" in home and "held 72 hours" in home
    listing = client.get(f"/admin/plenaries/{plenary.slug}/registrations?lang=en").get_data(as_text=True)
    assert "Place offered" in listing and "offer-until" in listing
    detail = client.get(f"/admin/registrations/{ben.id}?lang=en").get_data(as_text=True)
    assert "Offer of a place until" in detail and "accept for them" in detail


def test_the_plenary_form_sets_offers_and_the_exchange_carries_them(open_plenary, client, accounts):
    plenary = open_plenary(offer_hours=None)
    document = export_plenary(plenary)
    assert document["registration"]["offer_hours"] is None
    document["registration"]["offer_hours"] = 48
    save_plenary(document)
    db.session.commit()
    db.session.expire_all()
    assert export_plenary(db.session.get(type(plenary), plenary.id))["registration"]["offer_hours"] == 48
    login(client, "organizer@isa.example")
    page = client.get(f"/admin/plenaries/{plenary.slug}/edit?lang=en").get_data(as_text=True)
    assert 'name="freed_seat"' in page and 'name="offer_hours"' in page and 'value="48"' in page


def test_hostile_names_in_offer_mails_are_escaped(open_plenary):
    plenary = open_plenary(capacity_in_person=1, offer_hours=72)
    anna = _register(plenary, "anna@example.org")
    ben = _register(plenary, "ben@example.org", first_name=HOSTILE, last_name="\u202eRTL" + "x" * 90, language="en")
    changes.cancel(anna.id)
    db.session.commit()
    mail = _last(_fresh(ben), "registration_offered")
    assert "<script>" not in mail.body_html and "onerror=alert(1)>" not in mail.body_html
    assert "&lt;script&gt;" in mail.body_html
    assert "\u202e" not in mail.subject and "\n" not in mail.subject
    # The deadline in the plenary's zone (Berlin) and the partner's (Beijing).
    assert re.search(r"by .*\d{1,2}:\d{2}.*(CET|CEST).*Beijing", mail.body_text)


def test_erasing_an_offered_person_passes_the_seat_on(open_plenary):
    plenary, anna, ben, cem = _full_with_waitlist(open_plenary)
    changes.cancel(anna.id)
    db.session.commit()
    privacy.erase(ben.id)
    db.session.commit()
    assert _fresh(ben).status == "cancelled" and _fresh(cem).status == "offered"


def test_offer_texts_in_german_and_chinese(open_plenary, client):
    """Needs the lead's catalogue entries (strings-h1.tsv): the offer as a German and a Chinese delegate read it."""
    plenary = open_plenary(capacity_in_person=1, offer_hours=72)
    anna = _register(plenary, "anna@example.org")
    jonas = _register(plenary, "jonas@example.org", first_name="Jonas", last_name="Becker")
    wei = _register(plenary, "wei@example.org", first_name="伟", last_name="张", language="zh")
    german = _last(jonas, "registration_waitlisted").body_text
    assert "Sie sind Nummer 1 auf der Warteliste für einen Platz im Saal." in german
    assert "您在现场座位候补名单中排第2位。" in _last(wei, "registration_waitlisted").body_text
    changes.cancel(anna.id)
    db.session.commit()
    offered = _last(_fresh(jonas), "registration_offered")
    assert "Bitte nehmen Sie ihn bis" in offered.body_text
    page = client.get(f"/registrations/{token_for(_fresh(jonas))}").get_data(as_text=True)
    assert "Platz annehmen" in page
    form = client.get(f"/plenaries/{plenary.slug}/register?lang=zh").get_data(as_text=True)
    assert "会场已满——可加入候补名单，或选择线上参会" in form


def test_calendars_follow_offers_cancel_erase_and_lapse(open_plenary):
    """An accepted offer invites (REQUEST); cancelling or erasing later removes the entry (CANCEL, later SEQUENCE);
    a lapsed or declined offer was never in a calendar, so it is told by mail only."""
    plenary, anna, ben, cem = _full_with_waitlist(open_plenary)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        changes.cancel(anna.id)  # confirmed → cancelled: her invitation is withdrawn
        db.session.commit()
    [invite, withdrawn] = calendar_messages("anna@example.org")
    assert (invite.calendar_method, withdrawn.calendar_method) == ("REQUEST", "CANCEL")
    assert withdrawn.kind == "registration_cancelled" and _seq(withdrawn) > _seq(invite)
    offers.accept(ben.id)
    db.session.commit()
    [ben_invite] = calendar_messages("ben@example.org")
    assert ben_invite.calendar_method == "REQUEST"
    invited_at = _seq(ben_invite)  # erasure scrubs the stored copies of what was sent to him
    privacy.erase(ben.id)  # erased: the farewell withdraws the entry
    db.session.commit()
    farewell = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "registration_erased")).one()
    assert farewell.calendar_method == "CANCEL" and _seq(farewell) > invited_at
    assert _fresh(cem).status == "offered" and calendar_messages("cem@example.org") == []
    with time_machine.travel(start + timedelta(hours=73), tick=False):
        assert run_due(OFFER_JOBS)["lapse-offers"] == 1
    assert _fresh(cem).status == "cancelled" and calendar_messages("cem@example.org") == []
    assert _kinds(_fresh(cem))[-1] == "registration_offer_lapsed"


def _seq(message: OutboxMessage) -> int:
    return int(re.search(r"^SEQUENCE:(\d+)", message.calendar_ics, re.M).group(1))


def test_a_cancelled_plenary_sends_no_reminder_and_no_lapse_mail(open_plenary, make_plenary):
    plenary, anna, ben, _cem = _full_with_waitlist(open_plenary)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        changes.cancel(anna.id)
        db.session.commit()
    document = export_plenary(db.session.get(type(plenary), plenary.id), include_private=True)
    save_plenary({**document, "status": "cancelled"})
    db.session.commit()
    with time_machine.travel(start + timedelta(hours=49), tick=False):
        assert run_due(OFFER_JOBS) == {"lapse-offers": 0, "remind-offers": 0}
        with pytest.raises(errors.InvalidTransition):
            offers.accept(ben.id)  # nobody accepts a seat at a plenary that will not take place
        db.session.rollback()
    with time_machine.travel(start + timedelta(hours=73), tick=False):
        assert run_due(OFFER_JOBS)["lapse-offers"] == 1
    kinds = _kinds(_fresh(ben))
    assert _fresh(ben).status == "cancelled"
    assert "registration_offer_reminder" not in kinds and "registration_offer_lapsed" not in kinds
    assert kinds[-1] == "plenary_cancelled"


@pytest.mark.parametrize(("hours", "message"), [
    ("", "Please give the hours a person has to accept"),
    ("<script>alert(1)</script>", "Not a valid integer value"),
    ("0", "between 1 and 720"),
    ("1" * 300, "between 1 and 720"),
])  # fmt: skip
def test_offers_without_sensible_hours_are_refused_in_the_form(client, accounts, hours, message):
    login(client, "organizer@isa.example")
    data = new_plenary_data(freed_seat="offer", offer_hours=hours)
    response = client.post("/admin/plenaries/new?lang=en", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert "<script>alert(1)</script>" not in page and 'value="12th-plenary"' in page  # nothing typed is lost
    data = new_plenary_data(freed_seat="offer", offer_hours="48")
    assert client.post("/admin/plenaries/new?lang=en", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration.id).limit(1)) is None
    assert db.session.scalar(sa.select(Plenary.offer_hours).where(Plenary.slug == "12th-plenary")) == 48
