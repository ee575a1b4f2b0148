"""Visa invitation letters: who may request one, the request's checks, encryption at rest, the review, purge.

The letter's PDF, the verify page, the command and hostile values: tests/test_visa_letter.py.
"""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import gettext

from plenary import create_app
from plenary.audit.models import AuditEntry
from plenary.extensions import db
from plenary.jobs import catalog
from plenary.jobs.registry import run_due
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, privacy
from plenary.registration.tokens import token_for
from plenary.visa import crypto, services
from plenary.visa.models import VisaRequest, VisaStatus
from tests.conftest import login
from tests.visa_helpers import GOOD, KEY, offering, register, request_letter

PURGE_JOBS = [job for job in catalog.JOBS if job.name == "purge-passport-data"]


@pytest.fixture
def app(make_app):
    """An app with visa letters switched on and a key."""
    app = make_app(VISA_LETTERS=True, VISA_KEY=KEY)
    with app.app_context():
        yield app


@pytest.fixture
def plenary(open_plenary):
    """The 42nd plenary (Köln, 15 October 2031), taking registrations, offering visa letters."""
    return offering(open_plenary(capacity_in_person=50))


def _visa_page(client, registration, **params):
    return client.get(f"/registrations/{token_for(registration)}/visa", query_string=params)


def _personal(client, registration):
    return client.get(f"/registrations/{token_for(registration)}").get_data(as_text=True)


# Who is offered a letter ---------------------------------------------------------------------------------------


def test_a_confirmed_chinese_delegate_in_person_is_offered_a_letter(app, plenary, client):
    registration = register(plenary)
    assert services.offer_refusal(registration) is None
    page = _personal(client, registration)
    assert 'id="visa"' in page and f"/registrations/{token_for(registration)}/visa" in page
    assert _visa_page(client, registration).status_code == 200


@pytest.mark.parametrize(("overrides", "code"), [
    ({"country": "DE", "first_name": "Anna", "last_name": "Schmidt", "name_zh": None}, "same_country"),
    ({"attendance": "online"}, "online"),
])  # fmt: skip
def test_no_letter_for_the_host_country_nor_online(app, plenary, client, overrides, code):
    registration = register(plenary, **overrides)
    assert services.offer_refusal(registration) == code
    assert 'id="visa"' not in _personal(client, registration)
    # The form itself refuses too (back to the personal page), and nothing is stored.
    response = client.post(f"/registrations/{token_for(registration)}/visa", data=GOOD)
    assert response.status_code == 302 and "done=not_possible" in response.location
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaRequest)) == 0


def test_no_letter_before_the_registration_is_confirmed(app, open_plenary, client):
    plenary = offering(open_plenary(capacity_in_person=50, requires_approval=True))
    registration = register(plenary)
    assert registration.status == "pending"
    assert services.offer_refusal(registration) == "not_confirmed"
    assert 'id="visa"' not in _personal(client, registration)


def test_no_letter_where_the_plenary_does_not_offer_them(app, open_plenary, client):
    registration = register(open_plenary(capacity_in_person=50))  # settings never saved: not offered
    assert services.offer_refusal(registration) == "not_offered"
    assert 'id="visa"' not in _personal(client, registration)


def test_no_letter_anywhere_while_the_installation_has_them_off(app, plenary, client, monkeypatch):
    registration = register(plenary)
    monkeypatch.setitem(app.config, "VISA_LETTERS", False)
    assert services.offer_refusal(registration) == "disabled"
    assert 'id="visa"' not in _personal(client, registration)
    assert _visa_page(client, registration).status_code == 302


# The request: checks, messages in the person's language, nothing lost --------------------------------------------


