"""The plenary exchange format: import, export, round trip and refusals."""

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from plenary.agenda.models import AgendaItem
from plenary.events.exchange import ExchangeError, dumps, export_plenary, import_plenary, validate_document
from plenary.events.models import Plenary
from plenary.extensions import db
from tests.conftest import plenary_document


def test_import_stores_utc_and_zone(make_plenary):
    plenary = make_plenary()
    stored = db.session.get(Plenary, plenary.id)
    assert stored.starts_at == datetime(2031, 10, 15, 7, 0, tzinfo=UTC)
    assert stored.timezone == "Europe/Berlin"
    assert [item.kind for item in stored.agenda_items] == ["report", "signing"]
    assert stored.agenda_items[0].speakers[0].name_zh == "刘一"
    assert stored.capacity_in_person == 120


def test_export_import_export_is_identical(make_plenary):
    plenary = make_plenary()
    first = dumps(export_plenary(plenary, include_private=True))
    import_plenary(json.loads(first))
    db.session.commit()
    second = dumps(export_plenary(db.session.scalar(db.select(Plenary)), include_private=True))
    assert first == second


def test_export_uses_the_plenary_zone_with_offset(make_plenary):
    # Given in UTC, exported in the plenary's own zone: same instant, local offset.
    plenary = make_plenary(timezone="Asia/Shanghai", starts_at="2031-10-15T07:00:00Z", ends_at="2031-10-15T10:00:00Z")
    exported = export_plenary(plenary)
    assert exported["starts_at"] == "2031-10-15T15:00:00+08:00"
    assert exported["agenda"][0]["starts_at"] == "2031-10-15T15:00:00+08:00"
    assert exported["registration"]["opens_at"] == "2031-09-01T15:00:00+08:00"


def test_export_matches_the_json_schema(make_plenary):
    assert validate_document(export_plenary(make_plenary())) == []


def test_reimport_updates_in_place_and_keeps_agenda_identities(make_plenary):
    plenary = make_plenary()
    ids = [item.id for item in plenary.agenda_items]
    document = plenary_document(title={"de": "Neu"})
    document["agenda"][0]["title"] = {"de": "Geändert"}
    document["agenda"].append({"kind": "closing", "title": {"de": "Schluss"}})
    updated, created = import_plenary(document)
    db.session.commit()
    assert not created and updated.id == plenary.id
    assert [item.id for item in updated.agenda_items][:2] == ids
    assert updated.agenda_items[0].title == {"de": "Geändert"}
    assert len(updated.agenda_items) == 3
    assert db.session.scalar(db.select(db.func.count()).select_from(Plenary)) == 1


def test_reimport_with_fewer_items_deletes_the_rest(make_plenary):
    make_plenary()
    document = plenary_document()
    document["agenda"] = document["agenda"][:1]
    import_plenary(document)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(AgendaItem)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("title"), "title"),
        (lambda d: d.update(format="outdoor"), "format"),
        (lambda d: d.update(slug="Not A Slug"), "slug"),
        (lambda d: d.update(timezone="Europe/Atlantis"), "timezone"),
        (lambda d: d.update(starts_at="2031-10-15T09:00:00"), "starts_at"),  # no offset
        (lambda d: d.update(ends_at="2031-10-15T08:00:00+02:00"), "ends_at"),
        (lambda d: d.update(starts_at="2031-02-30T09:00:00+01:00"), "starts_at"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["agenda"][1].update(kind="party"), "agenda[1].kind"),
        (lambda d: d["agenda"][0]["speakers"][0].update(name=None, organisation=None), "agenda[0].speakers[0]"),
        (lambda d: d["agenda"][0].update(duration_minutes=-5), "agenda[0].duration_minutes"),
        (lambda d: d["registration"].update(capacity_in_person="many"), "registration.capacity_in_person"),
        (lambda d: d["registration"].update(closes_at="2031-08-01T09:00:00+02:00"), "registration.closes_at"),
        (lambda d: d["registration"].update(opens_at="2031-11-01T09:00:00+01:00",
                                            closes_at="2031-11-02T09:00:00+01:00"), "registration.opens_at"),
        (lambda d: d.update(online_url="javascript:alert(1)"), "online_url"),
        (lambda d: d["title"].update(fr="Assemblée"), "title"),
        (lambda d: d.update(title={"de": "  "}), "title"),
        (lambda d: d["agenda"][0].update(title={"zh": ""}), "agenda[0].title"),
        (lambda d: d.update(timezone="Europe"), "timezone"),  # a folder of the tz database, not a zone
        (lambda d: d["agenda"][0].update(starts_at="2031-10-16T09:00:00+02:00"), "agenda[0].starts_at"),
    ],
)
def test_invalid_documents_are_refused_naming_the_field(app, change, field):
    document = plenary_document()
    change(document)
    with pytest.raises(ExchangeError) as caught:
        import_plenary(document)
    assert any(error.startswith(field) for error in caught.value.errors), caught.value.errors
    assert db.session.scalar(db.select(db.func.count()).select_from(Plenary)) == 0


def test_refused_update_leaves_the_stored_plenary_untouched(make_plenary):
    make_plenary()
    document = plenary_document(title={"de": "Überschrieben"})
    document["agenda"][1]["kind"] = "party"
    with pytest.raises(ExchangeError):
        import_plenary(document)
    # Nothing was even staged in the session before the refusal.
    assert not db.session.new and not db.session.dirty and not db.session.deleted
    db.session.rollback()
    stored = db.session.scalar(db.select(Plenary))
    assert stored.title["de"] == "42. Plenarversammlung"
    assert stored.agenda_items[1].kind == "signing"


