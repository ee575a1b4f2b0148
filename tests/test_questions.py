"""The organizers' questions: defined in the back office, answered on the sign-up form (head and delegate rows)
and the personal page, conditional, follow-ups by mail with a reminder once, and where answers appear."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from plenary.admin.audit_labels import action_label
from plenary.audit.models import AuditEntry
from plenary.extensions import db
from plenary.jobs import catalog
from plenary.jobs.registry import run_due
from plenary.mail.models import OutboxMessage
from plenary.questions import follow_up
from plenary.questions.models import Answer, Question
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.conftest import login
from tests.test_registration_views import FORM

HOSTILE = "<script>alert(1)</script>{{7*7}}"
FOLLOW_UP_JOBS = [job for job in catalog.JOBS if job.name == "ask-follow-up-questions"]


def define(client, slug="test-plenary", **fields):
    """Add a question through the back office's form; return the stored question."""
    data = {"kind": "short_text", "asked_of": "both", "attendance": "", "condition": "", "label_de": "Frage",
            "label_en": "", "label_zh": "", "help_de": "", "help_en": "", "help_zh": ""}  # fmt: skip
    for index in range(3):
        data |= {f"choice_rows-{index}-key": "", f"choice_rows-{index}-label_de": "",
                 f"choice_rows-{index}-label_en": "", f"choice_rows-{index}-label_zh": ""}  # fmt: skip
    data |= fields
    response = client.post(f"/admin/plenaries/{slug}/questions/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalars(sa.select(Question).order_by(Question.id.desc())).first()


def choices_of(*labels) -> dict:
    """Choice rows for ``define``: (de, en, zh) label triples."""
    rows = {}
    for index, (de, en, zh) in enumerate(labels):
        rows |= {f"choice_rows-{index}-key": "", f"choice_rows-{index}-label_de": de,
                 f"choice_rows-{index}-label_en": en, f"choice_rows-{index}-label_zh": zh}  # fmt: skip
    return rows


@pytest.fixture
def organizer(client, accounts):
    """The client, logged in as an organizer."""
    login(client, "organizer@isa.example")
    return client


@pytest.fixture
def three(organizer, open_plenary):
    """A plenary with the demo's kind of questions: arrival date (required, in person), hotel yes/no,
    the hotel's nights (shown only when a hotel is needed), interpretation language (single choice)."""
    open_plenary(capacity_in_person=10)
    arrival = define(organizer, kind="date", label_de="Anreisedatum", label_en="Arrival date", label_zh="抵达日期",
                     required="y", attendance="in_person")  # fmt: skip
    hotel = define(organizer, kind="yes_no", label_de="Hotel benötigt?", label_en="Hotel needed?",
                   label_zh="是否需要酒店？", required="y")  # fmt: skip
    nights = define(organizer, kind="number", label_de="Wie viele Nächte?", label_en="How many nights?",
                    label_zh="住几晚？", required="y", condition=f"{hotel.id}:yes")  # fmt: skip
    language = define(organizer, kind="single_choice", label_de="Dolmetschsprache", label_en="Interpretation",
                      label_zh="同传语言", asked_of="head",
                      **choices_of(("Deutsch", "German", "德语"), ("Chinesisch", "Chinese", "中文")))  # fmt: skip
    return arrival, hotel, nights, language


def key(question, label_de):
    return next(c["key"] for c in question.choices if c["label"]["de"] == label_de)


def test_defined_in_the_back_office_with_audit_entries(organizer, three):
    arrival, hotel, nights, language = three
    assert [q.position for q in (arrival, hotel, nights, language)] == [1, 2, 3, 4]
    assert nights.condition_question_id == hotel.id and nights.condition_values == ["yes"]
    assert language.ask_head and not language.ask_delegates and len(language.choices) == 2
    assert arrival.label == {"de": "Anreisedatum", "en": "Arrival date", "zh": "抵达日期"}
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("question.%"))).all()
    assert actions.count("question.create") == 4
    page = organizer.get("/admin/plenaries/test-plenary/questions").get_data(as_text=True)
    assert "Anreisedatum" in page and "Hotel benötigt? = Ja" in page


