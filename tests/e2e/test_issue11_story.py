"""Issue 11's browser story in Chromium with CSRF on, at the demo's 11th plenary, as its users click through it.

On a 390×844 phone in Chinese: a delegate finds the hall full at the attendance choice and registers online;
a head of delegation adds a colleague and cancels another, whose seat in the hall is offered to the first on
the waiting list; the offer is reminded just before its deadline and accepted on the personal page. On a
1366×900 desktop in German an organizer makes room, imports a spreadsheet of five people, approves them in
bulk and exports the list to Excel. Back on a phone in Chinese, the door finds a delegate by Chinese name and
checks them in through the QR code's URL, as a phone's camera app opens it.

Screenshots of every step go to $STORY_SHOTS (default: pytest's tmp_path).
"""

import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, demo_app
from tests.e2e.conftest import E2E_PASSWORD as PASSWORD
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e

ORGANIZER = "story@isa.example"
SLUG = "11th-plenary"


@pytest.fixture(scope="module")
def story_app(tmp_path_factory):
    """The demo with an organizer; the 11th plenary's hall is full once a head of delegation (刘洋) and his
    colleague (赵磊) have their seats; 李娜 is on the waiting list; freed seats are offered for 72 hours."""

    from plenary.events.models import Plenary
    from plenary.extensions import db
    from plenary.registration import signup
    from plenary.registration.models import Registration
    from tests.conftest import person

    app = demo_app(tmp_path_factory.mktemp("story"), accounts={ORGANIZER: "organizer"})
    with app.app_context():
        plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == SLUG))
        taken = db.session.scalar(sa.select(sa.func.count()).where(
            Registration.plenary_id == plenary.id, Registration.attendance == "in_person", Registration.holds_seat))
        plenary.capacity_in_person, plenary.offer_hours, plenary.waitlist = taken + 2, 72, True
        db.session.commit()
        zh = {"language": "zh", "country": "CN", "organisation": "佛山市人民政府外事局"}
        head = signup.register(plenary.id, person("liu.yang@example.cn", first_name="Yang", last_name="Liu",
                                                  name_zh="刘洋", **zh),
                               [person("zhao.lei@example.cn", first_name="Lei", last_name="Zhao", name_zh="赵磊",
                                       **zh)]).created[0]  # fmt: skip
        db.session.commit()
        waiting = signup.register(plenary.id, person("li.na@example.cn", first_name="Na", last_name="Li",
                                                     name_zh="李娜", **zh)).created[0]  # fmt: skip
        db.session.commit()
        assert waiting.status == "waitlisted"
        app.config["STORY"] = {"plenary_id": plenary.id, "head_id": head.id, "waiting_id": waiting.id}
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def story(story_app):
    with serve(story_app) as url:
        yield url


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("STORY_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def query(app, statement):
    from plenary.extensions import db

    with app.app_context():
        try:
            return db.session.execute(statement).all()
        finally:
            db.session.remove()


def registration(app, email: str):
    from plenary.registration.models import Registration

    # With its attendance records loaded: checked_in_at reads the hall's record (plenary/attendance/).
    [(found,)] = query(app, sa.select(Registration).where(Registration.email == email)
                       .options(sa.orm.selectinload(Registration.attendance_records)))  # fmt: skip
    return found


def mails(app, email: str) -> list[str]:
    """The kinds of message written for ``email``, oldest first (the outbox)."""
    from plenary.mail.models import OutboxMessage

    rows = query(app, sa.select(OutboxMessage.kind).where(OutboxMessage.recipient == email)
                 .order_by(OutboxMessage.id))  # fmt: skip
    return [row.kind for row in rows]


def mail_files(app, kind: str) -> list[str]:
    folder = app.config["MAIL_FILE_DIR"]
    return sorted(name for name in os.listdir(folder) if name.endswith(f"-{kind}.eml")) if os.path.isdir(folder) else []


def mail_file(app, kind: str, recipient: str) -> tuple[str, str]:
    """Subject and plain text of the last .eml of ``kind`` written to ``recipient`` (the file backend)."""
    from email import message_from_binary_file, policy

    for name in reversed(mail_files(app, kind)):
        with open(os.path.join(app.config["MAIL_FILE_DIR"], name), "rb") as fh:
            message = message_from_binary_file(fh, policy=policy.default)
        if message["To"] == recipient:
            return str(message["Subject"]), message.get_body(("plain",)).get_content()
    raise AssertionError(f"no {kind} mail to {recipient}")


def personal_link(app, email: str) -> str:
    from plenary.extensions import db
    from plenary.registration.models import Registration
    from plenary.registration.tokens import token_for

    with app.app_context():
        token = token_for(db.session.scalar(sa.select(Registration).where(Registration.email == email)))
        db.session.remove()
    return f"/registrations/{token}?lang=zh"


def log_in(page):
    page.fill('input[name="email"]', ORGANIZER)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.locator('form:has(input[name="password"]) [type="submit"]').click()


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width}px"


