"""The sign-up form and the personal page, through HTTP."""

import json
import re

import pytest
import sqlalchemy as sa

from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for

FORM = {
    "salutation": "ms", "honorific": "Dr.", "first_name": "Zoë", "last_name": "Müller-Lüdenscheidt",
    "name_zh": "米勒", "organisation": "Stadt Köln", "position": "Referentin", "member_city": "", "country": "DE",
    "email": "Zoe.Mueller@Example.org", "phone": "+49 221 0", "attendance": "in_person", "language": "de",
    "interpretation": "y", "dietary": "vegetarisch", "remarks": "", "consent_privacy": "y", "submit": "Anmelden",
}  # fmt: skip


def _count(model=Registration) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(("lang", "text"), [("de", "Anmeldung"), ("en", "Register"), ("zh", "报名")])
def test_form_in_every_language(client, open_plenary, lang, text):
    open_plenary()
    response = client.get(f"/plenaries/test-plenary/register?lang={lang}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert text in body
    for name in ("salutation", "honorific", "first_name", "last_name", "name_zh", "organisation", "position",
                 "member_city", "country", "email", "phone", "attendance", "language", "interpretation", "dietary",
                 "remarks", "consent_privacy", "consent_listing"):  # fmt: skip
        assert f'name="{name}"' in body, name
    assert 'href="/privacy"' in body
    # The language of our messages defaults to the page's language.
    assert re.search(rf'value="{lang}"[^>]*checked|checked[^>]*value="{lang}"', body)


def test_registering_stores_normalised_data_and_queues_the_message(client, open_plenary):
    open_plenary()
    response = client.post("/plenaries/test-plenary/register", data=FORM)
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/sent")
    registration = db.session.scalar(sa.select(Registration))
    assert registration.email == "zoe.mueller@example.org"
    assert (registration.first_name, registration.last_name, registration.name_zh) == ("Zoë", "Müller-Lüdenscheidt",
                                                                                        "米勒")  # fmt: skip
    assert registration.interpretation is True and registration.consent_privacy_at is not None
    assert registration.status == "confirmed"
    kinds = set(db.session.scalars(sa.select(OutboxMessage.kind)))
    assert kinds == {"registration_confirmed", "organizer_new_registration"}


@pytest.mark.parametrize(("lang", "required", "bad_email"), [
    # WTForms' own messages come from its catalogues; ours from ours.
    ("de", "Dieses Feld wird benötigt.", "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    ("zh", "该字段是必填字段。", "请输入有效的电子邮箱地址。"),
])  # fmt: skip
def test_errors_come_back_beside_their_fields_with_everything_kept(client, open_plenary, lang, required, bad_email):
    open_plenary()
    data = FORM | {"first_name": "", "email": "not-an-address", "consent_privacy": ""}
    response = client.post(f"/plenaries/test-plenary/register?lang={lang}", data=data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    first_name_error = body.split('id="first_name-error"')[1].split("</div>")[0]
    assert required in first_name_error
    assert bad_email in body.split('id="email-error"')[1].split("</div>")[0]
    assert 'id="consent_privacy-error"' in body
    assert 'value="Müller-Lüdenscheidt"' in body and 'value="米勒"' in body and 'value="not-an-address"' in body
    assert 'value="vegetarisch"' in body
    assert _count() == 0 and _count(OutboxMessage) == 0


def test_every_field_has_a_length_limit(client, open_plenary):
    open_plenary()
    for field in ("first_name", "last_name", "organisation", "position", "honorific", "dietary", "name_zh", "phone"):
        response = client.post("/plenaries/test-plenary/register", data=FORM | {field: "x" * 2001})
        assert response.status_code == 400, field
    assert client.post("/plenaries/test-plenary/register", data=FORM | {"remarks": "x" * 2001}).status_code == 400
    assert _count() == 0


def test_unknown_choices_are_refused(client, open_plenary):
    open_plenary()
    for field, value in (("member_city", "99999"), ("language", "fr"), ("country", "XX"), ("attendance", "roof")):
        assert client.post("/plenaries/test-plenary/register", data=FORM | {field: value}).status_code == 400, field
    assert _count() == 0


def test_the_same_answer_for_known_and_new_addresses(client, open_plenary):
    open_plenary()
    first = client.post("/plenaries/test-plenary/register", data=FORM)
    second = client.post("/plenaries/test-plenary/register", data=FORM | {"first_name": "Eve"})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count() == 1
    assert db.session.scalar(sa.select(Registration.first_name)) == "Zoë"


def test_honeypot_stores_nothing_but_looks_successful(client, open_plenary):
    open_plenary()
    response = client.post("/plenaries/test-plenary/register", data=FORM | {"website": "http://spam.example"})
    assert response.status_code == 302
    assert _count() == 0 and _count(OutboxMessage) == 0


def test_add_delegate_without_javascript_then_register_the_delegation(client, open_plenary):
    open_plenary(capacity_in_person=10)
    added = client.post("/plenaries/test-plenary/register", data=FORM | {"add_delegate": "1"})
    assert added.status_code == 200
    body = added.get_data(as_text=True)
    assert 'name="delegates-0-first_name"' in body and 'value="Zoë"' in body
    assert _count() == 0
    data = FORM | {"delegates-0-first_name": "Wei", "delegates-0-last_name": "Zhang",
                   "delegates-0-email": "wei@example.cn", "delegates-0-position": "",
                   "delegates-0-attendance": "online"}  # fmt: skip
    assert client.post("/plenaries/test-plenary/register", data=data).status_code == 302
    head, delegate = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
    assert delegate.delegation_head_id == head.id and delegate.attendance == "online"
    assert delegate.organisation == "Stadt Köln"
    # The head's page lists the colleagues this submission registered (a known address is never attached:
    # see tests/test_delegation.py); it offers to add more, and the delegate's page says who registered them.
    page = client.get(f"/registrations/{token_for(head)}").get_data(as_text=True)
    assert "Wei Zhang" in page and f"/registrations/{token_for(head)}/delegates" in page
    assert "Zoë Müller-Lüdenscheidt" in client.get(f"/registrations/{token_for(delegate)}").get_data(as_text=True)


def test_a_delegate_cannot_reuse_the_heads_email(client, open_plenary):
    open_plenary()
    data = FORM | {"delegates-0-first_name": "A", "delegates-0-last_name": "B", "delegates-0-email": FORM["email"]}
    assert client.post("/plenaries/test-plenary/register", data=data).status_code == 400
    assert _count() == 0


def test_full_plenary_without_waitlist_says_so_and_keeps_the_form(client, open_plenary):
    open_plenary(capacity_in_person=0, waitlist=False)
    response = client.post("/plenaries/test-plenary/register?lang=en", data=FORM)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "There are no seats left, and this plenary has no waiting list." in body
    assert 'value="Müller-Lüdenscheidt"' in body
    assert _count() == 0


@pytest.mark.parametrize(("change", "text"), [
    ({"status": "cancelled"}, "This plenary has been cancelled"),
    ({"registration_opens_at": "future"}, "Registration has not opened yet"),
    ({"registration_closes_at": "past"}, "Registration is closed"),
])  # fmt: skip
def test_closed_registration_shows_a_page_not_a_form(client, open_plenary, change, text):
    from datetime import UTC, datetime, timedelta

    plenary = open_plenary()
    now = datetime.now(UTC)
    for key, value in change.items():
        setattr(plenary, key, {"future": now + timedelta(days=3), "past": now - timedelta(hours=1)}.get(value, value))
    db.session.commit()
    for method in (client.get, client.post):
        response = method("/plenaries/test-plenary/register?lang=en", data=FORM if method == client.post else None)
        body = response.get_data(as_text=True)
        assert text in body and 'name="first_name"' not in body
    assert _count() == 0


def test_draft_plenary_has_no_registration(client, make_plenary):
    make_plenary(status="draft")
    assert client.get("/plenaries/test-plenary/register").status_code == 404


def test_csrf_is_required(make_app, open_registration_document):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from plenary.events.exchange import import_plenary

        import_plenary(open_registration_document)
        db.session.commit()
        client = app.test_client()
        assert client.post("/plenaries/test-plenary/register", data=FORM).status_code == 400
        assert _count() == 0
        page = client.get("/plenaries/test-plenary/register").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post("/plenaries/test-plenary/register", data=FORM | {"csrf_token": token}).status_code == 302


def test_rate_limit_on_submissions(make_app, open_registration_document):
    app = make_app(RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="3 per minute")
    with app.app_context():
        from plenary.events.exchange import import_plenary

        import_plenary(open_registration_document)
        db.session.commit()
        client = app.test_client()
        codes = [client.post("/plenaries/test-plenary/register?lang=en", data=FORM | {"email": f"{i}@example.org"})
                 .status_code for i in range(4)]  # fmt: skip
        assert codes == [302, 302, 302, 429]
        assert "Too many attempts" in client.post("/plenaries/test-plenary/register?lang=en", data=FORM).get_data(
            as_text=True)  # fmt: skip
        assert client.get("/plenaries/test-plenary/register").status_code == 200  # reading is not limited


@pytest.fixture
def registered(client, open_plenary):
    """Register Zoë through the form; return (registration, token)."""
    open_plenary(capacity_in_person=1)
    client.post("/plenaries/test-plenary/register", data=FORM)
    registration = db.session.scalar(sa.select(Registration))
    return registration, token_for(registration)


@pytest.mark.parametrize(("lang", "text"), [("de", "Bestätigt"), ("en", "Confirmed"), ("zh", "已确认")])
def test_personal_page(client, registered, lang, text):
    _registration, token = registered
    response = client.get(f"/registrations/{token}?lang={lang}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert text in body and "Müller-Lüdenscheidt" in body
    assert {"de": "Arbeitsbericht", "en": "Work report", "zh": "工作报告"}[lang] in body  # the agenda
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_or_id_like_tokens_are_404(client, registered):
    registration, token = registered
    for bad in (str(registration.id), token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 43):
        assert client.get(f"/registrations/{bad}").status_code == 404


def test_cancel_asks_first_then_promotes_the_waitlist(client, registered):
    registration, token = registered
    client.post("/plenaries/test-plenary/register", data=FORM | {"email": "next@example.org"})
    waiting = db.session.scalar(sa.select(Registration).where(Registration.email == "next@example.org"))
    assert waiting.status == "waitlisted"
    confirm = client.get(f"/registrations/{token}/cancel?lang=en")
    assert "Cancel your registration?" in confirm.get_data(as_text=True)
    assert registration.status == "confirmed"
    done = client.post(f"/registrations/{token}/cancel")
    assert done.status_code == 302
    assert registration.status == "cancelled" and waiting.status == "confirmed"
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.recipient == "next@example.org")).all()
    assert kinds == ["registration_waitlisted", "registration_promoted"]


def test_edit_details_keeps_email_and_status(client, registered):
    registration, token = registered
    form = client.get(f"/registrations/{token}/edit").get_data(as_text=True)
    assert 'value="Müller-Lüdenscheidt"' in form
    data = {k: v for k, v in FORM.items() if k not in ("email", "attendance", "consent_privacy")}
    changes = {"position": "Leiterin", "email": "x@evil.example"}
    response = client.post(f"/registrations/{token}/edit", data=data | changes)
    assert response.status_code == 302
    assert registration.position == "Leiterin" and registration.email == "zoe.mueller@example.org"
    bad = client.post(f"/registrations/{token}/edit", data=data | {"last_name": ""})
    assert bad.status_code == 400 and 'value="Zoë"' in bad.get_data(as_text=True)


def test_switch_attendance_from_the_personal_page(client, registered):
    registration, token = registered
    response = client.post(f"/registrations/{token}/attendance", data={"attendance": "online"})
    assert response.status_code == 302 and "done=attendance" in response.headers["Location"]
    assert registration.attendance == "online"


def test_download_own_data(client, registered):
    _registration, token = registered
    response = client.get(f"/registrations/{token}/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["email"] == "zoe.mueller@example.org" and data["status"] == "confirmed"
    # Readable in an editor: indented, names as characters (not \\u escapes).
    text = response.get_data(as_text=True)
    assert '\n  "email": ' in text and "米勒" in text and response.mimetype == "application/json"


def test_erase_own_data(client, registered):
    registration, token = registered
    assert "Erase your data?" in client.get(f"/registrations/{token}/erase?lang=en").get_data(as_text=True)
    response = client.post(f"/registrations/{token}/erase?lang=en")
    assert response.status_code == 200 and "Your data has been erased" in response.get_data(as_text=True)
    assert registration.email is None and registration.first_name == "—"
    assert client.get(f"/registrations/{token}").status_code == 404


@pytest.mark.parametrize(("lang", "text", "law"), [("de", "Datenschutzhinweise", "PIPL"),
                                                   ("en", "Privacy notice", "PIPL"),
                                                   ("zh", "隐私声明", "个人信息保护法")])  # fmt: skip
def test_privacy_notice_in_three_languages(client, lang, text, law):
    body = client.get(f"/privacy?lang={lang}").get_data(as_text=True)
    assert text in body and law in body


def test_plenary_page_links_to_the_form_while_open(client, open_plenary):
    open_plenary()
    assert 'href="/plenaries/test-plenary/register"' in client.get("/plenaries/test-plenary").get_data(as_text=True)


def test_personal_page_speaks_the_registrants_language_unless_chosen(client, open_plenary):
    open_plenary()
    client.post("/plenaries/test-plenary/register", data=FORM | {"language": "zh"})
    token = token_for(db.session.scalar(sa.select(Registration)))
    page = client.get(f"/registrations/{token}", headers={"Accept-Language": "en-US"})
    assert '<html lang="zh-Hans">' in page.get_data(as_text=True)
    chosen = client.get(f"/registrations/{token}?lang=de", headers={"Accept-Language": "en-US"})
    assert '<html lang="de">' in chosen.get_data(as_text=True)


def test_full_plenary_answers_known_and_new_addresses_alike(client, open_plenary):
    open_plenary(capacity_in_person=1, waitlist=False)
    client.post("/plenaries/test-plenary/register", data=FORM)
    known = client.post("/plenaries/test-plenary/register?lang=en", data=FORM)
    new = client.post("/plenaries/test-plenary/register?lang=en", data=FORM | {"email": "new@example.org"})
    assert known.status_code == new.status_code == 400
    strip_values = re.compile(r'value="[^"]*"')
    assert strip_values.sub("", known.get_data(as_text=True)) == strip_values.sub("", new.get_data(as_text=True))


def test_enter_key_submits_the_registration_not_a_delegate_button(client, open_plenary):
    open_plenary()
    body = client.get("/plenaries/test-plenary/register").get_data(as_text=True)
    form = body.split('class="registration-form"')[1]
    first_button = re.search(r"<(?:button|input)[^>]*type=\"submit\"[^>]*>", form).group(0)
    assert 'name="submit"' in first_button


def test_odd_delegate_row_input_is_harmless(client, open_plenary):
    open_plenary()
    for value in ("²", "abc", "-1", "99"):
        response = client.post("/plenaries/test-plenary/register", data=FORM | {"remove_delegate": value})
        assert response.status_code in (200, 302, 400), value
    stray = client.post("/plenaries/test-plenary/register", data=FORM | {"delegates-99-email": "x@example.org"})
    assert stray.status_code in (302, 400)


def test_blanks_around_are_trimmed_and_line_breaks_normalised(client, open_plenary):
    # Control characters are refused, not dropped: tests/test_hostile_inputs.py.
    open_plenary()
    data = FORM | {"organisation": "\tStadt Köln\u3000 ", "remarks": "\r\nZeile 1\r\nZeile 2\rZeile 3\n"}
    response = client.post("/plenaries/test-plenary/register", data=data)
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert registration.organisation == "Stadt Köln" and registration.remarks == "Zeile 1\nZeile 2\nZeile 3"


@pytest.mark.parametrize(("lang", "text"), [("de", "Dieses Feld wird benötigt."), ("zh", "该字段是必填字段。")])
def test_delegate_errors_in_the_visitors_language(client, open_plenary, lang, text):
    open_plenary()
    data = FORM | {"delegates-0-first_name": "", "delegates-0-last_name": "B", "delegates-0-email": "b@example.org"}
    body = client.post(f"/plenaries/test-plenary/register?lang={lang}", data=data).get_data(as_text=True)
    assert text in body.split('id="delegates-0-first_name-error"')[1].split("</div>")[0]


def test_adding_delegates_does_not_use_up_the_rate_limit(make_app, open_registration_document):
    app = make_app(RATELIMIT_ENABLED=True, REGISTRATION_RATE_LIMIT="2 per minute")
    with app.app_context():
        from plenary.events.exchange import import_plenary

        import_plenary(open_registration_document)
        db.session.commit()
        client = app.test_client()
        for _ in range(5):
            response = client.post("/plenaries/test-plenary/register", data=FORM | {"add_delegate": "1"})
            assert response.status_code == 200
        assert client.post("/plenaries/test-plenary/register", data=FORM).status_code == 302


def test_personal_page_actions_need_csrf(make_app, open_registration_document):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from plenary.events.exchange import import_plenary
        from plenary.registration import signup
        from tests.conftest import person

        plenary, _ = import_plenary(open_registration_document)
        db.session.commit()
        registration = signup.register(plenary.id, person("anna@example.org")).created[0]
        db.session.commit()
        token = token_for(registration)
        client = app.test_client()
        for action, data in (("cancel", {}), ("erase", {}), ("attendance", {"attendance": "online"}),
                             ("reactivate", {}), ("edit", {"first_name": "Eve"})):  # fmt: skip
            response = client.post(f"/registrations/{token}/{action}", data=data)
            assert response.status_code in (302, 400), action
        assert (registration.status, registration.attendance, registration.first_name) == ("confirmed", "in_person",
                                                                                            "Anna")  # fmt: skip


def test_the_longest_names_and_titles_make_messages_not_500s(client, make_plenary):
    """Seen on PostgreSQL: a 300-character subject column and "Neue Anmeldung: " + three 100-character names (or a
    300-character title) made every registration a 500. Subjects are shortened with "…" instead."""
    from tests.conftest import open_registration

    title = {lang: ("Plenarversammlung " * 20)[:300] for lang in ("de", "en", "zh")}
    make_plenary(title=title, registration=open_registration())
    data = FORM | {"honorific": "A" * 100, "first_name": "B" * 100, "last_name": "C" * 100}
    assert client.post("/plenaries/test-plenary/register", data=data).status_code == 302
    subjects = db.session.scalars(sa.select(OutboxMessage.subject)).all()
    assert len(subjects) == 2 and all(len(subject) <= 300 for subject in subjects)
    assert all(subject.endswith("…") for subject in subjects)


def test_text_fields_sent_as_files_get_the_form_again_never_a_500(app, client, open_plenary):
    """Seen: ``first_name`` (or email, remarks, phone) posted as a file part gave anonymous visitors a 500."""
    import io

    open_plenary()
    for field in ("first_name", "email", "remarks", "phone", "dietary"):
        data = {k: v for k, v in FORM.items() if k != field}
        data[field] = (io.BytesIO(b"hello"), "x.txt", "text/plain")
        response = client.post("/plenaries/test-plenary/register?lang=en", data=data,
                               content_type="multipart/form-data")  # fmt: skip
        # A required field reads as missing (the form again, 400); an optional one as empty (registered, 302).
        expected = 400 if field in ("first_name", "email") else 302
        assert response.status_code == expected, (field, response.status_code)
    with app.app_context():
        stored = db.session.scalars(sa.select(Registration)).all()
        assert all(r.first_name != "hello" and r.remarks != "hello" for r in stored)
    login_page = client.post("/admin/login", content_type="multipart/form-data",
                             data={"email": (io.BytesIO(b"a@b.c"), "x.txt"), "password": "x"})  # fmt: skip
    assert login_page.status_code in (200, 302, 400) and "/admin/login" in client.get("/admin/").headers["Location"]