def test_a_condition_must_name_an_earlier_question_and_moves_keep_the_order(organizer, three):
    arrival, hotel, nights, language = three
    # Moving the dependent above its condition is refused; moving the last one up is fine.
    organizer.post(f"/admin/plenaries/test-plenary/questions/{nights.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert db.session.get(Question, nights.id).position == 3
    organizer.post(f"/admin/plenaries/test-plenary/questions/{language.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert db.session.get(Question, language.id).position == 3
    response = organizer.post(f"/admin/plenaries/test-plenary/questions/{arrival.id}/edit", data={
        "kind": "date", "asked_of": "both", "label_de": "Anreise", "condition": f"{nights.id}:yes"})  # fmt: skip
    assert response.status_code == 400


def test_viewers_cannot_define_questions(client, accounts, open_plenary):
    open_plenary()
    login(client, "viewer@isa.example")
    assert client.get("/admin/plenaries/test-plenary/questions").status_code == 200
    assert client.post("/admin/plenaries/test-plenary/questions/new", data={"label_de": "x"}).status_code == 403


def test_answered_on_the_form_by_head_and_delegate(client, three):
    arrival, hotel, nights, language = three
    client.get("/auth/logout")
    page = client.get("/plenaries/test-plenary/register").get_data(as_text=True)
    assert f'name="answers-q{arrival.id}"' in page and "/static/js/questions.js" in page
    assert re.search(rf'data-question="answers-q{nights.id}"[^>]*hidden', page)  # no hotel yet: hidden
    data = FORM | {
        f"answers-q{arrival.id}": "2031-10-14", f"answers-q{hotel.id}": "yes", f"answers-q{nights.id}": "2,5",
        f"answers-q{language.id}": key(language, "Chinesisch"),
        "delegates-0-first_name": "Wei", "delegates-0-last_name": "Zhang", "delegates-0-email": "wei@example.cn",
        "delegates-0-attendance": "online", f"delegates-0-answers-q{hotel.id}": "no",
        # Hidden for the delegate (online; no hotel): neither required nor stored.
        f"delegates-0-answers-q{arrival.id}": "not a date", f"delegates-0-answers-q{nights.id}": "7",
    }  # fmt: skip
    response = client.post("/plenaries/test-plenary/register", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    head, delegate = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
    stored = {(a.registration_id, a.question_id): a.value for a in db.session.scalars(sa.select(Answer))}
    assert stored == {
        (head.id, arrival.id): "2031-10-14", (head.id, hotel.id): "yes", (head.id, nights.id): "2.5",
        (head.id, language.id): key(language, "Chinesisch"), (delegate.id, hotel.id): "no",
    }  # fmt: skip


@pytest.mark.parametrize(("lang", "message"), [("de", "Dieses Feld wird benötigt."), ("zh", "该字段是必填字段。")])
def test_a_required_answer_missing_says_so_in_the_persons_language_and_keeps_everything(client, three, lang,
                                                                                           message):  # fmt: skip
    arrival, hotel, nights, language = three
    client.get("/auth/logout")
    data = FORM | {f"answers-q{hotel.id}": "yes", f"answers-q{nights.id}": "", f"answers-q{arrival.id}": "",
                   "delegates-0-first_name": "Wei", "delegates-0-last_name": "Zhang",
                   "delegates-0-email": "wei@example.cn", "delegates-0-attendance": "in_person",
                   f"delegates-0-answers-q{arrival.id}": "2031-10-13"}  # fmt: skip
    response = client.post(f"/plenaries/test-plenary/register?lang={lang}", data=data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body.split(f'id="answers-q{nights.id}-error"')[1].split("</div>")[0]
    assert message in body.split(f'id="answers-q{arrival.id}-error"')[1].split("</div>")[0]
    assert f'id="delegates-0-answers-q{hotel.id}-error"' in body  # the delegate's hotel question too
    assert 'value="2031-10-13"' in body and 'value="Müller-Lüdenscheidt"' in body and 'value="wei@example.cn"' in body
    assert not re.search(rf'data-question="answers-q{nights.id}"[^>]*hidden', body)  # shown: a hotel is wanted
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_bad_values_are_refused_beside_their_field(client, three):
    arrival, hotel, nights, language = three
    client.get("/auth/logout")
    data = FORM | {f"answers-q{arrival.id}": "15.10.", f"answers-q{hotel.id}": "maybe",
                   f"answers-q{language.id}": "forged"}  # fmt: skip
    body = client.post("/plenaries/test-plenary/register?lang=en", data=data).get_data(as_text=True)
    assert "Not a valid date value." in body.split(f'id="answers-q{arrival.id}-error"')[1].split("</div>")[0]
    assert "Not a valid choice." in body.split(f'id="answers-q{hotel.id}-error"')[1].split("</div>")[0]
    assert f'id="answers-q{language.id}-error"' in body


def _register_head(client, three, **answers):
    arrival, hotel, nights, language = three
    data = FORM | {f"answers-q{arrival.id}": "2031-10-14", f"answers-q{hotel.id}": "no",
                   f"answers-q{language.id}": key(language, "Deutsch")} | answers  # fmt: skip
    assert client.post("/plenaries/test-plenary/register", data=data).status_code == 302
    return db.session.scalar(sa.select(Registration).order_by(Registration.id.desc()))


def test_editing_a_choices_label_keeps_the_answers(organizer, three):
    arrival, hotel, nights, language = three
    registration = _register_head(organizer, three)
    german = key(language, "Deutsch")
    data = {"kind": "single_choice", "asked_of": "head", "label_de": "Sprache", "condition": "",
            "choice_rows-0-key": german, "choice_rows-0-label_de": "Deutsch (Hochdeutsch)",
            "choice_rows-1-key": key(language, "Chinesisch"), "choice_rows-1-label_de": "Chinesisch",
            "choice_rows-2-key": "", "choice_rows-2-label_de": "Englisch"}  # fmt: skip
    response = organizer.post(f"/admin/plenaries/test-plenary/questions/{language.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Question, language.id)
    assert [c["key"] for c in edited.choices][:2] == [german, key(language, "Chinesisch")]
    assert len({c["key"] for c in edited.choices}) == 3
    answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == language.id))
    assert answer.value == german and answer.registration_id == registration.id
    page = organizer.get(f"/admin/registrations/{registration.id}").get_data(as_text=True)
    assert "Deutsch (Hochdeutsch)" in page
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "question.update")).changes


def test_deleting_a_question_asks_then_deletes_its_answers(organizer, three):
    hotel_id, nights_id = three[1].id, three[2].id
    _register_head(organizer, three)
    page = organizer.get(f"/admin/plenaries/test-plenary/questions/{hotel_id}/delete").get_data(as_text=True)
    assert "1 person has answered it" in page or "1 Person" in page
    assert "Wie viele Nächte?" in page  # depends on it
    assert organizer.post(f"/admin/plenaries/test-plenary/questions/{hotel_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, hotel_id) is None
    assert db.session.get(Question, nights_id).condition_question_id is None
    assert not db.session.scalars(sa.select(Answer).where(Answer.question_id == hotel_id)).all()


def _follow_up(organizer, three):
    return define(organizer, kind="short_text", label_de="Flugnummer", label_en="Flight number", label_zh="航班号",
                  follow_up="y", attendance="in_person", required="y")  # fmt: skip


def _mails(kind="questions_follow_up"):
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    return db.session.scalars(query).all()


def test_follow_up_mail_on_confirmation_with_the_link_then_answered_on_the_personal_page(organizer, three):
    flight = _follow_up(organizer, three)
    page = organizer.get("/plenaries/test-plenary/register").get_data(as_text=True)
    assert f"answers-q{flight.id}" not in page  # not on the sign-up form
    registration = _register_head(organizer, three, language="zh")
    run_due(FOLLOW_UP_JOBS)
    run_due(FOLLOW_UP_JOBS)  # idempotent: one mail
    (mail,) = _mails()
    assert mail.recipient == registration.email and mail.language == "zh"
    assert "航班号" in mail.body_text and "航班号" in mail.body_html
    assert "/answers" in mail.body_text and "PERSONAL-LINK-TOKEN" in mail.body_text
    token = token_for(registration)
    personal = organizer.get(f"/registrations/{token}").get_data(as_text=True)
    assert 'id="questions-open"' in personal and "航班号" in personal
    form = organizer.get(f"/registrations/{token}/answers").get_data(as_text=True)
    assert f'name="q{flight.id}"' in form
    assert "Europe/Berlin" not in form and "Asia/Shanghai" not in form  # the deadline's zone as the pages name it
    response = organizer.post(f"/registrations/{token}/answers", data={f"q{flight.id}": ""})
    assert response.status_code == 400 and "该字段是必填字段。" in response.get_data(as_text=True)
    response = organizer.post(f"/registrations/{token}/answers", data={
        f"q{flight.id}": "LH 720", f"q{three[0].id}": "2031-10-13", f"q{three[1].id}": "no",
        f"q{three[3].id}": key(three[3], "Deutsch")})  # fmt: skip
    assert response.status_code == 302
    answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == flight.id))
    assert answer.value == "LH 720"
    assert 'id="questions-open"' not in organizer.get(f"/registrations/{token}").get_data(as_text=True)


