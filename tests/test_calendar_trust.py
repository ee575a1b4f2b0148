"""Calendars that never go silent: drafts, the repeated hour, zone definitions, iMIP details.

Every calendar is read as clients read it: vobject (and so Radicale), icalendar and ics-py.
"""

import email
import email.policy
import re
from datetime import UTC, datetime

import icalendar
import ics
import pytest
import sqlalchemy as sa
import vobject

from plenary.events.editing import save_plenary
from plenary.events.exchange import export_plenary
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import privacy, signup
from plenary.registration.tokens import token_for
from tests.calendar_checks import check_calendar_text, instants
from tests.conftest import login, person
from tests.helpers import calendar_messages

BERLIN_0900 = datetime(2031, 10, 15, 7, 0, tzinfo=UTC)  # the test plenary's start (09:00 CEST)


def _register(plenary, address, **overrides):
    registration = signup.register(plenary.id, person(address, **overrides)).created[0]
    db.session.commit()
    return registration


def _facts(ics_text: str) -> dict:
    """METHOD, SEQUENCE, start and STATUS of a one-event calendar (read with vobject)."""
    vars(vobject.icalendar)["__tzidMap"].clear()
    calendar = vobject.readOne(ics_text, validate=True)
    [event] = calendar.vevent_list
    return {
        "method": calendar.method.value if hasattr(calendar, "method") else None,
        "sequence": int(event.sequence.value),
        "start": event.dtstart.value,
        "status": event.status.value if hasattr(event, "status") else None,
    }


def _save(plenary, **changes):
    """Change the plenary as ``flask plenary import`` and the back office do (save_plenary), and commit."""
    document = export_plenary(plenary, include_private=True) | changes
    result = save_plenary(document)
    db.session.commit()
    return result


def _moved_to_13():
    return {"starts_at": "2031-10-15T13:00:00+02:00", "ends_at": "2031-10-15T16:30:00+02:00",
            "agenda": []}  # fmt: skip


def _public_sequence(client) -> int:
    response = client.get("/plenaries/test-plenary.ics")
    assert response.status_code == 200
    return _facts(response.get_data(as_text=True))["sequence"]


# --- 1. Drafts -------------------------------------------------------------------------------------


def test_published_draft_moved_published_sends_the_new_time(client, open_plenary):
    plenary = open_plenary()
    anna = _register(plenary, "anna@example.org")
    [invitation] = calendar_messages("anna@example.org")
    first = _facts(invitation.calendar_ics)
    assert first["start"] == BERLIN_0900 and _public_sequence(client) == first["sequence"]

    _save(plenary, status="draft")
    _save(plenary, **_moved_to_13())
    assert len(calendar_messages("anna@example.org")) == 1  # a draft tells nobody (yet)
    # Her own download already shows the draft's new time: with a SEQUENCE that outranks her invitation.
    personal = client.get(f"/registrations/{token_for(anna)}/invite.ics").get_data(as_text=True)
    assert _facts(personal)["sequence"] > first["sequence"]

    result = _save(plenary, status="published")
    update = calendar_messages("anna@example.org")[-1]
    facts = _facts(update.calendar_ics)
    assert (update.kind, facts["method"]) == ("plenary_updated", "REQUEST") and result.told == "update"
    assert facts["start"] == datetime(2031, 10, 15, 11, 0, tzinfo=UTC) and facts["sequence"] > first["sequence"]
    assert _public_sequence(client) == facts["sequence"]  # the public copy carries what she was sent


def test_published_draft_cancelled_sends_the_cancellation(client, open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    _register(plenary, "anna@example.org")
    _register(plenary, "ben@example.org")  # waitlisted: a message, no calendar
    request = _facts(calendar_messages("anna@example.org")[0].calendar_ics)
    _save(plenary, status="draft")
    result = _save(plenary, status="cancelled")
    cancel = _facts(calendar_messages("anna@example.org")[-1].calendar_ics)
    assert cancel["method"] == "CANCEL" and cancel["status"] == "CANCELLED"
    assert result.told == "cancel"
    assert cancel["sequence"] > request["sequence"]
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.recipient == "ben@example.org"))
    assert list(kinds)[-1] == "plenary_cancelled"
    assert _public_sequence(client) == cancel["sequence"]


