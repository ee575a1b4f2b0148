"""Calendar downloads and feeds, parsed by independent parsers; invitations by mail (iTIP/iMIP)."""

import email
import email.policy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from plenary.events.editing import save_plenary
from plenary.extensions import db
from plenary.join.tokens import join_token_for
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, notifications, privacy, signup
from plenary.registration import organizer as organizer_actions
from plenary.registration.tokens import token_for
from tests.calendar_checks import check_calendar_text, instants, parse_with_vobject
from tests.conftest import person
from tests.helpers import calendar_messages


def _get(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    assert response.content_type == "text/calendar; charset=utf-8"
    check_calendar_text(response.data)
    return response


def test_plenary_download_has_the_right_instants_in_berlin_and_shanghai(client, make_plenary):
    plenary = make_plenary()
    for zone in ("Europe/Berlin", "Asia/Shanghai"):
        plenary.timezone = zone
        db.session.commit()
        response = _get(client, "/plenaries/test-plenary.ics?lang=zh")
        [(start, end)] = instants(response.data)
        assert start == datetime(2031, 10, 15, 7, 0, tzinfo=UTC) and end == datetime(2031, 10, 15, 10, 30, tzinfo=UTC)
        body = response.get_data(as_text=True)
        assert f"DTSTART;TZID={zone}:" in body
        assert "METHOD" not in body and "ORGANIZER" not in body and "ATTENDEE" not in body
        assert "secret-room-4711" not in body  # the private online link
        assert "第四十二届全体大会" in body
        assert 'filename="test-plenary.ics"' in response.headers["Content-Disposition"]


def test_events_across_dst_and_midnight(client, make_plenary):
    # Sunday 31 October 2021 in Berlin: summer time ends at 03:00; the event runs from 01:30 to 04:30.
    make_plenary(starts_at="2021-10-31T01:30:00+02:00", ends_at="2021-10-31T04:30:00+01:00",
                 registration=None, agenda=[])  # fmt: skip
    [(start, end)] = instants(_get(client, "/plenaries/test-plenary.ics").data)
    assert end.timestamp() - start.timestamp() == timedelta(hours=4).total_seconds()  # 4 real hours
    assert start.astimezone(ZoneInfo("Asia/Shanghai")).hour == 7  # 23:30 UTC + 8 … next day in Beijing
    assert start.astimezone(ZoneInfo("Asia/Shanghai")).day == 31


def test_agenda_feed_relates_each_item_to_the_plenary(client, make_plenary):
    plenary = make_plenary()
    response = _get(client, "/plenaries/test-plenary/agenda.ics?lang=de")
    [(start, end)] = instants(response.data)  # only the timed item
    assert start == plenary.agenda_items[0].starts_at and end - start == timedelta(minutes=20)
    body = response.get_data(as_text=True).replace("\r\n ", "")
    assert f"RELATED-TO;RELTYPE=PARENT:{plenary.uid}" in body and plenary.uid.endswith("@plenary.example.org")
    assert "Arbeitsbericht (Bericht)" in body and "Yi Liu" in body


def test_subscribable_feed(client, make_plenary):
    make_plenary()
    make_plenary(slug="cancelled-one", number=43, status="cancelled")
    make_plenary(slug="draft-one", number=44, status="draft")
    response = _get(client, "/calendar.ics?lang=en")
    body = response.get_data(as_text=True).replace("\r\n ", "")
    assert "X-WR-CALNAME:ISA plenary assemblies" in body and "NAME:ISA plenary assemblies" in body
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H" in body and "X-PUBLISHED-TTL:PT12H" in body
    assert body.count("BEGIN:VEVENT") == 2 and "STATUS:CANCELLED" in body
    assert "secret-room-4711" not in body
    de = _get(client, "/calendar.ics?lang=de").get_data(as_text=True)
    assert "X-WR-CALNAME:ISA-Plenarversammlungen" in de.replace("\r\n ", "")


def test_conditional_get(client, make_plenary):
    make_plenary()
    first = _get(client, "/plenaries/test-plenary.ics")
    again = client.get("/plenaries/test-plenary.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    since = client.get("/plenaries/test-plenary.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_uids_are_stable_and_unique(client, make_plenary):
    plenary = make_plenary()
    body = _get(client, "/plenaries/test-plenary.ics").get_data(as_text=True)
    make_plenary(title={"de": "Neuer Titel"})  # re-import: same plenary
    assert f"UID:{plenary.uid}" in body
    assert f"UID:{plenary.uid}" in _get(client, "/plenaries/test-plenary.ics").get_data(as_text=True)
    assert make_plenary(slug="another", number=43).uid != plenary.uid


def test_hostile_text_is_escaped(client, make_plenary):
    # One-line fields refuse line breaks and control characters on import; multi-line texts keep them.
    make_plenary(title={"de": "Komma, Semikolon; Backslash\\ Ende"}, summary={"de": "Zeile\nZwei"})
    body = _get(client, "/plenaries/test-plenary.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "SUMMARY:Komma\\, Semikolon\\; Backslash\\\\ Ende" in body
    assert "DESCRIPTION:Zeile\\nZwei\\n" in body
    [event] = parse_with_vobject(_get(client, "/plenaries/test-plenary.ics").data)
    assert event.summary.value == "Komma, Semikolon; Backslash\\ Ende"
    assert event.description.value.startswith("Zeile\nZwei\n")


def test_control_characters_never_reach_a_calendar():
    from plenary.calendar.ical import clean

    assert clean("Zeile\x07\x00Zwei\x1b") == "ZeileZwei"


def _register(plenary, email_address, **overrides):
    result = signup.register(plenary.id, person(email_address, **overrides))
    db.session.commit()
    return result.created[0]


def _itip(ics_text: str) -> dict:
    """The iTIP facts of one invitation (read with vobject)."""
    vars(vobject.icalendar)["__tzidMap"].clear()
    calendar = vobject.readOne(ics_text, validate=True)
    [event] = calendar.vevent_list
    return {
        "method": calendar.method.value,
        "uid": event.uid.value,
        "sequence": int(event.sequence.value),
        "attendees": [a.value for a in event.contents.get("attendee", [])],
        "organizer": event.organizer.value if hasattr(event, "organizer") else None,
        "status": event.status.value if hasattr(event, "status") else None,
        "start": event.dtstart.value,
    }


import vobject  # noqa: E402  (used by _itip)


def test_personal_copy_has_the_join_link_only_for_online_attendees(client, open_plenary):
    plenary = open_plenary(capacity_online=None)
    online = _register(plenary, "online@example.org", attendance="online", language="zh")
    in_person = _register(plenary, "seat@example.org", attendance="in_person")
    online_ics = _get(client, f"/registrations/{token_for(online)}/invite.ics").get_data(as_text=True)
    unfolded = online_ics.replace("\r\n ", "")
    # The personal join link (plenary.join), never the meeting's own address.
    assert f"/join/{join_token_for(online)}" in unfolded and "CONFERENCE;" in unfolded
    assert "secret-room-4711" not in unfolded
    assert "第四十二届全体大会" in unfolded and "ATTENDEE" not in unfolded and "METHOD" not in unfolded
    seat_ics = _get(client, f"/registrations/{token_for(in_person)}/invite.ics").get_data(as_text=True)
    assert "secret-room-4711" not in seat_ics and "Rathaus" in seat_ics
    assert client.get("/registrations/nope/invite.ics").status_code == 404


def test_invitation_trail_request_update_cancel(app, open_plenary):
    from plenary.events.exchange import export_plenary

    plenary = open_plenary()
    anna = _register(plenary, "anna@example.org", language="de")
    [request] = calendar_messages("anna@example.org")
    first = _itip(request.calendar_ics)
    assert first["method"] == request.calendar_method == "REQUEST"
    assert first["attendees"] == ["mailto:anna@example.org"] and first["organizer"].startswith("mailto:")
    assert first["status"] == "CONFIRMED"

    # The organizers move the plenary by an hour: an update (same UID, higher SEQUENCE).
    document = export_plenary(plenary, include_private=True)
    document["starts_at"] = "2031-10-15T10:00:00+02:00"
    document["ends_at"] = "2031-10-15T13:30:00+02:00"
    document["agenda"][0]["starts_at"] = "2031-10-15T10:00:00+02:00"
    save_plenary(document)
    db.session.commit()
    update = _itip(calendar_messages("anna@example.org")[-1].calendar_ics)
    assert update["method"] == "REQUEST" and update["uid"] == first["uid"]
    assert update["sequence"] > first["sequence"]
    assert update["start"] == datetime(2031, 10, 15, 8, 0, tzinfo=UTC)

    # An agenda-only change sends nothing.
    document = export_plenary(plenary, include_private=True)
    document["agenda"][0]["title"] = {"de": "Neuer Punkt"}
    save_plenary(document)
    db.session.commit()
    assert len(calendar_messages("anna@example.org")) == 2

    # She cancels: a CANCEL naming only her, with a higher SEQUENCE.
    changes.cancel(anna.id)
    db.session.commit()
    cancel = calendar_messages("anna@example.org")[-1]
    facts = _itip(cancel.calendar_ics)
    # Uninviting one attendee from a plenary that goes on: no STATUS (RFC 5546 3.2.5).
    assert cancel.calendar_method == facts["method"] == "CANCEL" and facts["status"] is None
    assert facts["attendees"] == ["mailto:anna@example.org"] and facts["uid"] == first["uid"]
    assert facts["sequence"] > update["sequence"]


def test_cancelled_plenary_cancels_everyone_invited_and_tells_the_rest(open_plenary):
    from plenary.events.exchange import export_plenary

    plenary = open_plenary(capacity_in_person=1)
    _register(plenary, "seat@example.org", language="en")
    _register(plenary, "wait@example.org", language="en")
    document = export_plenary(plenary, include_private=True)
    document["status"] = "cancelled"
    save_plenary(document)
    db.session.commit()
    seat = _itip(calendar_messages("seat@example.org")[-1].calendar_ics)
    assert seat["method"] == "CANCEL" and seat["status"] == "CANCELLED"
    waiting = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.recipient == "wait@example.org")
                                 ).all()  # fmt: skip
    assert waiting[-1] == "plenary_cancelled" and calendar_messages("wait@example.org") == []
    # Only a message that carries the cancellation says it is attached.
    told = {m.recipient: m for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "plenary_cancelled"))}  # fmt: skip
    assert set(told) == {"seat@example.org", "wait@example.org"}
    for body in (told["seat@example.org"].body_text, told["seat@example.org"].body_html):
        assert "the attached cancellation removes it" in body
    for body in (told["wait@example.org"].body_text, told["wait@example.org"].body_html):
        assert "Your registration is no longer needed." in body and "attached" not in body
    # A correction to the cancelled plenary (a later time, say) tells nobody again.
    messages = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    document["venue"] = {"name": "Anderswo"}
    save_plenary(document)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == messages