def test_answers_are_read_only_after_the_deadline(organizer, three):
    registration = _register_head(organizer, three)
    token = token_for(registration)
    assert organizer.post("/admin/plenaries/test-plenary/questions/deadline",
                          data={"answers_until": "2031-10-01T12:00"}).status_code == 302  # fmt: skip
    with time_machine.travel(datetime(2031, 10, 2, tzinfo=UTC), tick=False):
        page = organizer.get(f"/registrations/{token}/answers").get_data(as_text=True)
        assert "can no longer be changed" in page or "nicht mehr geändert" in page
        assert "<form" not in page.split("page-title")[1].split("</main>")[0] or 'name="q' not in page
        assert organizer.post(f"/registrations/{token}/answers", data={}).status_code == 409
    assert organizer.get(f"/registrations/{token}/answers").status_code == 200


def test_ask_now_for_those_confirmed_before_and_a_reminder_only_once(organizer, three):
    early = _register_head(organizer, three)
    flight = _follow_up(organizer, three)
    run_due(FOLLOW_UP_JOBS)
    assert _mails() == []  # confirmed before the question existed: asked only with "ask now"
    page = organizer.get("/admin/plenaries/test-plenary/questions").get_data(as_text=True)
    assert "1 confirmed person" in page or "1 bestätigte" in page
    organizer.post(f"/admin/plenaries/test-plenary/questions/{flight.id}/ask")
    organizer.post(f"/admin/plenaries/test-plenary/questions/{flight.id}/ask")  # a double click
    assert [m.recipient for m in _mails()] == [early.email]
    organizer.post("/admin/plenaries/test-plenary/questions/remind")
    organizer.post("/admin/plenaries/test-plenary/questions/remind")  # again: nobody twice
    assert len(_mails()) == 2 and _mails()[1].subject != _mails()[0].subject  # the reminder's own subject
    plenary_id = early.plenary_id
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=11)):
        assert follow_up.remind(plenary_id) == 0  # within the gap (the login would have lapsed: the service)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=13)):
        assert follow_up.remind(plenary_id) == 1
        db.session.commit()
    assert len(_mails()) == 3
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("question.%"))).all()
    assert actions.count("question.ask") == 1 and actions.count("question.remind") == 4  # every click is logged
    with organizer.application.test_request_context("/?lang=en"):
        assert str(action_label("question.ask")) == "Follow-up question asked"


