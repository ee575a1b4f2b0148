"""The survey page in Chromium: no serious axe violations in German and Chinese on a desktop and a phone
(390x844), the form fits the phone without sideways scrolling, and an attendee answers without JavaScript's
help (radio buttons and a text area, one submit) and is thanked; a second visit says they have answered.
Screenshots go to test-artifacts/ (ignored by git)."""

import os

import pytest
import sqlalchemy as sa

from plenary.extensions import db
from plenary.registration.models import Registration
from plenary.registration.tokens import token_for
from tests.e2e.test_browser import DESKTOP, PHONE, describe_violations

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")
ATTENDEES = {"de": "anna.schmidt@demo.isa-alliance.example", "zh": "zhang.wei@demo.isa-alliance.example"}


def survey_path(app, email: str) -> str:
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration).where(Registration.email == email))
        return f"/survey/{token_for(registration)}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["de", "zh"])
def test_the_survey_page_is_accessible_and_fits_a_phone(site, e2e_app, new_page, axe_source, lang, viewport):
    page = new_page(viewport=viewport, bypass_csp=True)
    response = page.goto(site(survey_path(e2e_app, ATTENDEES[lang])))
    assert response.status == 200
    assert page.locator("fieldset.survey-rating legend").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"survey-{lang}-{viewport['width']}.png"), full_page=True)
    page.add_script_tag(path=axe_source)
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, describe_violations(serious)


def test_an_attendee_answers_on_a_phone_and_is_thanked(site, e2e_app, new_page):
    email = "survey.e2e@demo.isa-alliance.example"
    with e2e_app.app_context():
        anna = db.session.scalar(sa.select(Registration).where(Registration.email == ATTENDEES["de"]))
        from plenary.attendance import services as attendance
        from plenary.attendance.models import AttendanceChannel, AttendanceSource
        from plenary.registration.tokens import rotate_token

        person = Registration(plenary_id=anna.plenary_id, status=anna.status, attendance=anna.attendance,
                              first_name="Eva", last_name="Probe", email=email, language="de",
                              consent_privacy_at=anna.consent_privacy_at)  # fmt: skip
        db.session.add(person)
        db.session.flush()
        rotate_token(person)
        attendance.record_arrival(person, AttendanceChannel.ONLINE, AttendanceSource.ORGANIZER, by="e2e",
                                  at=anna.plenary.starts_at)  # fmt: skip
        db.session.commit()
        db.session.remove()
    page = new_page(viewport=PHONE, java_script_enabled=False)
    url = site(survey_path(e2e_app, email))
    page.goto(url)
    page.get_by_role("button", name="Antworten absenden").click()  # the required first question is missing
    assert page.locator(".invalid-feedback").first.is_visible()
    page.locator("fieldset.survey-rating").nth(0).get_by_label("5 – ausgezeichnet").check()
    page.locator("fieldset.survey-rating").nth(1).get_by_label("4", exact=True).check()
    page.locator("textarea").fill("Mehr Zeit für Gespräche <b>bitte</b>")
    page.get_by_role("button", name="Antworten absenden").click()
    assert "Ihre Antworten sind eingegangen" in page.content() or "Your answers have been received" in page.content()
    page.goto(url)
    assert page.locator(".alert-success").count() == 1 and page.locator("form textarea").count() == 0


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    from tests.e2e.conftest import demo_app
    from tests.e2e.server import serve

    app = demo_app(tmp_path_factory.mktemp("survey-office"), accounts={"organizer@survey.example": "organizer"})
    with serve(app) as url:
        yield url


@pytest.mark.parametrize("locale", ["de-DE", "zh-CN"])
def test_the_organizers_survey_page_and_results_are_accessible(office, new_page, axe_source, locale):
    from tests.e2e.conftest import log_in

    page = new_page(viewport=DESKTOP, locale=locale, bypass_csp=True)
    log_in(page, office, "organizer@survey.example")
    lang = locale[:2]
    for path, name in (("/admin/plenaries/10th-plenary/survey", "admin"),
                       ("/admin/plenaries/10th-plenary/statistics", "statistics")):  # fmt: skip
        assert page.goto(f"{office}{path}").status == 200
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, f"survey-{name}-{lang}.png"), full_page=True)
        page.add_script_tag(path=axe_source)
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, describe_violations(serious)
    assert page.locator("section[aria-labelledby='section-survey'] svg").count() == 3  # a chart per rating question
    # Closing and opening again with CSRF on: each button's form carries its token.
    page.goto(f"{office}/admin/plenaries/10th-plenary/survey")
    page.locator("form[action$='/survey/close'] button").click()
    assert page.locator(".survey-state").inner_text().strip() in ("Geschlossen", "已关闭")
    page.locator("form[action$='/survey/open'] button").click()
    assert page.locator(".survey-state").inner_text().strip() in ("Zur Beantwortung geöffnet", "开放作答中")