def test_pending_and_waitlisted_get_no_invitation_until_confirmed(open_plenary):
    plenary = open_plenary(capacity_in_person=1, requires_approval=True)
    pending = _register(plenary, "p@example.org")
    _register(plenary, "w@example.org")
    assert calendar_messages("p@example.org") == [] and calendar_messages("w@example.org") == []
    organizer_actions.approve(pending.id)
    db.session.commit()
    assert [m.kind for m in calendar_messages("p@example.org")] == ["registration_approved"]


def test_imip_mime_structure_through_smtp(app, open_plenary, tmp_path):
    """multipart/mixed > multipart/alternative (text, html, text/calendar; method=…) + invite.ics (application/ics)."""
    from plenary.mail.delivery import deliver_due

    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    plenary = open_plenary()
    _register(plenary, "li@example.cn", language="zh", first_name="雷", last_name="李")
    deliver_due()
    [path] = [p for p in tmp_path.iterdir() if "registration_confirmed" in p.name]
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html, calendar_part = alternative.get_payload()
    if html.get_content_type() == "multipart/related":  # the HTML with its inline check-in QR code
        html = html.get_payload()[0]
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_param("method") == "REQUEST" and calendar_part["Content-Transfer-Encoding"] == "base64"
    ics_text = calendar_part.get_content()
    assert _itip(ics_text)["method"] == calendar_part.get_param("method")
    assert "第四十二届全体大会" in ics_text
    assert attachment.get_filename() == "invite.ics" and attachment.get_content_type() == "application/ics"
    check_calendar_text(calendar_part.get_payload(decode=True))  # the bytes as sent: CRLF, folded, UTF-8
    assert attachment.get_payload(decode=True) == calendar_part.get_payload(decode=True)