def test_a_request_with_mistakes_is_refused_in_chinese_beside_each_field_keeping_what_was_typed(app, plenary, client):
    registration = register(plenary)  # language zh
    bad = GOOD | {"passport_expiry": "2031-10-17", "entry_date": "2031-10-16", "birth_place": "",
                  "passport_number": "E-123 45", "birth_date": "31.02.1980"}  # fmt: skip
    response = client.post(f"/registrations/{token_for(registration)}/visa", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请检查标出的填写项。" in page and "此项为必填项。" in page  # the banner; the empty place of birth
    with app.test_request_context("/?lang=zh"):  # the catalogue's Chinese, as the page shows it
        for message in ("Please arrive by the first day of the plenary.",
                        "The passport must still be valid after the date of exit."):  # fmt: skip
            assert gettext(message) in page
    assert 'value="ZHANG WEI"' in page and 'value="E12345678"' not in page  # what was typed stays, as typed
    assert 'value="31.02.1980"' in page  # a date that cannot be read is kept too, with a message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaRequest)) == 0


def test_the_checks_speak_german_to_a_german_speaker(app, plenary, client):
    registration = register(plenary, language="de", email="li.na@example.cn", first_name="Na", last_name="Li",
                            name_zh="李娜")  # fmt: skip
    response = client.post(f"/registrations/{token_for(registration)}/visa", data=GOOD | {"passport_name": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bitte prüfen Sie die markierten Felder." in page and "Dieses Feld ist erforderlich." in page


@pytest.mark.parametrize(("changes", "field"), [
    ({"entry_date": "2031-08-01"}, "entry_date"),  # more than 30 days before
    ({"exit_date": "2031-10-14"}, "exit_date"),  # before the plenary ends
    ({"exit_date": "2031-12-31"}, "exit_date"),  # more than 30 days after
    ({"passport_expiry": "2031-10-18"}, "passport_expiry"),  # not after the exit
    ({"nationality": "DE"}, "nationality"),  # no visa needed
    ({"mission": "cn-berlin"}, "mission"),  # a Chinese mission issues no Schengen visa
    ({"mission": "other"}, "mission_other"),  # "other" needs its name
])  # fmt: skip
def test_the_service_names_the_field_of_each_problem(app, plenary, changes, field):
    registration = register(plenary)
    with pytest.raises(services.VisaRequestInvalid) as refused:
        request_letter(registration, **changes)
    assert list(refused.value.problems) == [field]


# Encryption at rest ----------------------------------------------------------------------------------------------


def test_the_passport_data_is_only_ciphertext_in_the_database(app, plenary, client):
    registration = register(plenary)
    response = client.post(f"/registrations/{token_for(registration)}/visa", data=GOOD)
    assert response.status_code == 302 and response.location.endswith("#visa")
    raw = db.session.execute(sa.text("SELECT * FROM visa_request")).mappings().one()
    stored = " ".join(str(value) for value in raw.values())
    for secret in ("E12345678", "ZHANG WEI", "Foshan", "1980-05-04", "2033-01-31"):
        assert secret not in stored
    assert raw["passport_token"].startswith("gAAAA")  # a Fernet token
    assert crypto.decrypt(raw["passport_token"])["passport_number"] == "E12345678"
    # With another key the data cannot be read.
    app.config["VISA_KEY"] = crypto.Fernet.generate_key().decode()
    assert crypto.decrypt(raw["passport_token"]) is None
    app.config["VISA_KEY"] = KEY
    assert "visa-requested" in _personal(client, registration)  # the card shows the state


def test_the_persons_data_download_holds_their_request_with_their_own_passport_data(app, plenary, client):
    registration = register(plenary)
    assert client.get(f"/registrations/{token_for(registration)}/data.json").get_json()["visa_request"] is None
    client.post(f"/registrations/{token_for(registration)}/visa", data=GOOD)
    request = client.get(f"/registrations/{token_for(registration)}/data.json").get_json()["visa_request"]
    assert request["status"] == "requested" and request["entry_date"] == GOOD["entry_date"]
    assert request["passport"]["passport_number"] == "E12345678" and request["passport"]["birth_date"] == "1980-05-04"


def test_the_app_refuses_to_start_with_letters_on_and_no_valid_key(tmp_path):
    base = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "VISA_LETTERS": True}
    with pytest.raises(crypto.VisaKeyMissing, match="FLASK_VISA_KEY is not set"):
        create_app(base, instance_path=str(tmp_path / "a"))
    with pytest.raises(crypto.VisaKeyMissing, match="not a valid Fernet key"):
        create_app(base | {"VISA_KEY": "too-short"}, instance_path=str(tmp_path / "b"))
    assert create_app(base | {"VISA_KEY": KEY}, instance_path=str(tmp_path / "c"))
    assert create_app(base | {"VISA_LETTERS": False}, instance_path=str(tmp_path / "d"))  # off: no key needed


# The review ------------------------------------------------------------------------------------------------------


def _mails(registration, kind):
    return list(db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.registration_id == registration.id, OutboxMessage.kind == kind)))  # fmt: skip


def _views(visa):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "visa.viewed", AuditEntry.object_id == visa.id))  # fmt: skip


