"""The survey after the plenary: defined and opened in the back office (3–5 questions, kinds fixed once answered,
anonymity chosen before the first answer), answered once per attendee through the personal link (also two submits
at once), anonymous answers with no link to anyone, results and averages in the statistics, a formula-safe export,
hostile text escaped wherever it comes out, erasure. The plenary (tests/conftest.py) is on 15 October 2031,
09:00–12:30 in Berlin (07:00–10:30 UTC); the clock is moved with time-machine."""

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from plenary.attendance import services as attendance
from plenary.attendance.models import AttendanceChannel, AttendanceSource
from plenary.audit.models import AuditEntry
from plenary.extensions import db
from plenary.mail.outbox import render_message
from plenary.registration import privacy, signup
from plenary.registration.changes import cancel
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from plenary.survey import services
from plenary.survey.models import (
    SurveyAnswer,
    SurveyOpensAt,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
)
from tests.conftest import login, person

ENDS = datetime(2031, 10, 15, 10, 30, tzinfo=UTC)
AFTER_END = ENDS + timedelta(hours=2)
HOSTILE = "<script>alert(1)</script>{{7*7}} PERSONAL-LINK-TOKEN JOIN-LINK-TOKEN \u202eevil"
TEXTS = {"de": "Wie fanden Sie die Versammlung?", "en": "How was the assembly?", "zh": "您觉得本次全体大会如何？"}


def texts(suffix: str = "") -> dict:
    return {lang: text + suffix for lang, text in TEXTS.items()}


@pytest.fixture
def people(open_plenary):
    """Anna (German, attended), 张伟 (Chinese, attended), Ben (German, confirmed, never came)."""
    plenary = open_plenary(capacity_in_person=None)
    anna = signup.register(plenary.id, person("anna@example.org")).created[0]
    wei = signup.register(plenary.id, person("wei@example.cn", honorific=None, first_name="Wei", last_name="Zhang",
                                             name_zh="张伟", language="zh", country="CN")).created[0]  # fmt: skip
    ben = signup.register(plenary.id, person("ben@example.org", first_name="Ben", last_name="Berger")).created[0]
    db.session.commit()
    for registration in (anna, wei):
        attendance.record_arrival(registration, AttendanceChannel.HALL, AttendanceSource.DOOR, by="door@isa.example",
                                  at=ENDS - timedelta(hours=3))  # fmt: skip
    db.session.commit()
    return plenary, anna, wei, ben


def build(
    plenary, anonymous: bool = True, kinds=("rating", "rating", "text"), open_it: bool = True, extra_text: str = ""
) -> list[SurveyQuestion]:
    """A survey of ``kinds`` (the first question required), saved and opened through the services."""
    services.save_settings(plenary, anonymous, SurveyOpensAt.END, None)
    questions = [services.add_question(plenary, {"kind": kind, "required": index == 0,
                                                 "text": texts(f" {index}{extra_text}")})
                 for index, kind in enumerate(kinds)]  # fmt: skip
    if open_it:
        services.open_survey(plenary)
    db.session.commit()
    return questions


def form_data(questions, *values) -> dict:
    return {f"q{q.id}": str(v) for q, v in zip(questions, values, strict=True)}


# --- defining and opening ---------------------------------------------------------------------------------------


def test_opening_needs_three_questions_and_five_is_the_most(people):
    plenary = people[0]
    build(plenary, kinds=("rating", "text"), open_it=False)
    with pytest.raises(services.SurveyProblem) as problem:
        services.open_survey(plenary)
    assert problem.value.code == "too_few"
    db.session.rollback()
    for index in range(3):
        services.add_question(plenary, {"kind": "rating", "required": False, "text": texts(f" more {index}")})
    db.session.commit()
    assert len(services.questions_of(plenary.id)) == 5
    with pytest.raises(services.SurveyProblem) as problem:
        services.add_question(plenary, {"kind": "rating", "required": False, "text": texts(" six")})
    assert problem.value.code == "full"
    db.session.rollback()
    services.open_survey(plenary)
    db.session.commit()
    assert services.state(plenary, now=ENDS - timedelta(hours=1)) == "scheduled"
    assert services.is_open(plenary, now=AFTER_END)
    assert not services.is_open(plenary, now=ENDS + timedelta(days=14))  # closes 14 days after the end
    assert services.is_open(plenary, now=ENDS + timedelta(days=13, hours=23))
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("survey.%"))))
    assert actions >= {"survey.settings", "survey.question_create", "survey.open"} or actions >= {
        "survey.question_create",
        "survey.open",
    }