def test_hostile_values_are_escaped_in_the_page_the_mail_and_the_export(organizer, three):
    flight = define(organizer, kind="short_text", label_de=HOSTILE, follow_up="y")
    registration = _register_head(organizer, three)
    token = token_for(registration)
    organizer.post(f"/admin/plenaries/test-plenary/questions/{flight.id}/ask")
    (mail,) = _mails()
    assert "<script>" not in mail.body_html and "&lt;script&gt;" in mail.body_html and "{{7*7}}" in mail.body_text
    answer = '=HYPERLINK("http://evil.example")<script>x</script> مرحبا 🎉' + "长" * 240
    assert organizer.post(f"/registrations/{token}/answers", data={
        f"q{flight.id}": answer, f"q{three[0].id}": "2031-10-13", f"q{three[1].id}": "no",
        f"q{three[3].id}": key(three[3], "Deutsch")}).status_code == 302  # fmt: skip
    for page in (organizer.get(f"/registrations/{token}"), organizer.get(f"/admin/registrations/{registration.id}"),
                 organizer.get("/admin/plenaries/test-plenary/questions")):  # fmt: skip
        body = page.get_data(as_text=True)
        assert "<script>x</script>" not in body and "<script>alert(1)" not in body and "49" not in body.split(
            "&lt;script&gt;alert(1)&lt;/script&gt;")[-1][:5]  # fmt: skip
    csv = organizer.get("/admin/plenaries/test-plenary/registrations/export?format=csv&columns=id").get_data(
        as_text=True)  # fmt: skip
    assert "'=HYPERLINK" in csv and "مرحبا 🎉" in csv and HOSTILE in csv.splitlines()[0]