def test_the_review_flow_correction_then_approval(app, plenary, client, accounts):
    registration = register(plenary)
    visa = request_letter(registration, passport_name="ZHANG WIE")
    login(client, "organizer@isa.example")
    listing = client.get(f"/admin/plenaries/{plenary.slug}/visa?status=requested").get_data(as_text=True)
    assert f"/admin/plenaries/{plenary.slug}/visa/{visa.id}" in listing and "E12345678" not in listing
    assert _views(visa) == 0  # the list shows no passport data

    detail = client.get(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}").get_data(as_text=True)
    assert "E12345678" in detail and "ZHANG WIE" in detail
    assert _views(visa) == 1  # every view of passport data is in the audit log, with who looked
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "visa.viewed"))
    assert entry.actor == "organizer@isa.example"

    response = client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/correction",
                           data={"note": "Bitte den Namen wie im Pass: ZHANG WEI."})  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(visa)
    assert visa.status == VisaStatus.CORRECTION
    [mail] = _mails(registration, "visa_correction")
    assert mail.language == "zh" and "ZHANG WEI." in mail.body_text and "ZHANG WEI." in mail.body_html

    page = _personal(client, registration)
    assert "Bitte den Namen wie im Pass" in page
    form = _visa_page(client, registration).get_data(as_text=True)
    assert 'value="ZHANG WIE"' in form and 'value="E12345678"' in form  # the request comes back as sent
    client.post(f"/registrations/{token_for(registration)}/visa", data=GOOD)
    db.session.refresh(visa)
    assert visa.status == VisaStatus.REQUESTED

    response = client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/approve")
    assert response.status_code == 302
    db.session.refresh(visa)
    assert visa.status == VisaStatus.APPROVED and visa.decided_by == "organizer@isa.example"
    [mail] = _mails(registration, "visa_approved")
    assert mail.language == "zh" and mail.attachment_ref and mail.attachment_ref.startswith("document:")
    page = _personal(client, registration)
    assert f"/registrations/{token_for(registration)}/visa/letter.pdf" in page
    pdf = client.get(f"/registrations/{token_for(registration)}/visa/letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "no-store"
    # Decided once: approving again changes nothing.
    client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/approve")
    assert len(_mails(registration, "visa_approved")) == 1


def test_a_declined_request_tells_the_person_why(app, plenary, client, accounts):
    registration = register(plenary)
    visa = request_letter(registration)
    login(client, "admin@isa.example")
    assert client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/decline", data={"note": ""}).status_code == 400
    client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/decline", data={"note": "Kein Mitglied."})
    db.session.refresh(visa)
    assert visa.status == VisaStatus.DECLINED and visa.note == "Kein Mitglied."
    assert len(_mails(registration, "visa_declined")) == 1
    assert "Kein Mitglied." in _personal(client, registration)
    assert _visa_page(client, registration).status_code == 302  # a declined request cannot be changed


def test_viewers_see_no_passport_data_anywhere(app, plenary, client, accounts):
    registration = register(plenary)
    visa = request_letter(registration)
    login(client, "viewer@isa.example")
    base = f"/admin/plenaries/{plenary.slug}/visa"
    for url in (base, f"{base}/{visa.id}", f"{base}/{visa.id}/letter.pdf"):
        response = client.get(url)
        assert response.status_code == 403 and b"E12345678" not in response.data
    for action in ("approve", "correction", "decline"):
        assert client.post(f"{base}/{visa.id}/{action}", data={"note": "x"}).status_code == 403
    assert client.post(f"{base}/settings", data={"offered": "y"}).status_code == 403
    db.session.refresh(visa)
    assert visa.status == VisaStatus.REQUESTED and _views(visa) == 0
    # Nor in the registration's page or the export of the list.
    assert b"E12345678" not in client.get(f"/admin/registrations/{registration.id}").data


def test_organizers_save_the_plenary_settings(app, plenary, client, accounts):
    login(client, "organizer@isa.example")
    data = {"offered": "y", "host_country": "CN", "costs_zh": "费用由邀请方承担。", "signatory_name_de": "Yi Liu"}
    response = client.post(f"/admin/plenaries/{plenary.slug}/visa/settings", data=data)
    assert response.status_code == 302
    settings = services.settings_for(plenary)
    db.session.refresh(settings)
    assert (settings.offered, settings.host_country, settings.costs) == (True, "CN", {"zh": "费用由邀请方承担。"})
    assert settings.signatory_name == {"de": "Yi Liu"}


# Withdrawal, erasure, retention ----------------------------------------------------------------------------------


def test_cancelling_the_registration_withdraws_the_request(app, plenary):
    registration = register(plenary)
    visa = request_letter(registration)
    changes.cancel(registration.id)
    db.session.commit()
    db.session.refresh(visa)
    assert visa.status == VisaStatus.WITHDRAWN
    # Not needed any more: the passport data goes at once, not at the retention date.
    assert visa.passport_token is None and visa.purged_at is not None


def test_erasure_deletes_the_passport_data_at_once(app, plenary):
    registration = register(plenary)
    visa = request_letter(registration)
    privacy.erase(registration.id)
    db.session.commit()
    db.session.refresh(visa)
    assert visa.passport_token is None and visa.purged_at is not None and visa.status == VisaStatus.WITHDRAWN
    assert services.passport_data(visa) is None


def test_passport_data_is_deleted_retention_days_after_the_plenary_once(app, plenary):
    visa = request_letter(register(plenary))
    ends = plenary.ends_at
    with time_machine.travel(ends + timedelta(days=29, hours=23), tick=False):
        assert run_due(PURGE_JOBS) == {"purge-passport-data": 0}
    db.session.refresh(visa)
    assert visa.has_passport_data
    with time_machine.travel(ends + timedelta(days=30, minutes=1), tick=False):
        assert run_due(PURGE_JOBS) == {"purge-passport-data": 1}
        assert run_due(PURGE_JOBS) == {"purge-passport-data": 0}  # idempotent
    db.session.refresh(visa)
    assert visa.passport_token is None and visa.purged_at == ends + timedelta(days=30, minutes=1)
    assert datetime.now(UTC) < ends  # the real clock never moved


def test_no_decision_once_the_registration_has_changed(app, plenary, client, accounts):
    registration = register(plenary)
    visa = request_letter(registration)
    services.save_settings(plenary, {"offered": False})  # the organizers stop offering letters meanwhile
    db.session.commit()
    login(client, "organizer@isa.example")
    response = client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/approve")
    assert response.status_code == 302
    db.session.refresh(visa)
    assert visa.status == VisaStatus.REQUESTED and not _mails(registration, "visa_approved")
    with pytest.raises(services.VisaRefused, match="not_offered"):
        services.mark_approved(visa)
    db.session.rollback()
    # Declining (with a reason) is still possible: the request does not hang.
    client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/decline", data={"note": "Keine Briefe mehr."})
    db.session.refresh(visa)
    assert visa.status == VisaStatus.DECLINED


def test_opening_a_letter_in_the_back_office_is_audited(app, plenary, client, accounts):
    registration = register(plenary)
    visa = request_letter(registration)
    login(client, "organizer@isa.example")
    assert client.get(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/letter.pdf").status_code == 404  # none yet
    client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/approve")
    before = _views(visa)
    response = client.get(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/letter.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert _views(visa) == before + 1


def test_the_key_may_come_from_the_instance_folder(tmp_path):
    (tmp_path / "visa_key").write_text(KEY + "\n")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "VISA_LETTERS": True}, instance_path=str(tmp_path))  # fmt: skip
    assert app.config["VISA_KEY"] == KEY


def test_the_demo_offers_letters_and_holds_a_request_once(app, runner):
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
    assert "Visa letters: offered for plenary 11" in result.output
    [visa] = db.session.scalars(sa.select(VisaRequest)).all()
    assert visa.status == VisaStatus.REQUESTED and services.passport_data(visa)["passport_name"] == "VOGEL KATRIN"
    assert services.settings_for(visa.registration.plenary).host_country == "CN"


def test_registered_again_after_cancelling_one_may_ask_anew(app, plenary, client):
    registration = register(plenary)
    visa = request_letter(registration)
    changes.cancel(registration.id)
    db.session.commit()
    assert not services.may_request(registration)  # cancelled: no request
    changes.reactivate(registration.id)
    db.session.commit()
    db.session.refresh(visa)
    assert visa.status == VisaStatus.WITHDRAWN and services.may_request(registration)
    assert f"/registrations/{token_for(registration)}/visa" in _personal(client, registration)
    assert client.post(f"/registrations/{token_for(registration)}/visa", data=GOOD).status_code == 302
    db.session.refresh(visa)
    assert visa.status == VisaStatus.REQUESTED