def test_the_back_office_page_builds_reorders_opens_and_closes_with_errors_in_german(client, people, accounts):
    plenary = people[0]
    login(client, "organizer@isa.example")
    base = f"/admin/plenaries/{plenary.slug}/survey"
    assert client.get(f"/admin/plenaries/{plenary.slug}").get_data(as_text=True).count(base) >= 1
    data = {"kind": "rating", "text_de": "Frage", "text_en": "Q", "text_zh": ""}
    response = client.post(f"{base}/questions/new", data=data, headers={"Accept-Language": "de"})
    assert response.status_code == 400
    assert "Dieses Feld wird benötigt." in response.get_data(as_text=True)  # WTForms' German
    assert "Frage" in response.get_data(as_text=True)  # what was typed stays
    for index, kind in enumerate(("rating", "text", "rating")):
        response = client.post(f"{base}/questions/new", data={"kind": kind, "text_de": f"Frage {index}",
                                                              "text_en": f"Question {index}",
                                                              "text_zh": f"问题 {index}"})  # fmt: skip
        assert response.status_code == 302
    questions = services.questions_of(plenary.id)
    assert [q.text["de"] for q in questions] == ["Frage 0", "Frage 1", "Frage 2"]
    assert client.post(f"{base}/questions/{questions[2].id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [q.text["de"] for q in services.questions_of(plenary.id)] == ["Frage 0", "Frage 2", "Frage 1"]
    assert client.post(f"{base}/open").status_code == 302
    db.session.expire_all()
    assert services.survey_of(plenary.id).published_at is not None
    page = client.get(base, headers={"Accept-Language": "de"}).get_data(as_text=True)
    with force_locale("de_DE"):
        assert gettext("Close the survey") in page
    preview = client.get(f"{base}/preview?lang=zh")
    assert preview.status_code == 200 and "问题 0" in preview.get_data(as_text=True)
    assert client.post(f"{base}/close").status_code == 302
    db.session.expire_all()
    assert services.state(plenary) == "closed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "survey.question_move")) == 1  # fmt: skip
    # A viewer sees the page but cannot change anything.
    client.post("/admin/logout")
    viewer = client.application.test_client()
    login(viewer, "viewer@isa.example")
    assert viewer.get(base).status_code == 200
    assert viewer.post(f"{base}/open").status_code == 403


def test_a_questions_kind_is_fixed_once_answered_its_text_is_not(client, people):
    plenary, anna, _, _ = people
    questions = build(plenary)
    with time_machine.travel(AFTER_END, tick=False):
        assert services.submit(anna, {questions[0].id: 4, questions[2].id: "Gut"}) is None
        db.session.commit()
    with pytest.raises(services.SurveyProblem) as problem:
        services.update_question(questions[0], {"kind": "text", "required": True, "text": texts()})
    assert problem.value.code == "kind"
    db.session.rollback()
    services.update_question(questions[0], {"kind": "rating", "required": True, "text": texts(" (neu)")})
    db.session.commit()
    assert db.session.get(SurveyQuestion, questions[0].id).text["de"].endswith("(neu)")
    # A question nobody has answered may change its kind.
    services.update_question(questions[1], {"kind": "text", "required": False, "text": texts()})
    db.session.commit()


def test_anonymity_cannot_be_given_up_after_answers(people):
    plenary, anna, _, _ = people
    questions = build(plenary, anonymous=True)
    services.save_settings(plenary, False, SurveyOpensAt.END, None)  # before any answer: allowed
    services.save_settings(plenary, True, SurveyOpensAt.END, None)
    db.session.commit()
    with time_machine.travel(AFTER_END, tick=False):
        assert services.submit(anna, {questions[0].id: 5}) is None
        db.session.commit()
    with pytest.raises(services.SurveyProblem) as problem:
        services.save_settings(plenary, False, SurveyOpensAt.END, None)
    assert problem.value.code == "anonymity"
    db.session.rollback()
    with pytest.raises(services.SurveyProblem) as problem:
        services.save_settings(plenary, True, SurveyOpensAt.END, ENDS - timedelta(hours=1))
    assert problem.value.code == "closes"


def test_a_non_anonymous_survey_made_anonymous_unlinks_its_responses(people):
    plenary, anna, _, _ = people
    questions = build(plenary, anonymous=False)
    with time_machine.travel(AFTER_END, tick=False):
        services.submit(anna, {questions[0].id: 3})
        db.session.commit()
    assert db.session.scalar(sa.select(SurveyResponse.registration_id)) == anna.id
    services.save_settings(plenary, True, SurveyOpensAt.END, None)
    db.session.commit()
    assert db.session.scalar(sa.select(SurveyResponse.registration_id)) is None


# --- answering --------------------------------------------------------------------------------------------------


@time_machine.travel(AFTER_END, tick=False)
def test_an_attendee_answers_once_in_their_language(client, people):
    plenary, _, wei, _ = people
    questions = build(plenary)
    url = f"/survey/{token_for(wei)}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "您觉得本次全体大会如何？ 0" in html and '<fieldset class="mb-4 survey-rating"' in html and "<legend" in html
    with force_locale("zh_Hans_CN"):
        assert gettext("poor") in html and gettext("excellent") in html
    response = client.post(url, data=form_data(questions, 5, 2, "很好"))
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    with force_locale("zh_Hans_CN"):
        assert gettext("Your answers have been received. Thank you!") in thanks
    again = client.post(url, data=form_data(questions, 1, 1, "again"))
    assert again.status_code == 409
    with force_locale("zh_Hans_CN"):
        assert gettext("You have already answered the survey, thank you. Each person can answer once.") in \
            again.get_data(as_text=True)  # fmt: skip
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1
    assert sorted(db.session.scalars(sa.select(SurveyAnswer.rating).where(SurveyAnswer.rating.is_not(None)))) == [2, 5]


@time_machine.travel(AFTER_END, tick=False)
def test_two_submits_at_once_store_one_response(app, people):
    plenary, anna, _, _ = people
    questions = build(plenary)
    url = f"/survey/{token_for(anna)}"
    count = 2
    barrier = threading.Barrier(count, timeout=60)
    clients = [app.test_client() for _ in range(count)]
    data = form_data(questions, 4, 3, "Sehr gut")

    def one(client):
        barrier.wait()
        return client.post(url, data=data)

    with ThreadPoolExecutor(count) as pool:
        statuses = sorted(r.status_code for r in pool.map(one, clients))
    assert statuses == [302, 409]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyParticipation)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) == 3