def test_unpublished_and_published_again_unchanged_sends_nothing(client, open_plenary):
    plenary = open_plenary()
    _register(plenary, "anna@example.org")
    sequence = plenary.sequence
    messages = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    _save(plenary, status="draft")
    _save(plenary, title={"de": "Neuer Titel"})  # not calendar-relevant
    assert _save(plenary, status="published").told is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == messages
    assert plenary.sequence == sequence == _public_sequence(client)


def test_draft_never_published_then_cancelled_sends_nothing(make_plenary):
    plenary = make_plenary(status="draft")
    _save(plenary, **_moved_to_13())
    assert _save(plenary, status="cancelled").told is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_cancelled_then_published_again_invites_again_above_the_cancellation(open_plenary):
    plenary = open_plenary()
    _register(plenary, "anna@example.org")
    _save(plenary, status="cancelled")
    _save(plenary, status="draft")
    _save(plenary, status="published")
    trail = [_facts(m.calendar_ics) for m in calendar_messages("anna@example.org")]
    assert [f["method"] for f in trail] == ["REQUEST", "CANCEL", "REQUEST"]
    assert [f["sequence"] for f in trail] == sorted({f["sequence"] for f in trail})  # strictly rising


def test_the_same_paths_through_import_and_the_back_office(client, open_plenary, accounts):
    """`plenary import` (save_plenary) to unpublish and move, the back office's Publish button to publish."""
    plenary = open_plenary()
    _register(plenary, "anna@example.org")
    before = _facts(calendar_messages("anna@example.org")[0].calendar_ics)
    save_plenary(export_plenary(plenary, include_private=True) | {"status": "draft"})
    db.session.commit()
    save_plenary(export_plenary(plenary, include_private=True) | _moved_to_13())
    db.session.commit()
    login(client, "organizer@isa.example")
    assert client.post("/admin/plenaries/test-plenary/publish").status_code == 302
    after = _facts(calendar_messages("anna@example.org")[-1].calendar_ics)
    assert after["method"] == "REQUEST" and after["start"] == datetime(2031, 10, 15, 11, 0, tzinfo=UTC)
    assert after["sequence"] > before["sequence"]
    client.get("/admin/logout")
    assert _public_sequence(client) == after["sequence"]


# --- 2. The repeated hour --------------------------------------------------------------------------

#: 26 October 2031, the last Sunday of October: in Berlin 02:00–03:00 happens twice.
FIRST_0230 = "2031-10-26T02:30:00+02:00"  # 00:30 UTC
SECOND_0230 = "2031-10-26T02:30:00+01:00"  # 01:30 UTC


def _read_starts(raw: bytes) -> list[datetime]:
    """The VEVENT starts as vobject, icalendar and ics-py read them; all three must agree."""
    by_vobject = sorted(start for start, _end in instants(raw))  # vobject and ics, compared there
    by_icalendar = sorted(e.decoded("dtstart") for e in icalendar.Calendar.from_ical(raw).walk("VEVENT"))
    by_ics = sorted(e.begin.datetime for e in ics.Calendar(raw.decode("utf-8")).events)
    assert [s.timestamp() for s in by_vobject] == [s.timestamp() for s in by_icalendar] == [
        s.timestamp() for s in by_ics]  # fmt: skip
    return by_vobject


@pytest.mark.parametrize(("start", "utc"), [(FIRST_0230, datetime(2031, 10, 26, 0, 30, tzinfo=UTC)),
                                            (SECOND_0230, datetime(2031, 10, 26, 1, 30, tzinfo=UTC))])  # fmt: skip
def test_a_time_in_the_repeated_hour_reads_as_one_instant_everywhere(client, make_plenary, start, utc):
    agenda = [{"kind": "report", "title": {"de": "Nachtbericht"}, "starts_at": start, "duration_minutes": 10}]
    make_plenary(starts_at=start, ends_at="2031-10-26T05:00:00+01:00", agenda=agenda,
                 registration={"opens_at": "2026-01-01T00:00:00+01:00", "capacity_in_person": 5})  # fmt: skip
    plenary = db.session.scalar(sa.select(Plenary))
    registration = _register(plenary, "anna@example.org")
    sources = {
        "download": client.get("/plenaries/test-plenary.ics").data,
        "feed": client.get("/calendar.ics").data,
        "agenda": client.get("/plenaries/test-plenary/agenda.ics").data,
        "personal": client.get(f"/registrations/{token_for(registration)}/invite.ics").data,
        "invitation": calendar_messages("anna@example.org")[0].calendar_ics.encode("utf-8"),
    }
    for name, raw in sources.items():
        check_calendar_text(raw)
        assert _read_starts(raw)[0] == utc, name
        text = raw.decode("utf-8")
        assert f"DTSTART:{utc:%Y%m%dT%H%M%S}Z" in text, name  # unambiguous: UTC
        if name != "agenda":  # the end (05:00 CET) occurs once: local time with its zone
            assert "DTEND;TZID=Europe/Berlin:20311026T050000" in text, name