def test_demo_plenary_as_download_agenda_and_personal_copy_in_both_zones(client, demo):
    """The issue's check: the demo's upcoming plenary, read by vobject and ics, at the right instants."""
    from plenary.events.models import Plenary

    eleventh = db.session.scalar(sa.select(Plenary).where(Plenary.number == 11))
    li = person("li@example.cn", language="zh", attendance="online")
    registration = signup.register(eleventh.id, li).created[0]
    db.session.commit()
    berlin, shanghai = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Shanghai")
    for url in ("/plenaries/11th-plenary.ics", f"/registrations/{token_for(registration)}/invite.ics"):
        [(start, end)] = instants(_get(client, url).data)
        assert start.timestamp() == eleventh.starts_at.timestamp() and end.timestamp() == eleventh.ends_at.timestamp()
        assert start.astimezone(shanghai).hour == 15  # the demo's 15:00 in Foshan …
        assert start.astimezone(berlin).hour == 8  # … is 08:00 in Berlin in winter
    agenda = instants(_get(client, "/plenaries/11th-plenary/agenda.ics").data)
    timed = [item for item in eleventh.agenda_items if item.starts_at]
    assert [a.timestamp() for a, _ in agenda] == [item.starts_at.timestamp() for item in timed]


def test_mail_trail_request_update_cancel_through_smtp(make_app, open_registration_document, smtp_server):
    """One attendee's iTIP trail, as their mail client receives it from a real SMTP server."""
    from plenary.events.exchange import export_plenary, import_plenary
    from plenary.mail.delivery import deliver_due

    smtp = smtp_server()
    app = make_app(MAIL_SERVER=smtp.host, MAIL_PORT=smtp.port, MAIL_TIMEOUT=3)
    with app.app_context():
        plenary, _ = import_plenary(open_registration_document)
        db.session.commit()
        anna = _register(plenary, "anna@example.org")
        deliver_due()
        document = export_plenary(plenary, include_private=True)
        document["venue"] = {"name": "Kongresszentrum", "address": None, "city": "Düsseldorf"}
        save_plenary(document)
        db.session.commit()
        deliver_due()
        changes.cancel(anna.id)
        db.session.commit()
        deliver_due()
        trail = []
        for message in smtp.received_by("anna@example.org"):
            alternative = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
            copies = [part for part in message.walk() if part.get_content_type() == "application/ics"]
            assert len(alternative) == 1 and len(copies) == 1  # the alternative and invite.ics
            text = alternative[0].get_content()
            check_calendar_text(alternative[0].get_payload(decode=True))
            facts = _itip(text)
            assert facts["method"] == alternative[0].get_param("method")  # METHOD equals the MIME method
            assert facts["attendees"] == ["mailto:anna@example.org"] and facts["organizer"].startswith("mailto:")
            trail.append(facts)
    assert [f["method"] for f in trail] == ["REQUEST", "REQUEST", "CANCEL"]
    assert len({f["uid"] for f in trail}) == 1
    assert [f["sequence"] for f in trail] == sorted({f["sequence"] for f in trail})  # strictly rising
    assert trail[-1]["status"] is None  # uninvited; the plenary itself goes on


