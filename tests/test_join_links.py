"""Personal join links (/join/<token>): who gets one, the window, the redirect by country, the attendance record,
and that the meeting's addresses reach nobody else (pages, feeds, API, calendars, in-person mails)."""

import email
import email.policy
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale, gettext
from icalendar import Calendar

from plenary.attendance.models import AttendanceChannel, AttendanceRecord, AttendanceSource
from plenary.events.editing import save_plenary
from plenary.events.exchange import export_plenary
from plenary.extensions import db
from plenary.join.services import addresses, gets_join_link
from plenary.join.tokens import join_token_for
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, signup
from plenary.registration.tokens import token_for
from tests.conftest import person
from tests.helpers import calendar_messages

GENERAL = "https://meet.example.org/secret-room-4711"
CHINA = "https://meeting.tencent.example/secret-cn-8822"
START = datetime(2031, 10, 15, 7, 0, tzinfo=UTC)  # 09:00 Berlin (summer time), 15:00 Beijing
END = datetime(2031, 10, 15, 10, 30, tzinfo=UTC)


def _register(plenary, address, **overrides):
    result = signup.register(plenary.id, person(address, **overrides))
    db.session.commit()
    return result.created[0]


@pytest.fixture
def hybrid(open_plenary):
    """The test plenary (hybrid, 15 Oct 2031 09:00 Berlin) with both meeting addresses."""
    plenary = open_plenary(capacity_online=None)
    document = export_plenary(plenary, include_private=True) | {"online_url_cn": CHINA}
    save_plenary(document)
    db.session.commit()
    return plenary


def _join(client, registration, **query):
    return client.get(f"/join/{join_token_for(registration)}", query_string=query)


def _records(registration):
    db.session.expire_all()
    return db.session.scalars(sa.select(AttendanceRecord).where(AttendanceRecord.registration_id == registration.id)
                              ).all()  # fmt: skip


# Unknown, forged, erased, refused


def test_unknown_forged_and_erased_tokens_answer_like_any_unknown_page(client, hybrid):
    anna = _register(hybrid, "anna@example.org", attendance="online")
    token = join_token_for(anna)

    def main(response):  # the page itself (the head's language links name the address asked for)
        return response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]

    unknown = main(client.get("/no-such-page"))
    forged = [token[:-1] + ("A" if token[-1] != "A" else "B"), f"{anna.id}-" + "x" * 43, "1-short", "", "0-" + "a" * 43,
              "2147483648-" + "a" * 43, "999999999999999999-" + "a" * 43,  # beyond an INTEGER (PostgreSQL)
              token_for(anna)]  # the personal page's token opens no meeting either  # fmt: skip
    for value in forged:
        response = client.get(f"/join/{value}")
        assert response.status_code == 404, value
        assert main(response) == unknown, value
    from plenary.registration import privacy

    privacy.erase(anna.id)
    db.session.commit()
    assert client.get(f"/join/{token}").status_code == 404


@pytest.mark.parametrize("case", ["cancelled", "waitlisted", "in_person", "plenary_cancelled", "in_person_plenary"])
def test_a_genuine_link_that_leads_nowhere_says_why_in_the_persons_language(client, open_plenary, case):
    plenary = open_plenary(capacity_online=1 if case == "waitlisted" else None)
    if case == "waitlisted":
        _register(plenary, "first@example.org", attendance="online")
    who = _register(plenary, "li@example.cn", attendance="in_person" if case == "in_person" else "online",
                    language="zh", country="CN")  # fmt: skip
    if case == "cancelled":
        changes.cancel(who.id)
        db.session.commit()
    if case in ("plenary_cancelled", "in_person_plenary"):
        document = export_plenary(plenary, include_private=True)
        document |= {"status": "cancelled"} if case == "plenary_cancelled" else {"format": "in_person"}
        save_plenary(document)
        db.session.commit()
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        response = _join(client, who)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "secret-room" not in body and "secret-cn" not in body
    assert 'lang="zh-Hans"' in body
    expected = {"cancelled": "Your registration is not confirmed (or no longer), so there is no online "
                             "participation for it.",
                "waitlisted": "Your registration is not confirmed (or no longer), so there is no online "
                              "participation for it.",
                "in_person": "You are registered to attend in the hall, not online. Your check-in code is on your "
                             "personal page.",
                "plenary_cancelled": "The plenary assembly has been cancelled.",
                "in_person_plenary": "This plenary assembly has no online participation."}[case]  # fmt: skip
    with force_locale("zh_Hans"):
        assert gettext(expected) in body
    assert _records(who) == [] and response.headers["Cache-Control"] == "no-store"