def test_normal_times_keep_their_zone():
    from zoneinfo import ZoneInfo

    from plenary.calendar.ical import local_or_utc

    berlin = ZoneInfo("Europe/Berlin")
    assert local_or_utc(datetime(2031, 10, 26, 2, 0, tzinfo=UTC), berlin).tzinfo == berlin  # 03:00 CET, once
    assert local_or_utc(datetime(2031, 10, 26, 0, 59, tzinfo=UTC), berlin).tzinfo == UTC  # 02:59 CEST
    assert local_or_utc(datetime(2031, 3, 30, 1, 0, tzinfo=UTC), berlin).tzinfo == berlin  # 03:00 CEST after the gap


# --- 3. Zone definitions ---------------------------------------------------------------------------


def _one_process_reads(files: list[bytes]) -> list[datetime]:
    """The first start of each file, read by ONE vobject registry (as Radicale does), and by icalendar and ics."""
    vars(vobject.icalendar)["__tzidMap"].clear()  # a fresh process; then nothing is cleared between files
    starts = []
    for raw in files:
        [event] = vobject.readOne(raw.decode("utf-8"), validate=True).vevent_list
        by_icalendar = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0].decoded("dtstart")
        by_ics = next(iter(ics.Calendar(raw.decode("utf-8")).events)).begin.datetime
        assert event.dtstart.value.timestamp() == by_icalendar.timestamp() == by_ics.timestamp()
        starts.append(event.dtstart.value.astimezone(UTC))
    return starts


CASES = {
    # The 2027 file first: its definition must not make the 2021 summer read in winter time.
    "Europe/Berlin": ["2027-06-15T10:00:00+02:00", "2021-06-15T10:00:00+02:00", "2021-01-15T10:00:00+01:00"],
    # Summer time abolished after 2022: June 2022 is UTC-5, June 2024 UTC-6.
    "America/Mexico_City": ["2022-06-15T10:00:00-05:00", "2024-06-15T10:00:00-06:00", "2031-07-01T10:00:00-06:00"],
    # UTC+1 but UTC+0 in Ramadan (2027: 7 February to 14 March; 2020: 19 April to 31 May).
    "Africa/Casablanca": ["2027-02-20T10:00:00+00:00", "2027-06-15T10:00:00+01:00", "2020-05-01T10:00:00+00:00"],
    "Asia/Shanghai": ["2021-06-15T10:00:00+08:00", "2031-10-15T15:00:00+08:00"],
}


@pytest.mark.parametrize("zone", sorted(CASES))
def test_files_of_different_years_read_right_in_one_process_in_any_order(client, make_plenary, zone):
    files = []
    for number, start in enumerate(CASES[zone], start=1):
        moment = datetime.fromisoformat(start)
        end = moment.replace(hour=moment.hour + 2).isoformat()
        make_plenary(slug=f"p{number}", number=number, timezone=zone, starts_at=start, ends_at=end, agenda=[],
                     registration=None)  # fmt: skip
        files.append(client.get(f"/plenaries/p{number}.ics").data)
    expected = [datetime.fromisoformat(start).astimezone(UTC) for start in CASES[zone]]
    assert _one_process_reads(files) == expected
    assert _one_process_reads(files[::-1]) == expected[::-1]


def _vtimezones(raw: bytes) -> dict[str, bytes]:
    blocks = re.findall(rb"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", raw, flags=re.S)
    return {re.search(rb"TZID:([^\r]+)", block).group(1).decode(): block for block in blocks}