def test_erasure_and_cancelled_plenaries_send_no_stale_invitations(open_plenary):
    from plenary.events.exchange import export_plenary

    plenary = open_plenary(capacity_in_person=1)
    anna = _register(plenary, "anna@example.org")
    ben = _register(plenary, "ben@example.org")
    document = export_plenary(plenary, include_private=True)
    document["status"] = "cancelled"
    save_plenary(document)
    db.session.commit()
    notifications.notify(anna, "registration_link")
    db.session.commit()
    assert [m.calendar_method for m in calendar_messages("anna@example.org")] == ["REQUEST", "CANCEL"]  # no new REQUEST
    changes.cancel(anna.id)  # nobody moves up into a cancelled plenary
    db.session.commit()
    assert ben.status == "waitlisted"
    privacy.erase(anna.id)
    db.session.commit()
    assert {m.calendar_ics for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.registration_id == anna.id))} == {None}  # fmt: skip


def test_a_newer_invitation_supersedes_a_queued_older_one_of_its_kind_only(open_plenary):
    plenary = open_plenary(capacity_online=None)
    anna = _register(plenary, "anna@example.org")  # the confirmation with its REQUEST, queued (not delivered)
    changes.switch_attendance(anna.id, "online")  # "attendance changed", a newer REQUEST
    db.session.commit()
    changes.switch_attendance(anna.id, "in_person")  # and changed again before anything went out
    db.session.commit()
    confirmed, first_change, second_change = calendar_messages("anna@example.org")
    # The confirmation tells something the changes do not: it still goes, first; calendars keep the higher SEQUENCE.
    # (Seen: an approval, and a plenary's move, lost to a later link resent while the worker was stopped.)
    assert (confirmed.kind, confirmed.status) == ("registration_confirmed", "pending")
    assert (first_change.status, second_change.status) == ("failed", "pending")
    assert "superseded" in first_change.last_error
    assert _itip(confirmed.calendar_ics)["sequence"] < _itip(second_change.calendar_ics)["sequence"]


