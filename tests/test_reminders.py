"""Reminders before a plenary (plenary/reminders): due at local times across DST, once per person and reminder
(two runs, two workers at once), moved with the plenary, none after cancellation or late, and what the mail says."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from plenary.events.editing import save_plenary, set_status
from plenary.events.exchange import export_plenary
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import changes, signup
from plenary.reminders import services
from plenary.reminders.models import PlenaryReminder, ReminderSent
from plenary.reminders.schedule import due_at
from plenary.reminders.sending import MAIL_KIND, send_reminders
from tests.conftest import person

START = datetime(2031, 10, 15, 7, 0, tzinfo=UTC)  # 09:00 CEST (the conftest plenary)
WEEK_BEFORE = datetime(2031, 10, 8, 7, 0, tzinfo=UTC)  # 09:00 CEST
DAY_BEFORE = datetime(2031, 10, 14, 7, 0, tzinfo=UTC)
HOSTILE = "<b>x</b> {{ 7*7 }} PERSONAL-LINK-TOKEN JOIN-LINK-TOKEN <!--checkin--> مرحبا 🎉"


def always() -> bool:
    return True


def _mails() -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == MAIL_KIND).order_by(OutboxMessage.id)
    return list(db.session.scalars(query))


def _run(now: datetime) -> int:
    with time_machine.travel(now, tick=False):
        return send_reminders(now, always)


@pytest.fixture
def people(make_plenary):
    """A published hybrid plenary (registration open in September 2031): Anna in person, 张伟 online from China."""
    with time_machine.travel(datetime(2031, 9, 2, tzinfo=UTC), tick=False):
        plenary = make_plenary()
        anna = signup.register(plenary.id, person("anna@example.org")).created[0]
        wei = signup.register(plenary.id, person("wei@example.cn", honorific=None, first_name="Wei", last_name="Zhang",
                                                 name_zh="张伟", language="zh", country="CN",
                                                 attendance="online")).created[0]  # fmt: skip
        db.session.commit()
    return plenary, anna, wei


def test_a_new_plenary_gets_the_two_default_reminders(people):
    plenary, _, _ = people
    reminders = services.reminders_of(plenary.id)
    assert [(r.days_before, r.local_time) for r in reminders] == [(7, time(9)), (1, time(9))]


@pytest.mark.parametrize(("zone", "start", "expected"), [
    # A plenary on 30 March 2027 at 10:00 CEST: its week-before reminder (23 March) is 09:00 CET, before the change.
    ("Europe/Berlin", datetime(2027, 3, 30, 8, 0, tzinfo=UTC), datetime(2027, 3, 23, 8, 0, tzinfo=UTC)),
    # and in Beijing (no DST): 09:00 CST = 01:00 UTC.
    ("Asia/Shanghai", datetime(2027, 3, 30, 2, 0, tzinfo=UTC), datetime(2027, 3, 23, 1, 0, tzinfo=UTC)),
])  # fmt: skip
def test_due_at_the_local_time_across_a_dst_change(make_plenary, zone, start, expected):
    plenary = make_plenary(timezone=zone, starts_at=start.isoformat(), ends_at=(start + timedelta(hours=3)).isoformat(),
                           agenda=[], registration={"opens_at": None, "closes_at": None})  # fmt: skip
    assert due_at(plenary, 7, time(9)) == expected
    # the day-before reminder, after the change: 09:00 CEST = 07:00 UTC in Berlin
    assert due_at(plenary, 1, time(9)) == (datetime(2027, 3, 29, 7, 0, tzinfo=UTC) if zone == "Europe/Berlin"
                                           else datetime(2027, 3, 29, 1, 0, tzinfo=UTC))  # fmt: skip


def test_each_reminder_once_even_when_run_twice(people):
    plenary, anna, wei = people
    assert _run(WEEK_BEFORE - timedelta(minutes=1)) == 0
    assert _run(WEEK_BEFORE) == 2
    assert _run(WEEK_BEFORE + timedelta(minutes=1)) == 0
    assert _run(DAY_BEFORE) == 2
    assert _run(DAY_BEFORE + timedelta(hours=5)) == 0
    assert sorted(m.recipient for m in _mails()) == ["anna@example.org"] * 2 + ["wei@example.cn"] * 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderSent)) == 4


def test_a_missed_reminder_is_not_sent_next_to_the_next_one_nor_after_the_start(people):
    _run(DAY_BEFORE)  # the worker was down all week: only the day-before reminder goes out
    assert len(_mails()) == 2
    assert _run(START + timedelta(minutes=1)) == 0


def test_moved_plenary_moves_its_reminders(people):
    plenary, _, _ = people
    document = export_plenary(plenary, include_private=True)
    later = START + timedelta(days=7)
    with time_machine.travel(datetime(2031, 9, 3, tzinfo=UTC), tick=False):
        save_plenary(document | {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=3)).isoformat()},
                     move_agenda=True)  # fmt: skip
        db.session.commit()
    assert _run(WEEK_BEFORE) == 0  # the old time: nothing
    assert _run(WEEK_BEFORE + timedelta(days=7)) == 2


def test_none_after_the_plenary_or_the_registration_is_cancelled(people):
    plenary, anna, _ = people
    with time_machine.travel(datetime(2031, 9, 3, tzinfo=UTC), tick=False):
        changes.cancel(anna.id)
        db.session.commit()
    assert _run(WEEK_BEFORE) == 1
    with time_machine.travel(datetime(2031, 10, 9, tzinfo=UTC), tick=False):
        set_status(plenary, "cancelled", "plenary.cancel")
        db.session.commit()
    assert _run(DAY_BEFORE) == 0
    assert [m.recipient for m in _mails()] == ["wei@example.cn"]


def test_none_late_for_someone_confirmed_after_the_due_time(people):
    plenary, _, _ = people
    with time_machine.travel(WEEK_BEFORE + timedelta(hours=1), tick=False):
        late = signup.register(plenary.id, person("late@example.org", first_name="Lea")).created[0]
        db.session.commit()
        assert late.confirmed_at == WEEK_BEFORE + timedelta(hours=1)
    _run(WEEK_BEFORE + timedelta(hours=2))  # the week-before reminder still open: not for Lea
    assert "late@example.org" not in [m.recipient for m in _mails()]
    _run(DAY_BEFORE)
    assert [m.recipient for m in _mails()].count("late@example.org") == 1


def test_in_person_mail_has_venue_qr_and_both_zones_online_mail_the_join_link(people):
    plenary, anna, wei = people
    _run(WEEK_BEFORE)
    in_person, online = sorted(_mails(), key=lambda m: m.recipient)
    for part in (in_person.body_text, in_person.body_html):
        assert "Rathaus, Marktplatz 1, Köln" in part  # the HTML joins the venue's parts as the text does
        assert "<!--checkin-->" in part and "CHECKIN-CODE" in part
        assert "MESZ" in part and "15:00" in part  # 09:00 CEST, 15:00 in Beijing
        assert "meet.example.org" not in part
    assert "cid:checkin-qr" in in_person.body_html
    assert in_person.subject == "Erinnerung: 42. Plenarversammlung"
    for part in (online.body_text, online.body_html):
        assert "/join/JOIN-LINK-TOKEN" in part
        assert "meet.example.org" not in part and "<!--checkin-->" not in part
        assert "您所在时区" in part and "15:00–18:30" in part  # Beijing time, in Chinese
    assert online.subject == "提醒：第四十二届全体大会"


def test_hostile_organizer_texts_and_names_stay_text(people):
    plenary, anna, _ = people
    anna.first_name = anna.last_name = HOSTILE
    reminder = services.reminders_of(plenary.id)[0]
    services.save_reminder(plenary, reminder, days_before=7, local_time=time(9), enabled=True,
                           subject={"de": HOSTILE + " Betreff"}, intro={"de": HOSTILE + "\n\n<script>x()</script>"},
                           markdown=True)  # fmt: skip
    db.session.commit()
    _run(WEEK_BEFORE)
    mail = next(m for m in _mails() if m.recipient == "anna@example.org")
    assert "<b>" not in mail.body_html and "<script>" not in mail.body_html and "&lt;b&gt;" in mail.body_html
    assert "{{" in mail.body_text and "49" not in mail.subject
    assert "\n" not in mail.subject and mail.subject.endswith("Betreff")
    for part in (mail.body_text, mail.body_html):
        # what a person typed never becomes a placeholder (Anna is in person: no join link of her own)
        assert "JOIN-LINK-TOKEN" not in part and "J\u2060OIN-LINK-TOKEN" in part
    assert mail.body_text.count("<!--checkin-->") == 1  # the template's, not Anna's


def test_two_workers_at_once_send_each_reminder_once(app, people):
    plenary, _, _ = people
    barrier = threading.Barrier(2, timeout=60)

    def work():
        with app.app_context(), time_machine.travel(WEEK_BEFORE, tick=False):
            barrier.wait()
            count = send_reminders(WEEK_BEFORE, always)
            db.session.remove()
            return count

    with ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(lambda _: work(), range(2)))
    db.session.rollback()
    assert sum(counts) == 2
    assert sorted(m.recipient for m in _mails()) == ["anna@example.org", "wei@example.cn"]


def test_a_deleted_or_disabled_reminder_sends_nothing(people):
    plenary, _, _ = people
    week, day = services.reminders_of(plenary.id)
    services.delete_reminder(week)
    services.save_reminder(plenary, day, days_before=1, local_time=time(9), enabled=False, subject={}, intro={},
                           markdown=False)  # fmt: skip
    db.session.commit()
    assert _run(WEEK_BEFORE) == 0 and _run(DAY_BEFORE) == 0
    assert db.session.get(PlenaryReminder, week.id) is None


def test_admin_page_lists_edits_previews_and_refuses_bad_input(client, people, accounts):
    from plenary.audit.models import AuditEntry
    from tests.conftest import login

    plenary, _, _ = people
    login(client, "organizer@isa.example")
    home = client.get(f"/admin/plenaries/{plenary.slug}", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert f"/admin/plenaries/{plenary.slug}/reminders" in home
    page = client.get(f"/admin/plenaries/{plenary.slug}/reminders?lang=de").get_data(as_text=True)
    assert "7 Tage vor Beginn, um 09:00" in page and "MESZ" in page and "Beijing" in page
    assert "ZonedTime" not in page and "datetime.datetime" not in page  # the due time as a reader reads it
    assert re.search(r'<time datetime="[0-9T:+-]+">[^<]*\d{2}:\d{2} MESZ</time>', page)
    typed = {"days_before": "99", "local_time": "9 Uhr", "subject_de": HOSTILE, "intro_de": "Liebe Gäste\n" + HOSTILE,
             "save": "1"}  # fmt: skip
    response = client.post(f"/admin/plenaries/{plenary.slug}/reminders/new?lang=de", data=typed)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Zwischen 0 und 60 Tagen vor Beginn." in text and "&lt;b&gt;x&lt;/b&gt;" in text  # kept, escaped
    preview = client.post(
        f"/admin/plenaries/{plenary.slug}/reminders/new?lang=de",
        data=typed | {"days_before": "3", "local_time": "10:30", "save": "", "preview": "1"},
    )
    shown = preview.get_data(as_text=True)
    assert preview.status_code == 200 and shown.count('class="mb-4 reminder-preview"') == 6
    assert "<b>x</b>" not in shown and "/join/…" in shown
    saved = client.post(
        f"/admin/plenaries/{plenary.slug}/reminders/new?lang=de",
        data=typed | {"days_before": "3", "local_time": "10:30"},
    )
    assert saved.status_code == 302
    db.session.rollback()
    assert [(r.days_before, r.local_time) for r in services.reminders_of(plenary.id)][1] == (3, time(10, 30))
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reminder.create")) is not None


def test_the_list_says_who_is_still_to_get_a_due_reminder(client, people, accounts):
    """The state of a due reminder counts with the job's own rule: being sent (N of M), or nobody left."""
    from tests.conftest import login

    plenary, _, _ = people
    with time_machine.travel(WEEK_BEFORE + timedelta(hours=1), tick=False):
        login(client, "organizer@isa.example")
        signup.register(plenary.id, person("late@example.org", first_name="Lea"))  # after the week-before's time
        db.session.commit()
        page = client.get(f"/admin/plenaries/{plenary.slug}/reminders?lang=de").get_data(as_text=True)
        assert "fällig: wird gesendet (0 von 2)" in page  # Anna and 张伟, not Lea
    _run(WEEK_BEFORE + timedelta(minutes=65))
    with time_machine.travel(WEEK_BEFORE + timedelta(minutes=70), tick=False):
        page = client.get(f"/admin/plenaries/{plenary.slug}/reminders?lang=de").get_data(as_text=True)
    assert "fällig: niemand mehr zu benachrichtigen" in page and "wird gesendet" not in page


