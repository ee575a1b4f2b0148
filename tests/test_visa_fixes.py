"""Visa letters, what the attacker found: requests and decisions at once, a wrong key, data kept too long, online.

Concurrency: each request runs in its own thread with its own test client (its own app context, session and
connection) against the same database file or PostgreSQL database, released together by a barrier.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_babel import gettext

from plenary.audit.models import AuditEntry
from plenary.documents import services as documents
from plenary.documents.models import DocumentKind, IssuedDocument
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import changes
from plenary.registration.tokens import token_for
from plenary.visa import review, services
from plenary.visa.models import VisaRequest, VisaStatus
from tests.conftest import login
from tests.visa_helpers import GOOD, KEY, offering, register, request_letter


def says(page: str, msgid_part: str) -> bool:
    """True if ``page`` holds the message that contains ``msgid_part``, in any of its languages (the catalogues')."""
    from flask_babel import force_locale, gettext

    found = [m for m in _MESSAGES if msgid_part in m]
    assert found, msgid_part
    texts = {found[0]}
    for locale in ("de_DE", "zh_Hans_CN", "en_GB"):
        with force_locale(locale):
            texts.add(gettext(found[0]).split("%(")[0])
    return any(text.split("%(")[0] in page for text in texts)


_MESSAGES = (  # noqa: E501 (the messages as the catalogues key them)
    'The holder no longer attends in person.',
    'This request has already been approved; the letter was sent once.',
    'The passport data cannot be read with the configured key (FLASK_VISA_KEY), so no letter can be made. The key must be the one the data was written with.',  # noqa: E501
    'The passport data cannot be read with the configured key (FLASK_VISA_KEY). The key must be the one the data was written with; it has not been deleted.',  # noqa: E501
    'The letter is still valid (verification code %(code)s), but its PDF can no longer be produced.',
    'Your letter remains valid, but it can no longer be produced; please contact the organizers.',
    'As you now take part online, your request and any letter issued have been withdrawn and your passport data deleted.',  # noqa: E501
)


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


def _mails(registration_id, kind):
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.registration_id == registration_id, OutboxMessage.kind == kind))  # fmt: skip


def _letters(registration_id):
    return db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument).where(
        IssuedDocument.registration_id == registration_id,
        IssuedDocument.kind == DocumentKind.VISA_LETTER))  # fmt: skip


def _at_once(app, calls, organizer=True):
    """Run each ``(method, path, data)`` in its own thread and client at the same moment; their status codes."""
    clients = []
    for _ in calls:
        client = app.test_client()
        if organizer:
            login(client, "organizer@isa.example")
        clients.append(client)
    db.session.remove()  # the test's own session holds nothing open meanwhile
    barrier = threading.Barrier(len(calls), timeout=60)

    def one(index):
        method, path, data = calls[index]
        barrier.wait()
        return clients[index].open(path, method=method, data=data).status_code

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, range(len(calls))))


# 1. At once ------------------------------------------------------------------------------------------------------


def test_three_approvals_at_once_issue_one_letter_and_send_one_mail(app, plenary, accounts):
    registration = register(plenary)
    visa = request_letter(registration)
    path = f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/approve"
    registration_id, visa_id = registration.id, visa.id
    codes = _at_once(app, [("POST", path, {})] * 3)
    assert codes == [302, 302, 302]
    assert db.session.get(VisaRequest, visa_id).status == VisaStatus.APPROVED
    assert _letters(registration_id) == 1 and _mails(registration_id, "visa_approved") == 1


def test_a_second_approval_says_it_was_approved_already(app, plenary, accounts, client):
    registration = register(plenary)
    visa = request_letter(registration)
    login(client, "organizer@isa.example")
    path = f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/approve"
    client.post(path)
    page = client.post(path, follow_redirects=True).get_data(as_text=True)
    assert says(page, "already been approved")
    assert _letters(registration.id) == 1 and _mails(registration.id, "visa_approved") == 1


def test_correction_and_decline_at_once_decide_once(app, plenary, accounts):
    registration = register(plenary)
    visa = request_letter(registration)
    base = f"/admin/plenaries/{plenary.slug}/visa/{visa.id}"
    registration_id, visa_id = registration.id, visa.id
    codes = _at_once(app, [("POST", f"{base}/correction", {"note": "Bitte Passnummer prüfen."}),
                           ("POST", f"{base}/decline", {"note": "Nicht möglich."}),
                           ("POST", f"{base}/correction", {"note": "Noch einmal."})])  # fmt: skip
    assert codes == [302, 302, 302]
    decided = db.session.get(VisaRequest, visa_id)
    assert decided.status in (VisaStatus.CORRECTION, VisaStatus.DECLINED)
    assert _mails(registration_id, "visa_correction") + _mails(registration_id, "visa_declined") == 1


def test_three_requests_from_the_personal_page_at_once_store_one(app, plenary):
    registration = register(plenary)
    path = f"/registrations/{token_for(registration)}/visa"
    registration_id = registration.id
    codes = _at_once(app, [("POST", path, GOOD)] * 3, organizer=False)
    assert codes == [302, 302, 302]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisaRequest)
                             .where(VisaRequest.registration_id == registration_id)) == 1  # fmt: skip