def test_number_taken_by_another_plenary_is_refused(make_plenary):
    make_plenary()
    with pytest.raises(ExchangeError) as caught:
        import_plenary(plenary_document(slug="other"))
    assert caught.value.errors[0].startswith("number:")


def test_export_is_private_by_default_and_its_import_keeps_the_link(make_plenary):
    plenary = make_plenary()
    public = export_plenary(plenary)
    assert "online_url" not in public and "secret-room-4711" not in json.dumps(public)
    import_plenary(public)
    db.session.commit()
    assert plenary.online_url == "https://meet.example.org/secret-room-4711"
    import_plenary(plenary_document(online_url=None))
    assert plenary.online_url is None


def test_cli_import_and_export(app, runner, tmp_path):
    path = tmp_path / "plenary.json"
    path.write_text(json.dumps(plenary_document(), ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["plenary", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Created plenary 42: test-plenary" in result.output
    exported = runner.invoke(args=["plenary", "export", "test-plenary"])
    assert exported.exit_code == 0
    path.write_text(exported.output, encoding="utf-8")
    again = runner.invoke(args=["plenary", "import", str(path)])
    assert "Updated plenary 42" in again.output
    assert runner.invoke(args=["plenary", "export", "test-plenary"]).output == exported.output
    assert json.loads(exported.output)["title"]["zh"] == "第四十二届全体大会"


def test_cli_import_reports_every_problem_and_changes_nothing(app, runner, tmp_path):
    document = plenary_document()
    document["agenda"][0]["kind"] = "party"
    document["timezone"] = "Mars/Olympus"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(args=["plenary", "import", str(path)])
    assert result.exit_code == 1
    assert "agenda[0].kind" in result.output
    assert "nothing was changed" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Plenary)) == 0


def test_cli_import_refuses_broken_json(app, runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"slug": "x",', encoding="utf-8")
    result = runner.invoke(args=["plenary", "import", str(path)])
    assert result.exit_code == 1
    assert "not valid JSON (line 1" in result.output
    assert isinstance(result.exception, SystemExit)  # a handled refusal, not a crash


def test_every_missing_field_is_named(app):
    problems = validate_document({"slug": "a"})
    for field in ("number", "title", "timezone", "starts_at", "ends_at", "format", "status"):
        assert f"{field}: this field is required" in problems


def test_cli_export_unknown_slug(app, runner):
    result = runner.invoke(args=["plenary", "export", "nope"])
    assert result.exit_code == 1
    assert "No plenary with slug 'nope'" in result.output


def _counts() -> tuple[int, int]:
    from plenary.audit.models import AuditEntry
    from plenary.mail.models import OutboxMessage

    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (OutboxMessage, AuditEntry))


def test_import_only_applies_the_document_and_save_plenary_does_the_rest(open_plenary):
    from plenary.events.editing import save_plenary
    from plenary.registration import signup
    from tests.conftest import person

    plenary = open_plenary(capacity_in_person=1)
    anna, ben = (signup.register(plenary.id, person(e)).created[0] for e in ("anna@example.org", "ben@example.org"))
    db.session.commit()
    sequence, sent, counts = plenary.sequence, plenary.calendar_sent, _counts()
    document = export_plenary(plenary, include_private=True)
    document["registration"]["capacity_in_person"] = 2
    document["venue"] = {"name": "Kongresszentrum", "address": None, "city": "Düsseldorf"}
    import_plenary(document)  # the step: the model changes, nothing else happens
    db.session.commit()
    assert plenary.venue_city == "Düsseldorf" and plenary.capacity_in_person == 2
    assert (plenary.sequence, plenary.calendar_sent, _counts(), ben.status) == (sequence, sent, counts, "waitlisted")

    document["venue"]["city"] = "Köln"
    result = save_plenary(document)  # the flow: attendees told, the waitlist promoted, the change logged
    db.session.commit()
    assert result.told == "update" and plenary.sequence == sequence + 1
    assert plenary.calendar_sent["venue_city"] == "Köln"
    assert [r.id for r in result.promoted] == [ben.id] and ben.status == "confirmed" and anna.status == "confirmed"
    assert result.changes == {"venue.city": ["Düsseldorf", "Köln"]}
    assert _counts()[1] == counts[1] + 2  # the plenary.update entry, and ben's status


def test_moving_the_start_moves_the_timed_agenda_only_when_asked(make_plenary):
    from plenary.events.editing import save_plenary

    plenary = make_plenary()
    a_week_later = {"starts_at": "2031-10-22T10:00:00+02:00", "ends_at": "2031-10-22T13:30:00+02:00"}
    with pytest.raises(ExchangeError) as refused:  # the report at 09:00 on the 15th lies outside the new time
        save_plenary(export_plenary(plenary, include_private=True) | a_week_later)
    assert refused.value.errors[0].startswith("agenda[0].starts_at: outside the plenary's time")
    db.session.rollback()
    save_plenary(export_plenary(plenary, include_private=True) | a_week_later, move_agenda=True)
    db.session.commit()
    report, signing = export_plenary(plenary)["agenda"]
    assert report["starts_at"] == "2031-10-22T10:00:00+02:00" and signing["starts_at"] is None
    save_plenary(export_plenary(plenary, include_private=True), move_agenda=True)  # the start unchanged: stays
    assert export_plenary(plenary)["agenda"][0]["starts_at"] == "2031-10-22T10:00:00+02:00"


def test_one_slug_rule_for_the_forms_and_the_exchange_format():
    from plenary.events.exchange import plenary_schema
    from plenary.validation import SLUG_PATTERN

    assert plenary_schema()["properties"]["slug"]["pattern"] == SLUG_PATTERN