def test_a_zone_has_one_definition_byte_for_byte_in_every_file(client, make_plenary, app):
    make_plenary(registration=None)  # 2031, Berlin
    make_plenary(slug="old", number=7, starts_at="2021-06-15T10:00:00+02:00", ends_at="2021-06-15T12:00:00+02:00",
                 agenda=[], registration=None)  # fmt: skip
    plenary = make_plenary(slug="shanghai", number=8, timezone="Asia/Shanghai", agenda=[],
                           starts_at="2031-11-15T15:00:00+08:00", ends_at="2031-11-15T18:00:00+08:00",
                           registration={"opens_at": "2026-01-01T00:00:00+08:00", "capacity_in_person": 5})
    registration = _register(plenary, "li@example.cn", language="zh")
    files = [client.get(url).data for url in ("/plenaries/test-plenary.ics", "/plenaries/old.ics",
                                              "/plenaries/test-plenary/agenda.ics", "/calendar.ics?lang=zh",
                                              "/plenaries/shanghai.ics",
                                              f"/registrations/{token_for(registration)}/invite.ics")]  # fmt: skip
    files.append(calendar_messages("li@example.cn")[0].calendar_ics.encode("utf-8"))
    seen: dict[str, set[bytes]] = {}
    for raw in files:
        for zone, block in _vtimezones(raw).items():
            seen.setdefault(zone, set()).add(block)
    assert set(seen) == {"Europe/Berlin", "Asia/Shanghai"}
    assert all(len(blocks) == 1 for blocks in seen.values()), "a zone written in two ways"


def test_every_zone_definition_matches_the_tz_database():
    """Random instants 1970–2200 in zones with changed rules, through each parser's reading of our VTIMEZONE."""
    import random
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from plenary.calendar.timezones import vtimezone

    rng = random.Random(9)
    for zone in ("Europe/Berlin", "Asia/Shanghai", "America/Mexico_City", "Africa/Casablanca", "America/New_York",
                 "Australia/Sydney", "America/Santiago"):  # fmt: skip
        vars(vobject.icalendar)["__tzidMap"].clear()
        for _ in range(40):
            moment = datetime(1970, 1, 2, tzinfo=UTC) + timedelta(minutes=rng.randrange(120_000_000))
            local = moment.astimezone(ZoneInfo(zone))
            if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
                continue  # ambiguous: written in UTC (above)
            cal = icalendar.Calendar()
            cal.add("prodid", "-//test//EN")
            cal.add("version", "2.0")
            cal.add_component(vtimezone(zone))
            event = icalendar.Event()
            event.add("uid", "x@example.org")
            event.add("dtstamp", moment)
            event.add("dtstart", local)
            cal.add_component(event)
            raw = cal.to_ical()
            assert "TZID=" in raw.decode()
            [read] = vobject.readOne(raw.decode("utf-8")).vevent_list
            assert read.dtstart.value == moment, (zone, local)


# --- 4. Organizer, MIME, descriptions, the feed, online attendees, erasure ----------------------------


def _delivered(app, tmp_path, kind):
    from plenary.mail.delivery import deliver_due

    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    deliver_due()
    [path] = [p for p in tmp_path.iterdir() if kind in p.name]
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


@pytest.mark.parametrize("contact", ["plenary@example.org", None])
def test_organizer_is_the_reply_to_mailbox(app, open_plenary, tmp_path, contact):
    app.config["CALENDAR_ORGANIZER_EMAIL"] = "replies@isa.example" if contact is None else None
    plenary = open_plenary()
    plenary.contact_email = contact
    db.session.commit()
    _register(plenary, "anna@example.org")
    message = _delivered(app, tmp_path, "registration_confirmed")
    ics_text = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_content()
    [event] = vobject.readOne(ics_text).vevent_list
    expected = contact or "replies@isa.example"
    assert message["Reply-To"] == expected and event.organizer.value == f"mailto:{expected}"


def test_the_attachment_is_application_ics_and_the_alternative_text_calendar(app, open_plenary, tmp_path):
    plenary = open_plenary()
    _register(plenary, "anna@example.org")
    message = _delivered(app, tmp_path, "registration_confirmed")
    alternative, attachment = message.get_payload()
    inline = alternative.get_payload()[-1]
    assert inline.get_content_type() == "text/calendar" and inline.get_param("method") == "REQUEST"
    assert attachment.get_content_type() == "application/ics" and attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == inline.get_payload(decode=True)