def spreadsheet(path: Path) -> Path:
    """The file a member city sends: German column titles, five people, three of them Chinese."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Vorname", "Nachname", "Chinesischer Name", "E-Mail", "Organisation", "Teilnahme", "Sprache"])
    for row in (
        ("Wei", "Zhang", "张伟", "zhang.wei@example.cn", "佛山市南海区经济促进局", "Vor Ort", "Chinesisch"),
        ("Fang", "Wang", "王芳", "wang.fang@example.cn", "佛山市顺德区人民政府", "现场", "中文"),
        ("Qiang", "Zhou", "周强", "zhou.qiang@example.cn", "佛山市工业和信息化局", "Vor Ort", "zh"),
        ("Jonas", "Becker", None, "jonas.becker@example.de", "Stadt Bochum", "Vor Ort", "Deutsch"),
        ("Katrin", "Vogel", None, "katrin.vogel@example.de", "Stadt Duisburg, Wirtschaftsförderung", "Vor Ort", "de"),
    ):
        sheet.append(list(row))
    workbook.save(path)
    return path


def test_the_issue_11_story(story_app, story, new_page, shots, tmp_path):
    import time_machine

    from plenary.checkin.services import arrivals, checkin_url
    from plenary.extensions import db
    from plenary.jobs.catalog import JOBS
    from plenary.jobs.registry import run_due

    ids = story_app.config["STORY"]

    # 1. A delegate on a phone, in Chinese: the hall is full, said at the choice itself; she registers online.
    phone = new_page(viewport=PHONE, locale="zh-CN")
    phone.goto(f"{story}/plenaries/{SLUG}/register?lang=zh")
    hall = phone.locator('input[name="attendance"][value="in_person"]')
    note = phone.locator(f"#{hall.get_attribute('id')}-seats")
    expect(note).to_have_text("会场已满——可加入候补名单，或选择线上参会")
    note.scroll_into_view_if_needed()
    no_sideways_scroll(phone)
    phone.screenshot(path=str(shots / "01-form-hall-full-zh.png"))
    phone.check('input[name="attendance"][value="online"]')
    phone.fill("#last_name", "黄")
    phone.fill("#first_name", "敏")
    phone.fill("#organisation", "佛山市禅城区人民政府")
    phone.fill("#email", "huang.min@example.cn")
    phone.check('input[name="language"][value="zh"]')
    phone.check("#consent_privacy")
    with phone.expect_navigation():
        phone.locator("#submit").click()
    expect(phone).to_have_url(re.compile(r"/register/sent$"))
    phone.screenshot(path=str(shots / "02-sent-zh.png"))
    huang = registration(story_app, "huang.min@example.cn")
    assert (huang.attendance, huang.status) == ("online", "confirmed")  # online, not on the waiting list

    # 2. The head of delegation, on his personal page: adds a colleague (online) …
    head = new_page(viewport=PHONE, locale="zh-CN")
    head.goto(story + personal_link(story_app, "liu.yang@example.cn"))
    expect(head.locator("#delegation-title")).to_have_text("代表团")
    expect(head.locator(".delegation-member")).to_have_count(1)
    with head.expect_navigation():
        head.get_by_role("link", name="为代表团成员报名").click()
    head.fill('input[name="delegate-last_name"]', "陈")
    head.fill('input[name="delegate-first_name"]', "静")
    head.fill('input[name="delegate-email"]', "chen.jing@example.cn")
    head.select_option('select[name="delegate-attendance"]', "online")
    head.screenshot(path=str(shots / "03-head-adds-colleague-zh.png"), full_page=True)
    with head.expect_navigation():
        head.get_by_role("button", name="为该代表报名").click()
    chen = head.locator(".delegation-member", has_text="陈")
    expect(chen.locator(".status-badge")).to_have_text("已确认")
    expect(chen).to_contain_text("线上")
    assert mails(story_app, "chen.jing@example.cn"), "the colleague gets their own confirmation"

    # … and cancels the colleague who has a seat in the hall: he is told, the seat is offered to 李娜.
    zhao = head.locator(".delegation-member", has_text="赵磊")
    with head.expect_navigation():
        zhao.get_by_role("link", name="取消报名").click()
    expect(head.locator("h1")).to_contain_text("Zhao")
    head.screenshot(path=str(shots / "04-head-cancel-ask-zh.png"))
    with head.expect_navigation():
        head.get_by_role("button", name="是，取消此报名").click()
    expect(head.locator(".delegation-member", has_text="赵磊").locator(".status-badge")).to_have_text("已取消")
    no_sideways_scroll(head)
    head.locator("#delegation-title").scroll_into_view_if_needed()
    head.screenshot(path=str(shots / "05-head-delegation-zh.png"))
    assert registration(story_app, "zhao.lei@example.cn").status == "cancelled"
    assert mails(story_app, "zhao.lei@example.cn")[-1] == "registration_cancelled_by_head"
    subject, text = mail_file(story_app, "registration_cancelled_by_head", "zhao.lei@example.cn")
    assert subject.startswith("报名已取消") and "尊敬的赵磊" in text

    # 3. The offer: made at once, reminded by the worker just before the deadline, accepted on the phone.
    offered = registration(story_app, "li.na@example.cn")
    assert offered.status == "offered" and offered.offer_expires_at is not None
    assert mails(story_app, "li.na@example.cn")[-1] == "registration_offered"
    subject, text = mail_file(story_app, "registration_offered", "li.na@example.cn")
    assert "名额" in subject and personal_link(story_app, "li.na@example.cn") in text
    with time_machine.travel(offered.offer_expires_at - timedelta(hours=2), tick=True):
        with story_app.app_context():
            try:
                done = run_due([job for job in JOBS if job.name in ("lapse-offers", "remind-offers", "outbox")])
            finally:
                db.session.remove()
        assert (done["lapse-offers"], done["remind-offers"]) == (0, 1)  # reminded, not yet lapsed
        assert mails(story_app, "li.na@example.cn")[-1] == "registration_offer_reminder"
        subject, text = mail_file(story_app, "registration_offer_reminder", "li.na@example.cn")
        assert subject.startswith("提醒") and personal_link(story_app, "li.na@example.cn") in text
        li = new_page(viewport=PHONE, locale="zh-CN")
        li.goto(story + personal_link(story_app, "li.na@example.cn"))
        expect(li.locator(".status-badge").first).to_have_text("已提供名额")
        expect(li.locator(".offer-deadline time").first).to_be_visible()
        no_sideways_scroll(li)
        li.screenshot(path=str(shots / "06-offer-zh.png"))
        with li.expect_navigation():
            li.get_by_role("button", name="接受名额").click()
        expect(li).to_have_url(re.compile(r"done=accepted"))
        expect(li.locator(".status-badge.status-confirmed").first).to_have_text("已确认")
        li.screenshot(path=str(shots / "07-offer-accepted-zh.png"))
    assert registration(story_app, "li.na@example.cn").status == "confirmed"

    # 4. The organizer, on a desktop in German: five more seats and approval, then the city's spreadsheet.
    office = new_page(viewport=DESKTOP)
    office.goto(f"{story}/admin/")
    log_in(office)
    office.goto(f"{story}/admin/plenaries/{SLUG}/edit")
    seats = int(office.input_value('input[name="capacity_in_person"]'))
    office.fill('input[name="capacity_in_person"]', str(seats + 5))
    office.check('input[name="requires_approval"]')
    with office.expect_navigation():
        office.locator(f'form[action*="/admin/plenaries/{SLUG}/edit"] [type="submit"]:visible').last.click()
    expect(office).to_have_url(re.compile(rf"/admin/plenaries/{SLUG}$"))

    office.goto(f"{story}/admin/plenaries/{SLUG}/registrations")
    with office.expect_navigation():
        office.get_by_role("link", name="Aus Tabelle importieren").click()
    office.set_input_files('input[name="file"]', str(spreadsheet(tmp_path / "foshan.xlsx")))
    with office.expect_navigation():
        office.get_by_role("button", name="Datei prüfen").click()
    preview = office.locator("table.import-preview tbody tr")
    expect(preview).to_have_count(5)
    expect(office.locator("table.import-preview")).to_contain_text("张伟")
    expect(office.locator("table.import-preview .status-badge")).to_have_text(["Freigabe ausstehend"] * 5)
    office.screenshot(path=str(shots / "08-import-preview-de.png"), full_page=True)
    assert query(story_app, sa.text("select count(*) from registration where email = 'zhang.wei@example.cn'")) == [
        (0,)], "nothing stored before the confirmation"  # fmt: skip
    with office.expect_navigation():
        office.get_by_role("button", name="5 Personen anmelden").click()
    expect(office.locator(".alert-success")).to_contain_text("5 Anmeldungen aus der Datei hinzugefügt.")
    office.screenshot(path=str(shots / "09-imported-de.png"))
    zhang = registration(story_app, "zhang.wei@example.cn")
    assert (zhang.name_zh, zhang.language, zhang.status) == ("张伟", "zh", "pending")
    assert mails(story_app, "zhang.wei@example.cn"), "each imported person is mailed"

    # Bulk approval of the five waiting for it, then the export as an Excel workbook.
    with office.expect_navigation():
        office.locator("nav a.status-pending").click()
    expect(office.locator("table tbody tr")).to_have_count(5)
    office.check("#page-all")
    office.screenshot(path=str(shots / "10-bulk-select-de.png"), full_page=True)
    with office.expect_navigation():
        office.get_by_role("button", name="Bestätigen", exact=True).click()
    expect(office.locator(".alert-success")).to_contain_text("5 Anmeldungen freigegeben.")
    office.screenshot(path=str(shots / "11-bulk-approved-de.png"))
    assert registration(story_app, "zhang.wei@example.cn").status == "confirmed"
    with office.expect_navigation():
        office.locator("nav a.badge").first.click()  # all registrations again
    office.locator("details.export-form summary").click()
    office.check('input[name="format"][value="xlsx"]')
    office.screenshot(path=str(shots / "12-list-export-de.png"), full_page=True)
    with office.expect_download() as download:
        office.get_by_role("button", name="Herunterladen").click()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [[str(c.value) if c.value is not None else "" for c in row] for row in sheet.iter_rows()]
    zhang_row = next(row for row in rows if any("张伟" in cell for cell in row))
    assert "Bestätigt" in zhang_row and "Vor Ort" in zhang_row, zhang_row
    assert "confirmed" not in zhang_row and "in_person" not in zhang_row
    assert sheet.freeze_panes == "A2"

    # 5. The door, on a phone in Chinese: 张伟 found by his Chinese name, then checked in by the QR's URL.
    door = new_page(viewport=PHONE, locale="zh-CN")
    door.goto(f"{story}/admin/login?lang=zh")
    log_in(door)
    door.goto(f"{story}/admin/plenaries/{SLUG}/checkin?lang=zh")
    door.fill('input[name="q"]', "张伟")
    with door.expect_navigation():
        door.keyboard.press("Enter")
    expect(door.locator(".checkin-ready .checkin-name")).to_contain_text("张伟")
    expect(door.locator(".checkin-ready")).to_contain_text("佛山市南海区经济促进局")
    no_sideways_scroll(door)
    door.screenshot(path=str(shots / "13-door-found-zh.png"))
    with story_app.app_context():
        url = checkin_url(db.session.get(type(zhang), zhang.id))
        before, expected = arrivals(ids["plenary_id"])
        db.session.remove()
    assert "/checkin?code=" in url
    door.goto(story + "/" + url.split("://", 1)[1].split("/", 1)[1])  # the phone camera app opens the QR's URL
    expect(door.locator(".checkin-ready .checkin-name")).to_contain_text("张伟")
    assert registration(story_app, "zhang.wei@example.cn").checked_in_at is None  # opening it is not arriving
    with door.expect_navigation():
        door.locator(".checkin-confirm button").click()
    expect(door.locator(".checkin-arrived .checkin-name")).to_contain_text("张伟")
    expect(door.locator("#arrivals")).to_contain_text(f"已签到{before + 1}人，共{expected}人")
    door.screenshot(path=str(shots / "14-door-arrived-zh.png"))
    assert registration(story_app, "zhang.wei@example.cn").checked_in_at is not None