@time_machine.travel(AFTER_END, tick=False)
def test_required_and_too_long_answers_are_refused_keeping_what_was_typed(client, people):
    plenary, anna, _, _ = people
    questions = build(plenary)
    url = f"/survey/{token_for(anna)}"
    response = client.post(url, data={f"q{questions[2].id}": "Mein langer Text " + "x" * 2000})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    with force_locale("de_DE"):
        assert gettext("Please answer this question.") in html
        assert gettext("Please write at most %(max)d characters.", max=2000) in html
    assert "Mein langer Text" in html
    bad = client.post(url, data={f"q{questions[0].id}": "7"})
    assert bad.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyParticipation)) == 0


@pytest.mark.parametrize("who", ["absent", "cancelled"])
@time_machine.travel(AFTER_END, tick=False)
def test_who_did_not_attend_or_cancelled_is_told_why(client, people, who):
    plenary, anna, _, ben = people
    questions = build(plenary)
    if who == "cancelled":
        cancel(anna.id)
        db.session.commit()
        registration, message = (
            anna,
            "The survey is for confirmed participants only; your registration is not confirmed.",
        )
    else:
        registration, message = (
            ben,
            (
                "The survey is for those who attended the plenary, and we have no record of "
                "your attendance. If you did take part, please contact the organizers."
            ),
        )
    url = f"/survey/{token_for(registration)}"
    page = client.get(url)
    with force_locale("de_DE"):
        assert gettext(message) in page.get_data(as_text=True)
    assert client.post(url, data=form_data(questions, 5, 5, "x")).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0
    assert services.survey_url_for(registration) is None


def test_a_closed_survey_refuses_with_a_clear_message(client, people):
    plenary, anna, _, _ = people
    questions = build(plenary)
    with time_machine.travel(ENDS + timedelta(days=15), tick=False):
        response = client.post(f"/survey/{token_for(anna)}", data=form_data(questions, 5, 5, "x"))
        assert response.status_code == 409
        with force_locale("de_DE"):
            assert gettext("The survey is closed; answers are no longer accepted.") in response.get_data(as_text=True)
    with time_machine.travel(ENDS - timedelta(hours=1), tick=False):  # before it opens (at the end)
        with force_locale("de_DE"):
            assert gettext("The survey is not open yet.") in client.get(f"/survey/{token_for(anna)}").get_data(
                as_text=True)  # fmt: skip
    services.close_survey(plenary)
    db.session.commit()
    with time_machine.travel(AFTER_END, tick=False):
        assert services.refusal(anna) == "closed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0