def test_the_detail_page_is_shown_while_others_write(app, plenary, accounts):
    registration = register(plenary)
    visa = request_letter(registration)
    base = f"/admin/plenaries/{plenary.slug}/visa/{visa.id}"
    visa_id = visa.id
    codes = _at_once(app, [("GET", base, None), ("POST", f"{base}/approve", {}), ("GET", base, None),
                           ("GET", base, None)])  # fmt: skip
    assert sorted(codes) == [200, 200, 200, 302]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "visa.viewed", AuditEntry.object_id == visa_id)) == 3  # fmt: skip


# 2. A key that cannot read the data ------------------------------------------------------------------------------


def test_another_key_is_told_apart_from_deleted_data(app, plenary, accounts, client):
    registration = register(plenary)
    visa = request_letter(registration)
    app.config["VISA_KEY"] = Fernet.generate_key().decode("ascii")  # the key was changed since
    assert services.passport_state(visa) == services.PASSPORT_UNREADABLE
    login(client, "organizer@isa.example")
    base = f"/admin/plenaries/{plenary.slug}/visa/{visa.id}"
    page = client.get(base).get_data(as_text=True)
    assert says(page, "it has not been deleted")
    page = client.post(f"{base}/approve", follow_redirects=True).get_data(as_text=True)
    assert says(page, "cannot be read with the configured key (FLASK_VISA_KEY), so")
    db.session.refresh(visa)
    assert visa.status == VisaStatus.REQUESTED and _letters(registration.id) == 0
    assert visa.passport_token is not None  # nothing was deleted: the right key reads it again
    app.config["VISA_KEY"] = KEY
    assert services.passport_state(visa) == services.PASSPORT_PRESENT


def _approved(client, plenary, registration):
    visa = request_letter(registration)
    login(client, "organizer@isa.example")
    client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/approve")
    db.session.refresh(visa)
    assert visa.status == VisaStatus.APPROVED
    return visa


def test_a_letter_that_cannot_be_made_offers_no_download(app, plenary, accounts, client):
    registration = register(plenary)
    visa = _approved(client, plenary, registration)
    token = token_for(registration)
    assert f"/registrations/{token}/visa/letter.pdf" in client.get(f"/registrations/{token}").get_data(as_text=True)
    app.config["VISA_KEY"] = Fernet.generate_key().decode("ascii")
    page = client.get(f"/registrations/{token}").get_data(as_text=True)
    assert "letter.pdf" not in page and says(page, "please contact the organizers")
    admin = client.get(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}").get_data(as_text=True)
    assert "letter.pdf" not in admin and says(admin, "but its PDF can no longer be produced")


def test_after_the_retention_purge_the_valid_letter_has_no_dead_link(app, plenary, accounts, client):
    registration = register(plenary)
    visa = _approved(client, plenary, registration)
    services.purge(visa)
    db.session.commit()
    document = review.current_letter(registration)
    assert document is not None and documents.is_valid(document)  # /verify still says valid
    token = token_for(registration)
    page = client.get(f"/registrations/{token}").get_data(as_text=True)
    assert "letter.pdf" not in page and says(page, "please contact the organizers")
    admin = client.get(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}").get_data(as_text=True)
    assert "letter.pdf" not in admin and says(admin, "but its PDF can no longer be produced")
    with app.test_request_context("/?lang=de"):  # the back office speaks German here
        assert gettext("The passport data has been deleted.") in admin


# 3 and 4. Withdrawn: the data goes at once -----------------------------------------------------------------------


def test_a_rejected_registration_loses_its_passport_data_at_once(app, plenary, accounts, client):
    registration = register(plenary)
    visa = _approved(client, plenary, registration)
    changes.cancel(registration.id)
    db.session.commit()
    db.session.refresh(visa)
    assert visa.status == VisaStatus.WITHDRAWN and visa.passport_token is None and visa.purged_at is not None
    assert review.current_letter(registration) is None


def test_moving_online_withdraws_request_and_letter_and_deletes_the_passport_data(app, plenary, accounts, client):
    registration = register(plenary)
    visa = _approved(client, plenary, registration)
    document = review.current_letter(registration)
    changes.switch_attendance(registration.id, "online")
    db.session.commit()
    db.session.refresh(visa)
    db.session.refresh(document)
    assert visa.status == VisaStatus.WITHDRAWN and visa.passport_token is None
    assert document.withdrawn_reason == "online" and not documents.is_valid(document)
    page = client.get(f"/registrations/{token_for(registration)}").get_data(as_text=True)
    assert says(page, "now take part online") and "letter.pdf" not in page
    verify = client.get(f"/verify/{document.code}").get_data(as_text=True)
    assert says(verify, "no longer attends in person")


def test_moving_online_before_a_decision_withdraws_the_open_request(app, plenary, accounts, client):
    registration = register(plenary)
    visa = request_letter(registration)
    changes.switch_attendance(registration.id, "online")
    db.session.commit()
    db.session.refresh(visa)
    assert visa.status == VisaStatus.WITHDRAWN and visa.passport_token is None
    login(client, "organizer@isa.example")
    client.post(f"/admin/plenaries/{plenary.slug}/visa/{visa.id}/approve")
    assert _letters(registration.id) == 0 and _mails(registration.id, "visa_approved") == 0
