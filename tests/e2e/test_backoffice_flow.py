"""The back-office issue's "Done when" story in a real browser (Chromium) with CSRF on.

An organizer logs in, creates the 12th plenary with six agenda items (a signing with its parties,
a study presentation with its PDF), publishes it, watches registrations arrive, approves one,
writes to the attendees in three languages, exports the list to Excel, moves the plenary by an
hour (attendees get calendar updates), and checks in a delegate by code on a phone-sized screen.
"""

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import E2E_PASSWORD as PASSWORD
from tests.e2e.conftest import PHONE, demo_app
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e

ORGANIZER = "organizer@isa.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SLUG = "12-plenarversammlung"
# June of next year: always ahead, always Berlin summer time (Foshan 15:00 = Berlin 09:00).
DAY = date(date.today().year + 1, 6, 10).isoformat()


@pytest.fixture(scope="module")
def office_app(tmp_path_factory):
    """A migrated database with the demo content and one organizer account; CSRF protection on."""


    return demo_app(tmp_path_factory.mktemp("office"), accounts={ORGANIZER: "organizer"})


@pytest.fixture(scope="module")
def office(office_app):
    with serve(office_app) as url:
        yield url


def log_in(page, office):
    page.goto(f"{office}/admin/")
    page.fill('input[name="email"]', ORGANIZER)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('form:has(input[name="password"]) [type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def submit(page, form_selector: str):
    """Click the form's main submit button (the first visible one) and wait for the next page."""
    with page.expect_navigation():
        page.locator(f'{form_selector} [type="submit"]:visible').last.click()


def run_worker_jobs(app):
    """What the worker does in a round (here: render the broadcasts), once."""
    from plenary.extensions import db
    from plenary.jobs.catalog import JOBS
    from plenary.jobs.registry import run_due

    with app.app_context():
        try:
            run_due([job for job in JOBS if job.name == "broadcasts"])
        finally:
            db.session.remove()


def query(app, statement):
    from plenary.extensions import db

    with app.app_context():
        try:
            return db.session.execute(statement).all()
        finally:
            db.session.remove()


def add_item(page, office, kind: str, title: str, time: str | None, minutes: str | None, extra=None):
    page.goto(f"{office}/admin/plenaries/{SLUG}/agenda/new")
    page.select_option('select[name="kind"]', kind)
    page.fill('input[name="title-de"]', title)
    if time:
        page.fill('input[name="start_time"]', time)
    if minutes:
        page.fill('input[name="duration_minutes"]', minutes)
    if extra:
        extra(page)
    with page.expect_navigation():
        page.locator('form button[name="submit"], form input[name="submit"]').last.click()
    expect(page).to_have_url(re.compile(r"/agenda$"))


def test_an_organizer_runs_the_twelfth_plenary(office_app, office, new_page, tmp_path):
    from plenary.agenda.models import AgendaItem
    from plenary.events.models import Plenary
    from plenary.mail.models import OutboxMessage
    from plenary.registration.models import Registration

    page = new_page()
    problems = []  # console errors (CSP violations above all) on every back-office page of the story
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    log_in(page, office)

    # 1. A new plenary: Foshan time, both zones shown as the organizer types.
    page.click('a[href="/admin/plenaries/new"]')
    page.fill('input[name="number"]', "12")
    page.fill('input[name="slug"]', SLUG)
    page.fill('input[name="title-de"]', "12. Plenarversammlung")
    page.fill('input[name="title-en"]', "12th Plenary Assembly")
    page.fill('input[name="title-zh"]', "第十二届全体大会")
    page.select_option('select[name="timezone"]', "Asia/Shanghai")
    page.fill('input[name="start_date"]', DAY)
    page.fill('input[name="start_time"]', "15:00")
    page.fill('input[name="end_date"]', DAY)
    page.fill('input[name="end_time"]', "18:00")
    preview = page.locator(".zone-preview").first
    expect(preview).to_contain_text("09:00")  # Berlin (summer time) as the organizer types
    expect(preview).to_contain_text("15:00")
    page.select_option('select[name="format"]', "hybrid")
    page.fill('input[name="venue_name-de"]', "Foshan Tanzhou Messe")
    page.fill('input[name="venue_city-de"]', "Foshan")
    page.fill('input[name="venue_city-zh"]', "佛山")
    page.fill('input[name="online_url"]', "https://meet.example.org/isa-12")
    page.fill('input[name="contact_email"]', "plenary@isa.example")
    page.fill('input[name="opens_date"]', (date.today() - timedelta(days=1)).isoformat())
    page.fill('input[name="opens_time"]', "09:00")
    page.fill('input[name="capacity_in_person"]', "2")
    page.check('input[name="requires_approval"]')
    submit(page, 'form[action*="/admin/plenaries/new"]')
    expect(page).to_have_url(re.compile(rf"/admin/plenaries/{SLUG}$"))

    # 2. Six agenda items, among them a signing with its parties and a study with its PDF.
    add_item(page, office, "opening", "Eröffnung", "15:00", "10")
    add_item(page, office, "greeting", "Grußworte", "15:10", "20")
    add_item(page, office, "keynote", "Keynote: Industriestädte im Wandel", "15:30", "30")

    def parties(page):
        page.locator('[name="add_party"]').click()
        page.fill('input[name="parties-0-de"]', "Stadt Foshan")
        page.fill('input[name="parties-0-zh"]', "佛山市")
        page.locator('[name="add_party"]').click()
        page.fill('input[name="parties-1-de"]', "Stadt Bochum")
        page.fill('input[name="document_title-de"]', "Absichtserklärung Wasserstoff")

    add_item(page, office, "signing", "Unterzeichnung", "16:00", "20", parties)

    pdf = tmp_path / "studie.pdf"
    pdf.write_bytes(PDF)

    def study(page):
        page.fill('input[name="document_title-de"]', "Studie Industriestädte 2027")
        page.set_input_files('input[name="document_file"]', str(pdf))

    add_item(page, office, "presentation", "Vorstellung der Studie", "16:20", "30", study)
    add_item(page, office, "closing", "Schlussworte", "16:50", "10")
    rows = query(office_app, sa.select(AgendaItem.kind, AgendaItem.parties, AgendaItem.document_name)
                 .join(Plenary).where(Plenary.slug == SLUG).order_by(AgendaItem.sort_order))  # fmt: skip
    assert [r.kind for r in rows] == ["opening", "greeting", "keynote", "signing", "presentation", "closing"]
    assert rows[3].parties == [{"de": "Stadt Foshan", "zh": "佛山市"}, "Stadt Bochum"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", rows[4].document_name)
    served = page.request.get(f"{office}/documents/{rows[4].document_name}.pdf")
    assert served.status == 200 and served.body() == PDF and served.headers["content-type"] == "application/pdf"

    # 3. Publish: the public page shows it.
    page.goto(f"{office}/admin/plenaries/{SLUG}")
    submit(page, 'form[action$="/publish"]')
    public = new_page()
    public.goto(f"{office}/plenaries/{SLUG}")
    expect(public.locator("h1")).to_contain_text("12")
    expect(public.locator("body")).to_contain_text("Vorstellung der Studie")

    # 4. Registrations arrive (one through the public form in Chinese, two more by the service).
    public.goto(f"{office}/plenaries/{SLUG}/register?lang=zh")
    public.fill('input[name="first_name"]', "伟")
    public.fill('input[name="last_name"]', "张")
    public.fill('input[name="email"]', "zhang.wei@example.cn")
    public.fill('input[name="organisation"]', "佛山市人民政府")
    if public.locator('input[name="attendance"][value="in_person"]').count():
        public.check('input[name="attendance"][value="in_person"]')
    public.check('input[name="consent_privacy"]')
    with public.expect_navigation():
        public.locator('form [type="submit"]:not([name^="remove"]):not([name^="add"])').last.click()
    with office_app.app_context():
        from plenary.extensions import db
        from plenary.registration import signup
        from tests.conftest import person

        plenary_id = db.session.scalar(sa.select(Plenary.id).where(Plenary.slug == SLUG))
        signup.register(plenary_id, person("anna.schmidt@example.de", first_name="Anna", last_name="Schmidt",
                                           language="de"))  # fmt: skip
        db.session.commit()
        signup.register(plenary_id, person("tom.online@example.org", first_name="Tom", last_name="Baker",
                                           language="en", attendance="online"))  # fmt: skip
        db.session.commit()
        db.session.remove()
    page.goto(f"{office}/admin/plenaries/{SLUG}/registrations")
    expect(page.locator("table")).to_contain_text("Schmidt")
    expect(page.locator("table")).to_contain_text("张")

    # 5. Approve Zhang Wei.
    [(zhang_id,)] = query(office_app, sa.select(Registration.id).where(Registration.email == "zhang.wei@example.cn"))
    page.goto(f"{office}/admin/registrations/{zhang_id}")
    submit(page, 'form[action$="/approve"]')
    assert query(office_app, sa.select(Registration.status).where(Registration.id == zhang_id)) == [("confirmed",)]

    # 6. A message in three languages: preview, then send; each person gets theirs.
    page.goto(f"{office}/admin/plenaries/{SLUG}/messages/new")
    for lang, subject, body in (("de", "Anreise", "Bitte kommen Sie früh."), ("en", "Travel", "Please come early."),
                                ("zh", "交通", "请提前到达。")):  # fmt: skip
        page.fill(f'input[name="subject_{lang}"]', subject)
        page.fill(f'textarea[name="body_{lang}"]', body)
    with page.expect_navigation():
        page.locator('button[name="preview"], input[name="preview"]').first.click()
    expect(page.locator("body")).to_contain_text("请提前到达。")
    with page.expect_navigation():
        page.locator('button[name="send"]').click()
    run_worker_jobs(office_app)  # the worker renders the message, one per recipient
    sent = dict(query(office_app, sa.select(OutboxMessage.recipient, OutboxMessage.subject)
                      .where(OutboxMessage.broadcast_id.is_not(None))))  # fmt: skip
    assert sent["zhang.wei@example.cn"] == "交通" and sent["anna.schmidt@example.de"] == "Anreise"

    # 7. Export to Excel: Chinese names intact.
    page.goto(f"{office}/admin/plenaries/{SLUG}/registrations")
    page.locator("details:has(form[action$='/registrations/export']) summary").click()
    page.check('input[name="format"][value="xlsx"]')
    with page.expect_download() as download:
        page.locator('form[action$="/registrations/export"] [type="submit"]').click()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "张" in "".join(cells) and "Schmidt" in cells

    # 8. Move the plenary by an hour: confirmed attendees get a calendar update (REQUEST, higher SEQUENCE).
    [(sequence_before,)] = query(office_app, sa.select(Plenary.sequence).where(Plenary.slug == SLUG))
    page.goto(f"{office}/admin/plenaries/{SLUG}/edit")
    page.fill('input[name="start_time"]', "16:00")
    page.fill('input[name="end_time"]', "19:00")
    expect(page.locator(".zone-preview").first).to_contain_text("10:00")  # Berlin
    submit(page, f'form[action*="/admin/plenaries/{SLUG}/edit"]')
    [(sequence_after,)] = query(office_app, sa.select(Plenary.sequence).where(Plenary.slug == SLUG))
    assert sequence_after == sequence_before + 1
    updates = query(office_app, sa.select(OutboxMessage.recipient, OutboxMessage.calendar_ics)
                    .where(OutboxMessage.kind == "plenary_updated"))  # fmt: skip
    assert {r.recipient for r in updates} >= {"zhang.wei@example.cn"}
    ics = dict(updates)["zhang.wei@example.cn"]
    assert "METHOD:REQUEST" in ics and f"SEQUENCE:{sequence_after}" in ics and "T160000" in ics
    starts = query(office_app, sa.select(AgendaItem.starts_at).join(Plenary).where(Plenary.slug == SLUG)
                   .order_by(AgendaItem.sort_order))  # fmt: skip
    assert starts[0][0].hour == 8  # the agenda moved with it: 16:00 in Foshan is 08:00 UTC

    # 9. Check-in at the door on a phone: the delegate's code, then a second scan warns.
    from plenary.checkin.services import checkin_code

    with office_app.app_context():
        from plenary.extensions import db

        code = checkin_code(db.session.get(Registration, zhang_id))
        db.session.remove()
    phone = new_page(viewport=PHONE)
    log_in(phone, office)
    phone.goto(f"{office}/admin/plenaries/{SLUG}/checkin")
    phone.fill('input[name="q"]', code.lower())  # typed: any case
    phone.keyboard.press("Enter")
    expect(phone.locator(".checkin-ready .checkin-name")).to_contain_text("张")  # shown, not yet checked in
    assert not query(office_app, sa.select(Registration.checked_in).where(Registration.id == zhang_id))[0][0]
    submit(phone, ".checkin-confirm")
    expect(phone.locator(".checkin-arrived .checkin-name")).to_contain_text("张")
    assert query(office_app, sa.select(Registration.checked_in).where(Registration.id == zhang_id))[0][0]
    phone.fill('input[name="q"]', code)
    phone.keyboard.press("Enter")
    expect(phone.locator(".checkin-again .checkin-name")).to_contain_text("张")  # the warning of a second scan
    phone.screenshot(path=str(tmp_path / "checkin-phone.png"))
    assert problems == []