def test_a_forged_token_is_not_found(client, people):
    build(people[0])
    assert client.get("/survey/forged-token-AAAA").status_code == 404
    assert client.post("/survey/forged-token-AAAA", data={}).status_code == 404


@time_machine.travel(AFTER_END, tick=False)
def test_anonymous_answers_have_no_link_to_anyone(people):
    plenary, anna, wei, _ = people
    questions = build(plenary, anonymous=True)
    services.submit(anna, {questions[0].id: 5, questions[2].id: "Anna schreibt"})
    db.session.commit()
    services.submit(wei, {questions[0].id: 1, questions[2].id: "伟写的"})
    db.session.commit()
    participation = sa.inspect(SurveyParticipation).columns.keys()
    response = sa.inspect(SurveyResponse).columns.keys()
    answer = sa.inspect(SurveyAnswer).columns.keys()
    assert sorted(participation) == ["plenary_id", "registration_id"]  # no time, no id to order by
    assert "registration_id" not in answer
    assert db.session.scalars(sa.select(SurveyResponse.registration_id)).all() == [None, None]
    # The responses' keys are random (no order of insertion) and carry only the day.
    keys = db.session.scalars(sa.select(SurveyResponse.id)).all()
    assert all(len(k) == 32 for k in keys)
    assert set(db.session.scalars(sa.select(SurveyResponse.answered_on))) == {AFTER_END.date()}
    assert set(response) == {"id", "plenary_id", "registration_id", "answered_on"}
    for table in ("survey_response", "survey_answer"):
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns(table)}
        assert not any(name.endswith("_at") for name in columns), columns
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyParticipation)) == 2
    # Erasure leaves anonymous responses (they name nobody).
    privacy.anonymise(anna)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 2


@time_machine.travel(AFTER_END, tick=False)
def test_a_non_anonymous_response_shows_on_the_registration_and_goes_with_erasure(client, people, accounts):
    plenary, anna, wei, _ = people
    questions = build(plenary, anonymous=False)
    services.submit(anna, {questions[0].id: 4, questions[2].id: HOSTILE})
    services.submit(wei, {questions[0].id: 2})
    db.session.commit()
    login(client, "viewer@isa.example")
    page = client.get(f"/admin/registrations/{anna.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert TEXTS["de"] + " 0" in page or TEXTS["en"] + " 0" in page
    privacy.anonymise(anna)
    db.session.commit()
    assert db.session.scalars(sa.select(SurveyResponse.registration_id)).all() == [wei.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer)) == 1
    assert services.has_answered(anna)  # still cannot answer again


# --- results ----------------------------------------------------------------------------------------------------


@time_machine.travel(AFTER_END, tick=False)
def test_statistics_show_distribution_average_and_escaped_texts(client, people, accounts):
    plenary, anna, wei, _ = people
    questions = build(plenary, anonymous=False)
    services.submit(anna, {questions[0].id: 5, questions[1].id: 2, questions[2].id: HOSTILE})
    services.submit(wei, {questions[0].id: 2, questions[2].id: "很好\n第二行"})
    db.session.commit()
    from plenary.survey.statistics import survey_results

    with client.application.test_request_context(headers={"Accept-Language": "de"}):
        results = survey_results(plenary)["results"]
    assert results[0].count == 2 and results[0].average == 3.5
    assert [n for _, n in results[0].distribution] == [0, 1, 0, 0, 1]
    assert results[1].count == 1 and results[1].average == 2
    assert ("Zhang Wei", "很好\n第二行") in results[2].texts or any(t == "很好\n第二行" for _, t in results[2].texts)
    login(client, "viewer@isa.example")
    html = client.get(f"/admin/plenaries/{plenary.slug}/statistics", headers={"Accept-Language": "de"}).get_data(
        as_text=True)  # fmt: skip
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in html
    assert "3,50" in html  # the average, German decimal comma
    assert "Dr. Anna Schmidt" in html  # non-anonymous: the name beside the text
    assert 'id="chart-survey-' in html


@time_machine.travel(AFTER_END, tick=False)
def test_anonymous_statistics_name_nobody(client, people, accounts):
    plenary, anna, _, _ = people
    questions = build(plenary, anonymous=True)
    services.submit(anna, {questions[0].id: 3, questions[2].id: "Gern wieder"})
    db.session.commit()
    login(client, "viewer@isa.example")
    html = client.get(f"/admin/plenaries/{plenary.slug}/statistics").get_data(as_text=True)
    assert "Gern wieder" in html and "Schmidt" not in html.split('id="section-survey"')[1]