def test_export_has_a_column_per_question_with_readable_values(organizer, three):
    arrival, hotel, nights, language = three
    _register_head(organizer, three, **{f"answers-q{hotel.id}": "yes", f"answers-q{nights.id}": "3"})
    csv = organizer.get("/admin/plenaries/test-plenary/registrations/export?format=csv&columns=id&lang=de").get_data(
        as_text=True)  # fmt: skip
    header, row = csv.lstrip("\ufeff").splitlines()
    assert header.split(",")[1:] == ["Anreisedatum", "Hotel benötigt?", "Wie viele Nächte?", "Dolmetschsprache"]
    assert row.split(",")[1:] == ["14.10.2031", "Ja", "3", "Deutsch"]
    csv = organizer.get("/admin/plenaries/test-plenary/registrations/export?format=csv&columns=id&lang=zh").get_data(
        as_text=True)  # fmt: skip
    assert "抵达日期" in csv and "是" in csv and "德语" in csv


def test_statistics_count_each_choice(organizer, three):
    arrival, hotel, nights, language = three
    _register_head(organizer, three, **{f"answers-q{hotel.id}": "yes", f"answers-q{nights.id}": "1"})
    _register_head(organizer, three, email="b@example.org",
                   **{f"answers-q{hotel.id}": "yes", f"answers-q{nights.id}": "2"})  # fmt: skip
    _register_head(organizer, three, email="c@example.org")
    page = organizer.get("/admin/plenaries/test-plenary/statistics?lang=de").get_data(as_text=True)
    section = page.split(f'id="section-question-{hotel.id}"')[1].split("</section>")[0]
    assert re.search(r">Ja</th><td class=\"text-end\">2<", section)
    assert re.search(r">Nein</th><td class=\"text-end\">1<", section)
    languages = page.split(f'id="section-question-{language.id}"')[1].split("</section>")[0]
    assert re.search(r">Deutsch</th><td class=\"text-end\">3<", languages)
    assert re.search(r">Chinesisch</th><td class=\"text-end\">0<", languages)


def test_list_filters_by_an_answer_and_shows_answers_as_columns(organizer, three):
    arrival, hotel, nights, language = three
    _register_head(organizer, three, **{f"answers-q{hotel.id}": "yes", f"answers-q{nights.id}": "4"})
    _register_head(organizer, three, email="b@example.org", last_name="Zweite")
    page = organizer.get(f"/admin/plenaries/test-plenary/registrations?answer={hotel.id}:yes").get_data(as_text=True)
    assert "Müller-Lüdenscheidt" in page and "Zweite" not in page
    page = organizer.get(f"/admin/plenaries/test-plenary/registrations?qcol={nights.id}").get_data(as_text=True)
    assert '<th scope="col">Wie viele Nächte?</th>' in page and "<td><bdi>4</bdi></td>" in page
    assert organizer.get("/admin/plenaries/test-plenary/registrations?answer=x:%27").status_code == 200


