"""The back office's registrations: list (filters, sorting, pagination, queries), a registration's page
and its actions, adding by hand, the participant list. The export: tests/test_export.py."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from plenary.admin.services import SORTS, RegistrationFilter, filtered_registrations
from plenary.audit.models import AuditEntry
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.members.models import Member
from plenary.registration import changes, privacy, signup
from plenary.registration.models import Registration
from plenary.registration.participants import published_participants
from tests.conftest import login, open_registration, person
from tests.helpers import count_queries


@pytest.fixture
def organizer(app, accounts):
    client = app.test_client()
    login(client, "organizer@isa.example")
    client.get("/admin/?lang=en")  # the language cookie: English pages and messages from now on
    return client


@pytest.fixture
def viewer(app, accounts):
    client = app.test_client()
    login(client, "viewer@isa.example")
    client.get("/admin/?lang=en")
    return client


def _member(key, name, country="DE") -> Member:
    member = Member(key=key, kind="member", country=country, name={"de": name, "en": name, "zh": name})
    db.session.add(member)
    db.session.commit()
    return member


def _register(plenary, email, delegates=None, **overrides) -> Registration:
    registration = signup.register(plenary.id, person(email, **overrides), delegates).created[0]
    db.session.commit()
    return registration


def _reload(registration) -> Registration:
    return db.session.get(Registration, registration.id)


@pytest.fixture
def people(open_plenary):
    """A plenary with a delegation, people from China and online, a member city and a cancelled registration."""
    plenary = open_plenary(capacity_in_person=None)
    koeln = _member("koeln", "Köln")
    foshan = _member("foshan", "Foshan", "CN")
    common = {"organisation": "Stadt Köln", "member_id": koeln.id, "country": "DE", "language": "de"}
    head = _register(plenary, "head@example.org", first_name="Hanna", last_name="Adler", organisation="Stadt Köln",
                     member_id=koeln.id, delegates=[
                         {"first_name": "Dieter", "last_name": "Berg", "email": "d1@example.org",
                          "attendance": "in_person", **common},
                         {"first_name": "Doris", "last_name": "Clemens", "email": "d2@example.org",
                          "attendance": "online", **common},
                     ])  # fmt: skip
    zhang = _register(plenary, "zhang@example.cn", first_name="伟", last_name="张", honorific=None, name_zh="张伟",
                      organisation="佛山市人民政府", country="CN", member_id=foshan.id, attendance="online",
                      language="zh")  # fmt: skip
    solo = _register(plenary, "solo@example.org", first_name="Sven", last_name="Zander", organisation="GIZ")
    changes.cancel(solo.id)
    db.session.commit()
    return plenary, head, zhang, solo, koeln, foshan


def _names(page: str) -> list[str]:
    """Registration ids in the order the list shows them."""
    return re.findall(r'<tr>(?:<td><input [^>]*></td>)?<td><a href="/admin/registrations/(\d+)">', page)


def test_list_filters_search_and_sorting(organizer, people):
    plenary, head, zhang, solo, koeln, foshan = people
    base = f"/admin/plenaries/{plenary.slug}/registrations"

    def ids(query: str) -> set[int]:
        response = organizer.get(f"{base}?{query}")
        assert response.status_code == 200
        return {int(i) for i in _names(response.get_data(as_text=True))}

    everyone = {r.id for r in db.session.scalars(sa.select(Registration))}
    assert len(everyone) == 5 and ids("") == everyone
    delegates = {r.id for r in head.delegates}
    assert ids("q=adler") == {head.id}  # name
    assert ids("q=GIZ") == {solo.id}  # organisation
    assert ids("q=zhang@EXAMPLE") == {zhang.id}  # email (case-insensitive)
    assert ids("q=张伟") == {zhang.id}  # Chinese name
    assert ids("q=%25") == set() and ids("q=_") == set()  # % and _ are text, not wildcards matching everyone
    assert ids("status=cancelled") == {solo.id}
    assert ids("attendance=online") == {zhang.id} | {d.id for d in head.delegates if d.attendance == "online"}
    assert ids("country=cn") == {zhang.id}
    assert ids(f"member={foshan.id}") == {zhang.id}
    assert ids(f"member={koeln.id}") == {head.id} | delegates
    assert ids("delegation=heads") == {head.id}
    assert ids("delegation=delegates") == delegates
    assert ids("delegation=individuals") == {zhang.id, solo.id}
    assert ids(f"delegation={head.id}") == {head.id} | delegates
    assert ids(f"delegation=heads&member={koeln.id}&status=confirmed") == {head.id}
    # Bogus values are ignored, never an error.
    assert ids("status=nope&attendance=x&country=123&member=abc&delegation=evil&sort=drop+table&page=-3") == everyone

    def order(sort: str) -> list[int]:
        return [int(i) for i in _names(organizer.get(f"{base}?sort={sort}").get_data(as_text=True))]

    by_name = [head.id, *sorted(delegates), solo.id, zhang.id]  # Adler, Berg, Clemens, Zander, 张
    assert order("name") == by_name and order("-name") == by_name[::-1]
    assert order("organisation")[-1] == zhang.id and order("-organisation")[0] == zhang.id
    assert order("country")[0] == zhang.id and order("-country")[-1] == zhang.id  # CN before DE
    assert order("status")[0] == solo.id  # "cancelled" sorts first
    assert order("registered") == sorted(everyone) and order("-registered") == sorted(everyone, reverse=True)

    page = organizer.get(f"{base}?sort=name").get_data(as_text=True)
    assert "2 delegates" in page and f"delegation={head.id}" in page  # the head's row: count and "this delegation"
    assert "Köln" in page and "China" in page and "张伟" in page
    assert 'aria-sort="ascending"' in page


def _bulk(plenary_id: int, count: int, member_id: int) -> None:
    """``count`` registrations in one statement (no services, no messages: fast)."""
    now = datetime.now(UTC)
    statuses = ("confirmed", "confirmed", "pending", "waitlisted", "cancelled")
    rows = [{"plenary_id": plenary_id, "status": statuses[i % 5], "attendance": "online" if i % 3 else "in_person",
             "first_name": f"First{i}", "last_name": f"Last{i:05d}", "organisation": f"Org {i % 7}",
             "country": "CN" if i % 2 else "DE", "member_id": member_id if i % 4 == 0 else None,
             "email": f"p{i}@example.org", "language": "de", "token_salt": "", "interpretation": False,
             "consent_listing": False, "created_at": now - timedelta(seconds=i), "updated_at": now}
            for i in range(count)]  # fmt: skip
    db.session.execute(sa.insert(Registration), rows)
    db.session.commit()


def _count_statements(client, url: str) -> tuple[int, str]:
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return queries.count, response.get_data(as_text=True)


def test_ten_thousand_registrations_take_a_few_queries_on_every_page(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=None)
    member = _member("koeln", "Köln")
    _bulk(plenary.id, 10_000, member.id)
    head = db.session.scalar(sa.select(Registration).where(Registration.email == "p0@example.org"))
    db.session.execute(sa.update(Registration).where(Registration.email.in_(["p5@example.org", "p10@example.org"]))
                       .values(delegation_head_id=head.id))  # fmt: skip
    db.session.commit()
    base = f"/admin/plenaries/{plenary.slug}/registrations"
    first, page = _count_statements(organizer, base)
    # A constant 11: the page's own, the questions' answer filter and the attendance records (one query each).
    assert first <= 11, first
    assert "10000 registrations found" in page and "Page 1 of 200" in page
    filtered = f"{base}?status=confirmed&attendance=online&country=CN&q=last&sort=-name"
    counts = [_count_statements(organizer, f"{filtered}&page={n}")[0] for n in (1, 7, 20)]
    assert max(counts) <= 11 and len(set(counts)) == 1, counts
    by_member, page = _count_statements(organizer, f"{base}?member={member.id}&sort=organisation&page=3")
    assert by_member <= 11
    # Pagination keeps every filter and the sort order.
    _, page = _count_statements(organizer, f"{filtered}&page=2")
    next_link = re.search(r'href="([^"]*)" rel="next"', page).group(1).replace("&amp;", "&")
    for part in ("status=confirmed", "attendance=online", "country=CN", "q=last", "sort=-name", "page=3"):
        assert part in next_link
    heads, page = _count_statements(organizer, f"{base}?delegation=heads")
    assert heads <= 11 and "2 delegates" in page and _names(page) == [str(head.id)]


@pytest.mark.parametrize("query", ["sort=name", "sort=-organisation", "sort=country&status=confirmed",
                                   "sort=-registered&q=last001", "sort=status&attended=no&delegation=individuals"])
def test_pages_of_the_list_follow_one_another_in_its_order_with_few_queries(organizer, open_plenary, query):
    # The page is cut on the ids alone, then its rows are loaded: page after page, every registration once, in order.
    plenary = open_plenary(capacity_in_person=None)
    _bulk(plenary.id, 230, _member("koeln", "Köln").id)
    args = dict(part.split("=") for part in query.split("&"))
    sort = args.pop("sort")
    keys = SORTS[sort.lstrip("-")] + (Registration.id,)
    expected = db.session.scalars(
        filtered_registrations(plenary.id, RegistrationFilter.from_args(args)).with_only_columns(Registration.id)
        .order_by(*(key.desc() if sort.startswith("-") else key for key in keys))
    ).all()  # fmt: skip
    assert len(expected) > 50  # more than one page
    shown, counts = [], []
    for page in range(1, -(-len(expected) // 50) + 1):  # every page that holds someone
        count, html = _count_statements(organizer, f"/admin/plenaries/{plenary.slug}/registrations?{query}&page={page}")
        shown += [int(i) for i in _names(html)]
        counts.append(count)
    assert shown == expected
    assert len(set(counts)) == 1 and counts[0] <= 11, counts


def test_registration_page_shows_details_history_and_messages(organizer, people):
    plenary, head, zhang, solo, *_ = people
    changes.update_details(head.id, {"phone": "+49 221 123", "dietary": "vegetarisch", "remarks": "Late arrival"})
    db.session.commit()
    assert organizer.post(f"/admin/registrations/{zhang.id}/cancel").status_code == 302
    page = organizer.get(f"/admin/registrations/{zhang.id}").get_data(as_text=True)
    assert "zhang@example.cn" in page and "张伟" in page and "佛山市人民政府" in page
    assert "organizer@isa.example" in page  # who cancelled
    assert "Confirmed → Cancelled" in page  # what
    assert '<td class="text-break">system</td>' in page  # who registered (outside a request: the system)
    assert "registration_confirmed" in page and "registration_cancelled" in page  # messages: kinds and subjects
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.registration_id == zhang.id))
    assert message.subject in page and message.body_text not in page
    head_page = organizer.get(f"/admin/registrations/{head.id}").get_data(as_text=True)
    assert "+49 221 123" in head_page and "vegetarisch" in head_page and "Late arrival" in head_page
    for delegate in head.delegates:
        assert f"/admin/registrations/{delegate.id}" in head_page and delegate.display_name in head_page
    delegate_page = organizer.get(f"/admin/registrations/{head.delegates[0].id}").get_data(as_text=True)
    assert f"/admin/registrations/{head.id}" in delegate_page and "Not on record" in delegate_page
    assert organizer.get("/admin/registrations/999999").status_code == 404


def test_history_of_a_change_by_the_registrant(app, organizer, people):
    _plenary, head, *_ = people
    from flask import g

    from plenary.registration.tokens import token_for

    client = app.test_client()
    # The tests keep one app context across requests: forget the organizer Flask-Login cached on ``g``.
    g.pop("_login_user", None)
    assert client.post(f"/registrations/{token_for(head)}/cancel").status_code == 302
    g.pop("_login_user", None)
    page = organizer.get(f"/admin/registrations/{head.id}").get_data(as_text=True)
    assert "the registrant" in page and "Confirmed → Cancelled" in page


def test_promote_from_the_waitlist(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    seated = _register(plenary, "seat@example.org")
    waiting = _register(plenary, "wait@example.org")
    assert waiting.status == "waitlisted"
    full = organizer.post(f"/admin/registrations/{waiting.id}/promote", follow_redirects=True)
    assert "No seat is free" in full.get_data(as_text=True) and _reload(waiting).status == "waitlisted"
    above = organizer.post(f"/admin/registrations/{waiting.id}/promote", data={"above_capacity": "1"})
    assert above.status_code == 302 and _reload(waiting).status == "confirmed"
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.registration_id == waiting.id)).all()
    assert kinds[-1] == "registration_promoted"
    # Not waitlisted (any more): not possible, nothing changes.
    again = organizer.post(f"/admin/registrations/{seated.id}/promote", follow_redirects=True)
    assert "That is not possible for this registration." in again.get_data(as_text=True)
    assert _reload(seated).status == "confirmed"


def test_promote_into_a_free_seat_needs_approval_when_the_plenary_requires_it(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=1, requires_approval=True)
    _register(plenary, "seat@example.org")
    waiting = _register(plenary, "wait@example.org")
    db.session.get(Plenary, plenary.id).capacity_in_person = 2  # a seat appears (normally via the plenary's form)
    db.session.commit()
    assert organizer.post(f"/admin/registrations/{waiting.id}/promote").status_code == 302
    assert _reload(waiting).status == "pending"


def test_move_between_attendance_modes(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=1, capacity_online=1, waitlist=False)
    seated = _register(plenary, "seat@example.org")
    online = _register(plenary, "online@example.org", attendance="online")
    full = organizer.post(f"/admin/registrations/{seated.id}/attendance", data={"attendance": "online"},
                          follow_redirects=True)  # fmt: skip
    assert "no online places left" in full.get_data(as_text=True) and _reload(seated).attendance == "in_person"
    changes.cancel(online.id)
    db.session.commit()
    moved = organizer.post(f"/admin/registrations/{seated.id}/attendance", data={"attendance": "online"})
    assert moved.status_code == 302
    assert _reload(seated).attendance == "online"
    bogus = organizer.post(f"/admin/registrations/{seated.id}/attendance", data={"attendance": "moon"},
                           follow_redirects=True)  # fmt: skip
    assert "That is not possible" in bogus.get_data(as_text=True)
    page = organizer.get(f"/admin/registrations/{seated.id}").get_data(as_text=True)
    assert "Move to: In person" in page


def test_resend_confirmation_or_link(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    seated = _register(plenary, "seat@example.org")
    waiting = _register(plenary, "wait@example.org")

    def last(registration):
        return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.registration_id == registration.id)
                                  .order_by(OutboxMessage.id.desc())).first()  # fmt: skip

    response = organizer.post(f"/admin/registrations/{seated.id}/resend", follow_redirects=True)
    assert "The message has been queued." in response.get_data(as_text=True)
    message = last(seated)
    assert message.kind == "registration_confirmed" and message.calendar_method == "REQUEST"
    organizer.post(f"/admin/registrations/{waiting.id}/resend")
    assert last(waiting).kind == "registration_link" and last(waiting).calendar_method is None
    privacy.erase(waiting.id)
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    refused = organizer.post(f"/admin/registrations/{waiting.id}/resend", follow_redirects=True)
    assert "That is not possible" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == count


def _details(**overrides) -> dict:
    data = {"email": "anna@example.org", "salutation": "ms", "honorific": "Prof.", "first_name": "Anna",
            "last_name": "Schmidt", "name_zh": "", "organisation": "Stadt Köln", "position": "Leiterin",
            "member_city": "", "country": "DE", "phone": "+49 1", "language": "en", "interpretation": "y",
            "dietary": "", "remarks": "", "consent_listing": "y"}  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_edit_details_and_email(organizer, people):
    plenary, head, zhang, *_ = people
    url = f"/admin/registrations/{head.id}/edit"
    form = organizer.get(url)
    assert form.status_code == 200 and 'value="head@example.org"' in form.get_data(as_text=True)
    taken = organizer.post(url, data=_details(email="ZHANG@example.cn", first_name="Kept"))
    body = taken.get_data(as_text=True)
    assert taken.status_code == 400 and "Another registration for this plenary uses this email address." in body
    assert 'value="Kept"' in body and _reload(head).first_name == "Hanna"
    invalid = organizer.post(url, data=_details(email="not an address", first_name=""))
    assert invalid.status_code == 400 and _reload(head).email == "head@example.org"
    saved = organizer.post(url, data=_details(email="New.Head@Example.org", name_zh="安娜"))
    assert saved.status_code == 302
    head = _reload(head)
    assert head.email == "new.head@example.org" and head.first_name == "Anna" and head.name_zh == "安娜"
    assert head.consent_listing and head.consent_listing_at is not None and head.language == "en"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "registration.update"))
    assert entry.actor == "organizer@isa.example" and entry.object_id == head.id
    assert entry.changes["email"] == ["head@example.org", "new.head@example.org"]
    assert entry.changes["first_name"] == ["Hanna", "Anna"] and "status" not in entry.changes
    page = organizer.get(f"/admin/registrations/{head.id}").get_data(as_text=True)
    assert "Details changed" in page
    # Nothing changed: no entry.
    organizer.post(url, data=_details(email="new.head@example.org", name_zh="安娜"))
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "registration.update")) == 1
    assert organizer.get("/admin/registrations/999999/edit").status_code == 404


def test_add_a_registration_by_hand(organizer, make_plenary):
    # The registration period is over: organizers may still add someone who phoned.
    past = open_registration(opens_at="2020-01-01T00:00:00+00:00", closes_at="2020-02-01T00:00:00+00:00",
                             capacity_in_person=1, capacity_online=None)  # fmt: skip
    plenary = make_plenary(registration=past)
    url = f"/admin/plenaries/{plenary.slug}/registrations/new"
    assert organizer.get(url).status_code == 200
    first = organizer.post(url, data=_details(attendance="in_person", send_messages="y"))
    assert first.status_code == 302
    anna = db.session.scalar(sa.select(Registration).where(Registration.email == "anna@example.org"))
    assert anna.status == "confirmed" and anna.consent_privacy_at is None and anna.token_hash
    assert db.session.scalar(sa.select(OutboxMessage.kind).where(OutboxMessage.registration_id == anna.id)) == (
        "registration_confirmed")
    created = sa.select(AuditEntry.actor).where(AuditEntry.action == "registration.created",
                                                AuditEntry.object_id == anna.id)  # fmt: skip
    assert db.session.scalar(created) == "organizer@isa.example"
    duplicate = organizer.post(url, data=_details(attendance="online", first_name="Zweite"))
    assert duplicate.status_code == 400 and "uses this email address" in duplicate.get_data(as_text=True)
    # Full: the waiting list; no messages when the organizer says so.
    waiting = organizer.post(url, data=_details(email="bert@example.org", attendance="in_person"))
    assert waiting.status_code == 302
    bert = db.session.scalar(sa.select(Registration).where(Registration.email == "bert@example.org"))
    assert bert.status == "waitlisted"
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.registration_id == bert.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2


def test_add_by_hand_without_waitlist_when_full(organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=1, waitlist=False, requires_approval=True)
    url = f"/admin/plenaries/{plenary.slug}/registrations/new"
    assert organizer.post(url, data=_details(attendance="in_person")).status_code == 302
    assert db.session.scalar(sa.select(Registration.status)) == "pending"
    full = organizer.post(url, data=_details(email="bert@example.org", attendance="in_person"))
    assert full.status_code == 400 and "no seats left" in full.get_data(as_text=True)
    assert 'value="bert@example.org"' in full.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    bad_mode = organizer.post(url, data=_details(email="c@example.org", attendance="moon"))
    assert bad_mode.status_code == 400


def test_a_cancelled_plenary_offers_no_adding_by_hand(organizer, open_plenary):
    plenary = open_plenary()
    listing = f"/admin/plenaries/{plenary.slug}/registrations"
    url = f"{listing}/new"
    assert url in organizer.get(listing).get_data(as_text=True)
    plenary.status = "cancelled"
    db.session.commit()
    assert url not in organizer.get(listing).get_data(as_text=True)
    refused = organizer.post(url, data=_details(attendance="in_person"))
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_participant_list_only_consenting_confirmed(app, organizer, open_plenary):
    plenary = open_plenary(capacity_in_person=2)
    _register(plenary, "b@example.org", organisation="Beta", last_name="Zeta", consent_listing=True,
              position="Mayor", country="CN")  # fmt: skip
    _register(plenary, "a@example.org", organisation="Alpha", last_name="Yo", consent_listing=True)
    _register(plenary, "w@example.org", organisation="Alpha", consent_listing=True)  # waitlisted
    _register(plenary, "n@example.org", organisation="Alpha", consent_listing=False, attendance="online")
    cancelled = _register(plenary, "c@example.org", organisation="Alpha", consent_listing=True, attendance="online")
    changes.cancel(cancelled.id)
    db.session.commit()
    erased = _register(plenary, "e@example.org", organisation="Alpha", consent_listing=True, attendance="online")
    privacy.erase(erased.id)
    db.session.commit()
    plenary = db.session.get(Plenary, plenary.id)
    assert published_participants(plenary) == []  # not published yet
    listed = published_participants(plenary, "en", preview=True)
    assert [p.organisation for p in listed] == ["Alpha", "Beta"]
    assert listed[1].display_name == "Dr. Anna Zeta" and listed[1].position == "Mayor"
    assert listed[1].country_name == "China"
    assert not hasattr(listed[0], "email")
    from flask import render_template

    with app.test_request_context("/?lang=en"):
        html = render_template("events/_participants.html", participants=listed)
    assert "Participants" in html and "2 participants" in html and "Dr. Anna Yo" in html and "@" not in html
    # Publishing (organizers), with an audit entry; the preview on the list page.
    page = organizer.get(f"/admin/plenaries/{plenary.slug}/registrations").get_data(as_text=True)
    assert "The participant list is not published." in page
    assert 'id="participants-title"' not in page and "participants=1" in page  # the preview on request only
    page = organizer.get(f"/admin/plenaries/{plenary.slug}/registrations?participants=1").get_data(as_text=True)
    assert 'id="participants-title"' in page and "Dr. Anna Zeta" in page
    assert organizer.post(f"/admin/plenaries/{plenary.slug}/participants", data={"publish": "1"}).status_code == 302
    assert db.session.get(Plenary, plenary.id).participants_published
    assert len(published_participants(db.session.get(Plenary, plenary.id))) == 2
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "plenary.participants"))
    assert entry.actor == "organizer@isa.example" and entry.changes == {"participants_published": [False, True]}
    organizer.post(f"/admin/plenaries/{plenary.slug}/participants", data={"publish": "0"})
    assert not db.session.get(Plenary, plenary.id).participants_published


def test_viewers_see_no_buttons_and_change_nothing(viewer, people):
    plenary, head, zhang, solo, *_ = people
    waiting = head.delegates[0]

    def state():
        rows = db.session.scalars(sa.select(Registration))
        return {r.id: (r.status, r.attendance, r.email, r.first_name) for r in rows}

    before = state()
    messages = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    page = viewer.get(f"/admin/registrations/{head.id}").get_data(as_text=True)
    assert "head@example.org" in page and "/edit" not in page and "/resend" not in page
    assert '<form method="post" action="/admin/reg' not in page
    listing = viewer.get(f"/admin/plenaries/{plenary.slug}/registrations").get_data(as_text=True)
    assert "/registrations/new" not in listing and "/participants" not in listing
    posts = [(f"/admin/registrations/{rid}/{action}", {"above_capacity": "1", "attendance": "online"})
             for rid in (head.id, zhang.id, solo.id, waiting.id)
             for action in ("approve", "reject", "cancel", "promote", "attendance", "resend")]  # fmt: skip
    posts += [(f"/admin/registrations/{head.id}/edit", _details()),
              (f"/admin/plenaries/{plenary.slug}/registrations/new", _details(email="x@example.org",
                                                                              attendance="online")),
              (f"/admin/plenaries/{plenary.slug}/participants", {"publish": "1"})]  # fmt: skip
    for url, data in posts:
        assert viewer.post(url, data=data).status_code == 403, url
    assert viewer.get(f"/admin/registrations/{head.id}/edit").status_code == 403
    assert viewer.get(f"/admin/plenaries/{plenary.slug}/registrations/new").status_code == 403
    assert state() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == messages
    assert not db.session.get(Plenary, plenary.id).participants_published
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.actor == "viewer@isa.example")) == 0


def test_every_mail_kind_has_a_label():
    """A mail's kind is shown by its label (a registration's messages, the outbox): none may show as a raw key."""
    from pathlib import Path

    from plenary.admin.audit_labels import MAIL_KIND_LABELS

    kinds = {p.stem for p in (Path(__file__).parent.parent / "templates" / "mail").glob("*.txt")}
    kinds = {kind for kind in kinds if not kind.startswith("_")}
    assert {"questions_follow_up", "certificate_follow_up", "follow_up_absent", "visa_approved"} <= kinds
    assert kinds - set(MAIL_KIND_LABELS) == set()


def test_the_messages_of_a_registration_show_kind_and_state(organizer, people):
    """Every page with a mail's state links the stylesheet that colours it (Bootstrap's badge alone is white on
    nothing: the state was invisible on a registration's page)."""
    from pathlib import Path

    _plenary, _head, zhang, *_ = people
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.registration_id == zhang.id))
    message.kind, message.status, message.sent_at = "questions_follow_up", "sent", datetime.now(UTC)
    db.session.commit()
    page = organizer.get(f"/admin/registrations/{zhang.id}").get_data(as_text=True)
    assert "Questions about the participation" in page and ">questions_follow_up<" not in page
    assert 'class="badge delivery-badge delivery-sent">Sent</span>' in page
    static = Path(__file__).parent.parent / "static"
    sheets = re.findall(r'<link rel="stylesheet" href="/static/([^"?]+)', page)
    assert any(".delivery-sent {" in (static / sheet).read_text() for sheet in sheets if (static / sheet).exists())