def test_another_plenarys_link_leads_only_to_its_own_meeting(client, hybrid, make_plenary):
    from tests.conftest import open_registration

    other = make_plenary(slug="other-plenary", number=43, online_url="https://meet.example.org/other-room",
                         registration=open_registration(capacity_online=None))  # fmt: skip
    theirs = _register(other, "bo@example.org", attendance="online")
    with time_machine.travel(START - timedelta(minutes=10), tick=False):
        response = _join(client, theirs)
    assert response.status_code == 303 and response.headers["Location"] == "https://meet.example.org/other-room"
    assert [r.registration_id for r in _records(theirs)] == [theirs.id]


# The window


@pytest.mark.parametrize(("minutes_before", "opens"), [(31, False), (30, True), (29, True)])
def test_the_window_opens_thirty_minutes_before_the_start(client, hybrid, minutes_before, opens):
    anna = _register(hybrid, "anna@example.org", attendance="online")
    with time_machine.travel(START - timedelta(minutes=minutes_before), tick=False):
        response = _join(client, anna)
    if opens:
        assert response.status_code == 303 and response.headers["Location"] == GENERAL
        [record] = _records(anna)
        assert (record.channel, record.source) == (AttendanceChannel.ONLINE, AttendanceSource.JOIN_LINK)
    else:
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "secret-room" not in body and "secret-cn" not in body
        with force_locale("de"):
            assert gettext("The online meeting has not opened yet") in body
        assert 'http-equiv="refresh" content="61"' in body  # back exactly when it opens
        assert _records(anna) == []
    for name, value in (("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer")):
        assert response.headers[name] == value
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_the_window_setting_and_the_end(make_app):
    from plenary.events.exchange import import_plenary
    from tests.conftest import open_registration, plenary_document

    app = make_app(JOIN_OPENS_MINUTES_BEFORE=60)
    with app.app_context():
        plenary, _ = import_plenary(plenary_document(registration=open_registration(capacity_online=None)))
        db.session.commit()
        anna = _register(plenary, "anna@example.org", attendance="online")
        client = app.test_client()
        with time_machine.travel(START - timedelta(minutes=59), tick=False):
            assert _join(client, anna).status_code == 303
        with time_machine.travel(END - timedelta(seconds=1), tick=False):
            assert _join(client, anna).status_code == 303
        with time_machine.travel(END, tick=False):
            over = _join(client, anna)
        body = over.get_data(as_text=True)
        assert over.status_code == 200 and "secret-room" not in body
        assert '/plenaries/test-plenary#documents"' in body.replace("?lang=de", "")
        with force_locale("de"):
            assert gettext("The plenary assembly is over") in body


def test_waiting_page_in_chinese_with_beijing_time_and_calendar(client, hybrid):
    li = _register(hybrid, "li@example.cn", attendance="online", language="zh", country="CN", first_name="雷",
                   last_name="李")  # fmt: skip
    with time_machine.travel(START - timedelta(hours=2), tick=False):
        response = _join(client, li)
        ics = client.get(f"/join/{join_token_for(li)}/invite.ics")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="zh-Hans"' in body
    assert "北京时间" in body and "15:00" in body and "09:00" in body  # Beijing, then the plenary's own zone
    assert "14:30" in body  # when it opens, in Beijing time
    assert "/static/js/join.js" in body and "http" not in body.split("join.js")[0].rsplit("src=", 1)[-1][:3]
    assert f"/join/{join_token_for(li)}/invite.ics" in body and token_for(li) not in body
    # The fallback is a link through the join page, never the other address itself.
    assert f"/join/{join_token_for(li)}?via=other" in body.replace("&amp;", "&") and GENERAL not in body
    assert ics.status_code == 200 and ics.headers["Cache-Control"] == "no-store"
    [event] = Calendar.from_ical(ics.get_data()).walk("VEVENT")
    assert join_token_for(li) in str(event["CONFERENCE"]) and "secret" not in ics.get_data(as_text=True)


# Where it leads


@pytest.mark.parametrize(("country", "general", "china", "target", "fallback"), [
    ("CN", GENERAL, CHINA, CHINA, GENERAL),
    ("CN", GENERAL, None, GENERAL, None),
    ("DE", GENERAL, CHINA, GENERAL, CHINA),
    ("FR", None, CHINA, CHINA, None),
    (None, GENERAL, CHINA, GENERAL, CHINA),
])  # fmt: skip
def test_the_redirect_chooses_by_country_with_the_other_as_fallback(client, open_plenary, country, general, china,
                                                                    target, fallback):  # fmt: skip
    plenary = open_plenary(capacity_online=None)
    save_plenary(export_plenary(plenary, include_private=True) | {"online_url": general, "online_url_cn": china})
    db.session.commit()
    who = _register(plenary, "x@example.org", attendance="online", country=country)
    assert addresses(who).primary == target and addresses(who).fallback == fallback
    with time_machine.travel(START, tick=False):
        assert _join(client, who).headers["Location"] == target
        other = _join(client, who, via="other")
    assert other.headers["Location"] == (fallback or target)