@time_machine.travel(AFTER_END, tick=False)
def test_the_export_is_formula_safe_in_csv_and_xlsx(client, people, accounts):
    plenary, anna, wei, _ = people
    questions = build(plenary, anonymous=False, extra_text=" =SUM(A1)")
    services.submit(anna, {questions[0].id: 5, questions[2].id: '=HYPERLINK("http://evil")'})
    services.submit(wei, {questions[0].id: 1, questions[2].id: "@cmd " + HOSTILE})
    db.session.commit()
    login(client, "viewer@isa.example")
    base = f"/admin/plenaries/{plenary.slug}/survey/export"
    text = client.get(f"{base}?format=csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert any(cell.startswith("'@cmd") for cell in cells)
    assert "\u202e" not in text
    assert "Dr. Anna Schmidt" in cells
    book = load_workbook(io.BytesIO(client.get(f"{base}?format=xlsx").get_data()))
    sheet = book.active
    values = [cell for row in sheet.iter_rows() for cell in row]
    formula = next(c for c in values if c.value == '=HYPERLINK("http://evil")')
    assert formula.data_type == "s" and formula.quotePrefix
    assert sorted(c.value for c in values if isinstance(c.value, int)) == [1, 5]


def test_the_exports_headers_are_formula_safe_too(client, people, accounts):
    """A question's text names its column: typed by an organizer, it is data like any answer."""
    plenary = people[0]
    questions = build(plenary, anonymous=False)
    formula = '=HYPERLINK("http://evil.example","x")'
    services.update_question(questions[0], {"kind": "rating", "required": True, "text": dict.fromkeys(TEXTS, formula)})
    db.session.commit()
    login(client, "viewer@isa.example")
    base = f"/admin/plenaries/{plenary.slug}/survey/export"
    header = next(csv.reader(io.StringIO(client.get(f"{base}?format=csv").get_data().decode("utf-8-sig"))))
    assert '\'=HYPERLINK("http://evil.example","x")' in header
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in header)
    sheet = load_workbook(io.BytesIO(client.get(f"{base}?format=xlsx").get_data())).active
    cell = next(c for c in sheet[1] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s" and cell.quotePrefix


# --- the personal page and the thank-you mail -----------------------------------------------------------------


def test_the_personal_page_invites_while_open_and_not_answered(client, people):
    plenary, anna, _, ben = people
    questions = build(plenary)
    url = f"/registrations/{token_for(anna)}"
    with force_locale("de_DE"):
        invite = gettext("Answer the survey")
    with time_machine.travel(ENDS - timedelta(hours=1), tick=False):
        assert invite not in client.get(url).get_data(as_text=True)
    with time_machine.travel(AFTER_END, tick=False):
        page = client.get(url).get_data(as_text=True)
        assert invite in page and f"/survey/{token_for(anna)}" in page
        assert invite not in client.get(f"/registrations/{token_for(ben)}").get_data(as_text=True)
        services.submit(anna, {questions[0].id: 4})
        db.session.commit()
        assert invite not in client.get(url).get_data(as_text=True)


def test_the_thank_you_mail_links_the_survey_only_while_open(app, people):
    plenary, anna, _, _ = people
    build(plenary)
    document = SimpleNamespace(display_code="ABCD-1234")

    def render(now):
        with app.test_request_context():
            context = {
                "registration": anna,
                "plenary": plenary,
                "document": document,
                "certificate_url": "https://example.org/v/ABCD",
                "survey_url": services.survey_url_for(anna, now),
            }
            return render_message("certificate_follow_up", "de", context)

    _subject, text, html = render(AFTER_END)
    assert "/survey/PERSONAL-LINK-TOKEN" in text and "/survey/PERSONAL-LINK-TOKEN" in html
    _subject, text, html = render(ENDS + timedelta(days=20))
    assert "/survey/" not in text and "/survey/" not in html


def test_the_demo_has_an_open_survey_of_the_tenth_plenary_with_answers(client, demo):
    from plenary.events.models import Plenary

    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == "10th-plenary"))
    assert services.is_open(plenary) and len(services.questions_of(plenary.id)) == 4
    assert services.response_count(plenary.id) == 3
    assert db.session.scalars(sa.select(SurveyResponse.registration_id)).all() == [None] * 3  # anonymous
    anna = db.session.scalar(
        sa.select(Registration).where(Registration.email == "anna.schmidt@demo.isa-alliance.example")
    )
    assert services.survey_url_for(anna) == "survey.answer"
    assert "survey-rating" in client.get(f"/survey/{token_for(anna)}").get_data(as_text=True)