def test_the_preview_reads_as_the_mail_does(client, people, accounts):
    """The text as the reader sees it (a sample check-in code, no delivery markers, long lines wrapped by the
    stylesheet, not by an inline style the page's CSP blocks), a sample reader of each language from where it is
    spoken, and the whole HTML mail as its own document (own CSP, the QR image inline), never a frame of the page."""
    from plenary.admin.messages import MAIL_PREVIEW_CSP
    from tests.conftest import login

    plenary, _, _ = people
    login(client, "organizer@isa.example")
    reminder = services.reminders_of(plenary.id)[0]
    typed = {"days_before": "7", "local_time": "09:00", "intro_de": HOSTILE}
    url = f"/admin/plenaries/{plenary.slug}/reminders/{reminder.id}?lang=de"
    response = client.post(url, data=typed | {"preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert not re.search(r"<iframe|srcdoc|\sstyle=\"|<style\b", page)  # the page's CSP: no inline styles
    assert "css/messages.css" in page and page.count('<pre class="mail-text"') == 6
    sections = dict(re.findall(r'data-lang="(\w+)" data-mode="(\w+)"', page))
    assert len(re.findall(r'class="mb-4 reminder-preview"', page)) == 6 and set(sections) == {"de", "en", "zh"}
    previews = page.split('class="mb-4 reminder-preview"')[1:]
    german_hall, german_online, _, _, _, chinese_online = previews
    assert "Ihr Einlasscode: XXXX-XXXX" in german_hall
    shown = "".join(previews)  # (the form above keeps what was typed, the hostile intro with its "<!--checkin-->")
    assert "CHECKIN-CODE" not in shown and "&lt;!--checkin--&gt;" not in shown and "&lt;!--/checkin" not in shown
    assert re.search(r"In Ihrer Zeitzone: [^\n]*MESZ", german_online) and "Beijing" not in german_online.split(
        "In Ihrer Zeitzone")[1].split("\n")[0]  # fmt: skip
    assert re.search(r"您所在时区：[^\n]*15:00", chinese_online)
    assert f"admin/plenaries/{plenary.slug}/reminders/mail/de/in_person" in page
    mail = client.post(f"/admin/plenaries/{plenary.slug}/reminders/mail/de/in_person?lang=de", data=typed)
    html = mail.get_data(as_text=True)
    assert mail.status_code == 200 and mail.headers["Content-Security-Policy"] == MAIL_PREVIEW_CSP
    assert 'src="data:image/png;base64,' in html and "cid:" not in html and "XXXX-XXXX" in html
    assert "<!--checkin-->" not in html and "CHECKIN-CODE" not in html and "<b>x</b>" not in html
    assert "PERSONAL-LINK-TOKEN" not in html.replace("PERSONAL-LINK-\u2060TOKEN", "")
    assert "Rathaus, Marktplatz 1, Köln" in html
    online = client.post(f"/admin/plenaries/{plenary.slug}/reminders/mail/zh/online?lang=de", data=typed)
    assert "/join/…" in online.get_data(as_text=True) and "data:image/png" not in online.get_data(as_text=True)
    assert client.post(f"/admin/plenaries/{plenary.slug}/reminders/mail/fr/online", data=typed).status_code == 404
    bad = client.post(f"/admin/plenaries/{plenary.slug}/reminders/mail/de/online", data=typed | {"days_before": "x"})
    assert bad.status_code == 400