def test_no_calendar_has_an_empty_description(client, make_plenary):
    agenda = [{"kind": "break", "title": {"de": "Pause"}, "starts_at": "2031-10-15T10:00:00+02:00",
               "duration_minutes": 15}]  # fmt: skip
    make_plenary(agenda=agenda, summary={})
    for url in ("/plenaries/test-plenary.ics", "/plenaries/test-plenary/agenda.ics", "/calendar.ics"):
        unfolded = client.get(url).get_data(as_text=True).replace("\r\n ", "")
        assert not re.search(r"^DESCRIPTION:\s*$", unfolded, flags=re.M), url
    assert "BEGIN:VEVENT" in client.get("/plenaries/test-plenary/agenda.ics").get_data(as_text=True)


@pytest.mark.parametrize(("lang", "prefix"), [("de", "Abgesagt: "), ("en", "Cancelled: "), ("zh", "已取消：")])
def test_cancelled_plenaries_in_the_feed_are_transparent_and_marked(client, make_plenary, lang, prefix):
    make_plenary(slug="cancelled-one", number=43, status="cancelled")
    make_plenary(slug="going-on", number=44)
    vars(vobject.icalendar)["__tzidMap"].clear()
    feed = vobject.readOne(client.get(f"/calendar.ics?lang={lang}").get_data(as_text=True))
    by_status = {e.status.value: e for e in feed.vevent_list}
    cancelled, confirmed = by_status["CANCELLED"], by_status["CONFIRMED"]
    assert cancelled.transp.value == "TRANSPARENT" and cancelled.summary.value.startswith(prefix)
    assert confirmed.transp.value == "OPAQUE" and not confirmed.summary.value.startswith(prefix)


def test_an_online_attendee_is_invited_to_the_online_meeting_not_the_hall(client, open_plenary):
    from plenary.join.tokens import join_token_for

    plenary = open_plenary()  # hybrid, in the Rathaus and online
    online = _register(plenary, "online@example.org", attendance="online")
    seat = _register(plenary, "seat@example.org")
    location = {}
    for registration in (online, seat):
        text = calendar_messages(registration.email)[0].calendar_ics
        [event] = vobject.readOne(text).vevent_list
        location[registration.attendance] = event.location.value
    # Their personal join link (the token filled in at delivery), never the meeting's own address.
    assert location["online"] == "https://plenary.example.org/join/JOIN-LINK-TOKEN?lang=de"
    assert "Rathaus" in location["in_person"]
    personal = client.get(f"/registrations/{token_for(online)}/invite.ics").get_data(as_text=True)
    [event] = vobject.readOne(personal).vevent_list
    assert event.location.value == f"https://plenary.example.org/join/{join_token_for(online)}?lang=de"
    assert "secret-room-4711" not in personal


def test_erasing_a_confirmed_registration_takes_the_plenary_out_of_their_calendar(app, open_plenary, tmp_path):
    from plenary.mail.delivery import deliver_due

    mails = tmp_path / "mail"  # (tmp_path holds the SQLite database too)
    mails.mkdir()
    app.config["MAIL_FILE_DIR"] = str(mails)
    plenary = open_plenary(capacity_in_person=1)
    anna = _register(plenary, "anna@example.org", last_name="Zwetschgenbaum")
    ben = _register(plenary, "ben@example.org")  # waitlisted: no invitation, so no CANCEL
    request = _facts(calendar_messages("anna@example.org")[0].calendar_ics)
    deliver_due()
    privacy.erase(ben.id)
    db.session.commit()
    privacy.erase(anna.id)
    db.session.commit()
    [farewell] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
    assert farewell.recipient == "anna@example.org" and farewell.calendar_method == "CANCEL"
    cancel = _facts(farewell.calendar_ics)
    assert cancel["method"] == "CANCEL" and cancel["sequence"] > request["sequence"]
    stored = " ".join((farewell.subject, farewell.body_text, farewell.body_html, farewell.calendar_ics))
    assert "Zwetschgenbaum" not in stored  # nothing about her but the address it goes to
    assert deliver_due().sent == [farewell.id]
    sent = db.session.get(OutboxMessage, farewell.id)
    assert sent.recipient is None and sent.calendar_ics is None  # once out, the address is forgotten too
    assert [p.name for p in mails.iterdir() if "anna@example.org" in p.read_text("utf-8", "replace")] == []