@time_machine.travel(AFTER_END, tick=False)
def test_hostile_question_texts_are_escaped_on_every_page_and_refused_with_a_line_break(client, people, accounts):
    plenary, anna, _, _ = people
    login(client, "organizer@isa.example")
    base = f"/admin/plenaries/{plenary.slug}/survey"
    data = {"kind": "text", "text_de": "Zeile\nZwei", "text_en": "x", "text_zh": "问"}
    broken = client.post(f"{base}/questions/new", data=data, headers={"Accept-Language": "de"})
    assert broken.status_code == 400 and "Zeile" in broken.get_data(as_text=True)
    assert services.questions_of(plenary.id) == []
    long = client.post(f"{base}/questions/new", data={"kind": "text", "text_de": "x" * 301, "text_en": "x",
                                                      "text_zh": "问"})  # fmt: skip
    assert long.status_code == 400
    refused = client.post(f"{base}/questions/new", data={"kind": "text", "text_de": HOSTILE, "text_en": "x",
                                                         "text_zh": "问"})  # fmt: skip
    assert refused.status_code == 400  # a bidi override in a one-line text
    hostile = HOSTILE.replace("\u202e", "") + " 🎉 مرحبا"
    for kind in ("rating", "rating", "text"):
        assert client.post(f"{base}/questions/new", data={"kind": kind, "text_de": hostile, "text_en": hostile,
                                                          "text_zh": hostile}).status_code == 302  # fmt: skip
    assert client.post(f"{base}/open").status_code == 302
    questions = services.questions_of(plenary.id)
    services.submit(anna, {questions[0].id: 5, questions[2].id: hostile})
    db.session.commit()
    stats_url = f"/admin/plenaries/{plenary.slug}/statistics"
    pages = [
        client.get(base),
        client.get(f"{base}/preview?lang=de"),
        client.get(stats_url),
        client.application.test_client().get(f"/survey/{token_for(people[2])}"),
    ]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<script>alert(1)" not in html, page.request.path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in html, page.request.path
    stats = pages[2].get_data(as_text=True)
    assert stats.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # the questions and the free text
    assert "<svg" in stats and "<script>" not in stats.split("<svg", 1)[1].split("</svg>", 1)[0]


@time_machine.travel(AFTER_END, tick=False)
def test_the_data_download_holds_a_non_anonymous_response_and_only_the_fact_of_an_anonymous_one(people):
    plenary, anna, _, _ = people
    questions = build(plenary, anonymous=False)
    services.submit(anna, {questions[0].id: 4, questions[2].id: "Gut organisiert"})
    db.session.commit()
    survey = privacy.personal_data(anna)["survey"]
    assert survey["anonymous"] is False
    assert [a["answer"] for a in survey["answers"]] == [4, "Gut organisiert"]
    services.save_settings(plenary, True, SurveyOpensAt.END, None)  # anonymous from now: the answers unlinked
    db.session.commit()
    assert privacy.personal_data(anna)["survey"] == {"answered": True, "anonymous": True}


def test_an_open_survey_keeps_three_questions(people):
    plenary = people[0]
    questions = build(plenary)
    with pytest.raises(services.SurveyProblem) as problem:
        services.delete_question(questions[1])
    assert problem.value.code == "too_few"
    db.session.rollback()
    services.add_question(plenary, {"kind": "text", "required": False, "text": texts(" 4")})
    db.session.commit()
    services.delete_question(db.session.get(SurveyQuestion, questions[1].id))
    db.session.commit()
    assert [q.position for q in services.questions_of(plenary.id)] == [1, 2, 3]


def test_a_garbage_closing_date_is_refused_keeping_what_was_typed(client, people, accounts):
    plenary = people[0]
    login(client, "organizer@isa.example")
    response = client.post(f"/admin/plenaries/{plenary.slug}/survey/settings",
                           data={"anonymous": "y", "opens": "end", "closes_at": "morgen früh"},
                           headers={"Accept-Language": "de"})  # fmt: skip
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    with force_locale("de_DE"):
        assert gettext("Please enter a date and time.") in html
    assert "morgen früh" in html
    assert services.survey_of(plenary.id) is None