def test_data_download_holds_the_answers_and_erasure_removes_them(organizer, three):
    arrival, hotel, nights, language = three
    registration = _register_head(organizer, three)
    token = token_for(registration)
    data = organizer.get(f"/registrations/{token}/data.json").get_json()
    assert {"question": hotel.label, "answer": "Nein", "value": "no"} in data["answers"]
    assert len(data["answers"]) == 3
    assert organizer.post(f"/registrations/{token}/erase").status_code == 200
    assert not db.session.scalars(sa.select(Answer).where(Answer.registration_id == registration.id)).all()


def test_the_demo_plenary_asks_three_questions_and_one_follow_up(app, demo):
    from plenary.demo.loader import load_demo
    from plenary.events.models import Plenary

    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == "11th-plenary"))
    questions = db.session.scalars(sa.select(Question).where(Question.plenary_id == plenary.id)).all()
    assert [q.follow_up for q in questions] == [False, False, False, True]
    assert questions[3].attendance == "in_person" and questions[2].kind == "single_choice"
    load_demo()  # idempotent
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 4


def test_removing_a_delegate_row_without_javascript_keeps_the_other_rows_answers(client, three):
    arrival, hotel, nights, language = three
    client.get("/auth/logout")
    data = FORM | {
        "delegates-0-first_name": "Erste", "delegates-0-last_name": "Person", "delegates-0-email": "a@example.org",
        f"delegates-0-answers-q{arrival.id}": "2031-10-11",
        "delegates-1-first_name": "Zweite", "delegates-1-last_name": "Person", "delegates-1-email": "b@example.org",
        f"delegates-1-answers-q{arrival.id}": "2031-10-12", f"delegates-1-answers-q{hotel.id}": "yes",
        "remove_delegate": "0",
    }  # fmt: skip
    body = client.post("/plenaries/test-plenary/register", data=data).get_data(as_text=True)
    assert 'value="Zweite"' in body and 'value="Erste"' not in body
    assert re.search(rf'name="delegates-0-answers-q{arrival.id}"[^>]*value="2031-10-12"', body)
    assert re.search(rf'<input checked[^>]*name="delegates-0-answers-q{hotel.id}" type="radio" value="yes"', body)
    assert 'name="delegates-1-first_name"' not in body


def test_a_removed_choice_with_answers_stays_readable_and_the_kind_cannot_change(organizer, three):
    arrival, hotel, nights, language = three
    registration = _register_head(organizer, three)  # chose "Deutsch"
    german, chinese = key(language, "Deutsch"), key(language, "Chinesisch")
    data = {"kind": "single_choice", "asked_of": "head", "label_de": "Dolmetschsprache", "condition": "",
            "choice_rows-0-key": chinese, "choice_rows-0-label_de": "Chinesisch",
            "choice_rows-1-key": "", "choice_rows-1-label_de": "Englisch"}  # fmt: skip
    assert organizer.post(f"/admin/plenaries/test-plenary/questions/{language.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    edited = db.session.get(Question, language.id)
    assert {"key": german, "label": {"de": "Deutsch", "en": "German", "zh": "德语"}, "retired": True} in edited.choices
    assert german not in edited.choice_keys()  # no longer offered
    form = organizer.get("/plenaries/test-plenary/register").get_data(as_text=True)
    assert f'value="{german}"' not in form and f'value="{chinese}"' in form
    assert "Deutsch" in organizer.get(f"/admin/registrations/{registration.id}").get_data(as_text=True)
    refused = organizer.post(f"/admin/plenaries/test-plenary/questions/{language.id}/edit",
                             data=data | {"kind": "short_text"})  # fmt: skip
    assert refused.status_code == 400 and 'id="kind-error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, language.id).kind == "single_choice"