def test_inside_the_window_without_an_address_the_page_waits(client, open_plenary):
    plenary = open_plenary(capacity_online=None)
    save_plenary(export_plenary(plenary, include_private=True) | {"online_url": None})
    db.session.commit()
    anna = _register(plenary, "anna@example.org", attendance="online")
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        response = _join(client, anna)
    assert response.status_code == 200 and 'content="60"' in response.get_data(as_text=True)
    assert _records(anna) == []


def test_two_joins_make_one_record_with_first_and_latest_time(client, hybrid):
    anna = _register(hybrid, "anna@example.org", attendance="online")
    first, later = START - timedelta(minutes=20), START + timedelta(minutes=45)
    with time_machine.travel(first, tick=False):
        assert _join(client, anna).status_code == 303
    with time_machine.travel(later, tick=False):
        assert _join(client, anna).status_code == 303
    [record] = _records(anna)
    assert (record.first_seen_at, record.last_seen_at) == (first, later)
    assert record.recorded_by is None


def test_the_join_is_rate_limited(make_app):
    from plenary.events.exchange import import_plenary
    from tests.conftest import open_registration, plenary_document

    app = make_app(RATELIMIT_ENABLED=True, JOIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        plenary, _ = import_plenary(plenary_document(registration=open_registration(capacity_online=None)))
        db.session.commit()
        anna = _register(plenary, "anna@example.org", attendance="online")
        client = app.test_client()
        codes = [client.get("/join/1-" + "a" * 43).status_code, _join(client, anna).status_code,
                 _join(client, anna).status_code, _join(client, anna).status_code]  # fmt: skip
    assert codes == [404, 200, 200, 429]


# Who gets the link, and where it appears


def test_gets_join_link(hybrid):
    online = _register(hybrid, "on@example.org", attendance="online")
    seat = _register(hybrid, "seat@example.org", attendance="in_person")
    assert gets_join_link(online) and not gets_join_link(seat)
    changes.cancel(online.id)
    db.session.commit()
    assert not gets_join_link(online)


def test_personal_page_shows_the_join_link_to_confirmed_online_attendees_only(client, hybrid):
    online = _register(hybrid, "on@example.org", attendance="online", country="CN", language="zh")
    seat = _register(hybrid, "seat@example.org", attendance="in_person")
    page = client.get(f"/registrations/{token_for(online)}").get_data(as_text=True)
    assert f"/join/{join_token_for(online)}" in page and "14:30" in page and "北京时间" in page
    assert "secret-room" not in page and "secret-cn" not in page
    other = client.get(f"/registrations/{token_for(seat)}").get_data(as_text=True)
    assert "/join/" not in other and "secret" not in other


def _delivered(app, tmp_path, address):
    from plenary.mail.delivery import deliver_due

    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    deliver_due()
    messages = []
    for path in sorted(tmp_path.iterdir()):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            messages.append(message)
    return messages


def _parts(message):
    out = {}
    for part in message.walk():
        if part.get_content_maintype() in ("multipart", "image"):
            continue
        out.setdefault(part.get_content_type(), part.get_payload(decode=True).decode("utf-8"))
    return out


HOSTILE_TITLE = {"de": 'Plenar <b>"x"</b> {{ 7*7 }} JOIN-LINK-TOKEN PERSONAL-LINK-TOKEN ' + "ب" * 20 + " 🎉 "
                       + "y" * 80}  # fmt: skip


def test_the_delivered_invitation_carries_the_join_link_never_the_address(app, hybrid, tmp_path):
    save_plenary(export_plenary(hybrid, include_private=True) | {"title": HOSTILE_TITLE})
    db.session.commit()
    # A long address, so that the join link's line is folded across the placeholder.
    li = _register(hybrid, "li.lei.with.a.rather.long.address.for.folding@example.cn", attendance="online",
                   language="zh", country="CN", first_name="JOIN-LINK-TOKEN", last_name="李")  # fmt: skip
    [message] = _delivered(app, tmp_path, li.email)
    parts = _parts(message)
    token = join_token_for(li)
    for kind in ("text/plain", "text/html", "text/calendar"):
        assert "secret-room" not in parts[kind] and "secret-cn" not in parts[kind], kind
    assert f"/join/{token}" in parts["text/plain"] and f"/join/{token}" in parts["text/html"]
    [event] = Calendar.from_ical(parts["text/calendar"]).walk("VEVENT")
    url = f"https://plenary.example.org/join/{token}?lang=zh"
    assert str(event["CONFERENCE"]) == url and str(event["LOCATION"]) == url and url in str(event["DESCRIPTION"])
    # What people typed stays as typed (defused, never filled in): no token in the title or the name.
    summary = str(event["SUMMARY"])
    assert token not in summary and "JOIN-LINK-TOKEN" not in summary and "J\u2060OIN-LINK-TOKEN" in summary
    assert token not in str(event["ATTENDEE"].params.get("CN", ""))
    assert all(len(line.encode()) <= 75 for line in parts["text/calendar"].split("\r\n"))


def test_in_person_mails_and_calendars_carry_neither_address_nor_join_link(app, hybrid, tmp_path):
    seat = _register(hybrid, "seat@example.org", attendance="in_person", country="CN")
    [message] = _delivered(app, tmp_path, seat.email)
    for kind, text in _parts(message).items():
        assert "secret" not in text and "/join/" not in text, kind


def test_a_new_address_resends_no_invitation(hybrid):
    _register(hybrid, "on@example.org", attendance="online")
    before = len(calendar_messages("on@example.org"))
    save_plenary(export_plenary(hybrid, include_private=True) | {"online_url": "https://meet.example.org/new",
                                                                  "online_url_cn": None})  # fmt: skip
    db.session.commit()
    assert len(calendar_messages("on@example.org")) == before
    assert hybrid.online_url == "https://meet.example.org/new" and hybrid.online_url_cn is None


def test_an_old_snapshot_with_the_address_is_no_change(hybrid):
    from plenary.events.changes import _content, snapshot

    old = snapshot(hybrid) | {"online_url": "https://meet.example.org/old"}
    assert _content(old) == _content(snapshot(hybrid))


# Public pages, feeds and the API never carry either address


def test_no_address_in_public_pages_feeds_exports_or_the_api(client, hybrid):
    _register(hybrid, "on@example.org", attendance="online", country="CN")
    urls = ["/", "/plenaries/test-plenary", "/plenaries/test-plenary.ics", "/plenaries/test-plenary/agenda.ics",
            "/calendar.ics", "/api/v1/plenaries", "/api/v1/plenaries/test-plenary", "/api/v1/openapi.json"]  # fmt: skip
    seen = 0
    for url in urls:
        for lang in ("de", "zh", "en"):
            response = client.get(url, query_string={"lang": lang})
            if response.status_code == 404:
                continue
            seen += 1
            body = response.get_data(as_text=True)
            assert "secret-room" not in body and "secret-cn" not in body and "online_url_cn" not in body, url
    assert seen >= 15
    public = export_plenary(hybrid)
    assert "online_url_cn" not in public and "secret-cn" not in json.dumps(public)
    assert export_plenary(hybrid, include_private=True)["online_url_cn"] == CHINA


def test_an_import_without_private_fields_keeps_them_and_null_clears(hybrid):
    from plenary.events.exchange import import_plenary

    import_plenary(export_plenary(hybrid))
    assert hybrid.online_url_cn == CHINA
    import_plenary(export_plenary(hybrid, include_private=True) | {"online_url_cn": None})
    assert hybrid.online_url_cn is None


def test_confirmation_mail_queued_with_the_join_placeholder_not_the_address(hybrid):
    on = _register(hybrid, "on@example.org", attendance="online")
    [message] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == on.email)).all()
    assert "JOIN-LINK-TOKEN" in message.body_text and "JOIN-LINK-TOKEN" in message.calendar_ics.replace("\r\n ", "")
    assert "secret" not in message.body_text + message.body_html + message.calendar_ics


# The back office


def test_the_back_office_sets_the_china_address_audited_and_refuses_a_bad_one(client, accounts, demo):
    from plenary.admin.audit_labels import FIELD_LABELS
    from plenary.events.models import Plenary
    from tests.conftest import login
    from tests.test_admin_plenaries import audit, new_plenary_data

    login(client, "organizer@isa.example")
    bad = client.post("/admin/plenaries/new", data=new_plenary_data(online_url_cn="javascript:alert(1)"))
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="online_url_cn"' in body and "javascript:alert(1)" in body  # kept, shown
    with force_locale("de"):
        assert gettext("Please enter a web address starting with https:// or http://.") in body
    response = client.post("/admin/plenaries/new", data=new_plenary_data(online_url_cn=CHINA))
    assert response.status_code == 302
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == "12th-plenary"))
    assert plenary.online_url_cn == CHINA
    assert audit("plenary.create")[-1].changes["online_url_cn"] == [None, CHINA]
    assert "online_url_cn" in FIELD_LABELS
    edit = client.get("/admin/plenaries/12th-plenary/edit").get_data(as_text=True)
    assert f'value="{CHINA}"' in edit