def test_agenda_change_updates_the_feeds_but_invites_nobody(client, open_plenary):
    from plenary.events.exchange import export_plenary

    plenary = open_plenary()
    _register(plenary, "anna@example.org")
    before = _get(client, "/plenaries/test-plenary/agenda.ics")
    document = export_plenary(plenary, include_private=True)
    document["agenda"][0]["title"] = {"de": "Neuer Bericht"}
    save_plenary(document)
    db.session.commit()
    conditional = {"If-None-Match": before.headers["ETag"], "If-Modified-Since": before.headers["Last-Modified"]}
    after = client.get("/plenaries/test-plenary/agenda.ics", headers=conditional)
    assert after.status_code == 200 and "Neuer Bericht" in after.get_data(as_text=True)
    assert len(calendar_messages("anna@example.org")) == 1


def test_agenda_item_without_duration_has_no_dtend_and_empty_agenda_still_is_a_calendar(client, make_plenary):
    document_agenda = [{"kind": "signing", "title": {"de": "Unterzeichnung"}, "starts_at": "2031-10-15T11:00:00+02:00",
                        "duration_minutes": None}]  # fmt: skip
    make_plenary(agenda=document_agenda)
    body = _get(client, "/plenaries/test-plenary/agenda.ics").get_data(as_text=True)
    event = body.split("BEGIN:VEVENT")[1]
    assert "DTSTART;TZID=Europe/Berlin:20311015T110000" in event and "DTEND" not in event
    make_plenary(agenda=[])
    empty = _get(client, "/plenaries/test-plenary/agenda.ics").get_data(as_text=True)
    assert "BEGIN:VTIMEZONE" in empty and "BEGIN:VEVENT" not in empty


def test_agenda_uids_survive_reordering_and_round_trips(client, make_plenary):
    from plenary.events.exchange import ExchangeError, export_plenary, import_plenary

    plenary = make_plenary()
    document = export_plenary(plenary, include_private=True)
    uids = [item["uid"] for item in document["agenda"]]
    assert all(uid.endswith("@plenary.example.org") for uid in uids) and len(set(uids)) == 2
    document["agenda"].reverse()  # the signing now comes first
    document["agenda"].append({"kind": "closing", "title": {"de": "Schluss"}})
    save_plenary(document)
    db.session.commit()
    again = export_plenary(plenary, include_private=True)
    assert [item["uid"] for item in again["agenda"][:2]] == list(reversed(uids))
    assert again["agenda"][0]["kind"] == "signing" and again["agenda"][2]["uid"] not in uids
    body = _get(client, "/plenaries/test-plenary/agenda.ics").get_data(as_text=True).replace("\r\n ", "")
    assert f"UID:{uids[0]}" in body  # the timed report keeps its UID in the feed
    # A uid of another plenary's item is refused, naming the field.
    other = export_plenary(plenary, include_private=True) | {"slug": "other", "number": 99}
    with pytest.raises(ExchangeError) as refused:
        import_plenary(other)
    assert refused.value.errors[0].startswith("agenda[0].uid")
    db.session.rollback()


def test_one_default_zone_for_new_plenaries_forms_and_back_office_times(app):
    from plenary.admin.content_forms import EDITING_ZONE
    from plenary.admin.plenary_forms import FIRST_ZONES
    from plenary.config import DEFAULT_TIMEZONE
    from plenary.events.models import Plenary

    assert app.config["BABEL_DEFAULT_TIMEZONE"] == DEFAULT_TIMEZONE == FIRST_ZONES[0] == str(EDITING_ZONE)
    assert Plenary.__table__.c.timezone.default.arg == DEFAULT_TIMEZONE
    assert app.jinja_env.globals["DEFAULT_TIMEZONE"] == DEFAULT_TIMEZONE
