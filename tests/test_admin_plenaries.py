"""The back office's plenary editor: create, edit, preview, publish, cancel, time zones, validation."""

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from plenary.audit.models import AuditEntry
from plenary.events.models import Plenary
from plenary.extensions import db
from plenary.mail.models import OutboxMessage
from plenary.registration import signup
from plenary.registration.models import Registration
from tests.conftest import login, person


class _FormParser(HTMLParser):
    """The values a browser would submit for the form whose action contains ``action`` (no buttons, no files)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.data = action, False, []
        self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.action in (a.get("action") or "")
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file") or (kind == "checkbox" and "checked" not in a):
                return
            self.data.append((a["name"], a.get("value", "y" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._first_option, self._chosen = a.get("name"), None, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._chosen = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.data.append((self._textarea, ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.data.append((self._select, self._chosen if self._chosen is not None else self._first_option or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.data and self.data[-1][0] == self._textarea:
            text = data[1:] if not self.data[-1][1] and data.startswith("\n") else data
            self.data[-1] = (self._textarea, self.data[-1][1] + text)


def form_fields(html: str, action: str) -> dict:
    """The form's current values as a dict (the last value of repeated names wins)."""
    parser = _FormParser(action)
    parser.feed(html)
    return dict(parser.data)


def new_plenary_data(**overrides) -> dict:
    """Form data for a new plenary (the 12th)."""
    data = {
        "number": "12", "slug": "12th-plenary",
        "title-de": "12. Plenarversammlung", "title-en": "12th Plenary Assembly", "title-zh": "第十二届全体大会",
        "summary-de": "Kurz", "summary-en": "Short", "description-de": "## Programm\n\nAlles.",
        "timezone": "Asia/Shanghai", "start_date": "2032-07-01", "start_time": "15:00",
        "end_date": "2032-07-01", "end_time": "18:00", "format": "hybrid",
        "venue_name-de": "ISA-Sekretariat", "venue_name-en": "ISA Secretariat", "venue_name-zh": "联盟秘书处",
        "venue_address-de": "Foshan Road 1", "venue_city-de": "Foshan", "venue_city-zh": "佛山",
        "online_url": "https://meet.example.org/room-12", "contact_email": "Plenary@Example.org",
        "opens_date": "2032-05-01", "opens_time": "09:00", "closes_date": "2032-06-20", "closes_time": "18:00",
        "capacity_in_person": "80", "capacity_online": "", "waitlist": "y",
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def zone_previews(html: str) -> list[str]:
    """The text of each Berlin/Beijing line of a page."""
    blocks = re.findall(r'<div class="zone-preview.*?</div>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", b)).strip() for b in blocks]


def test_create_preview_and_publish_the_12th_plenary(client, accounts, demo):
    login(client, "organizer@isa.example")
    form = client.get("/admin/plenaries/new?lang=en")
    assert form.status_code == 200 and 'value="12"' in form.get_data(as_text=True)  # the next number
    response = client.post("/admin/plenaries/new", data=new_plenary_data())
    assert response.status_code == 302 and response.headers["Location"] == "/admin/plenaries/12th-plenary"
    plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == "12th-plenary"))
    assert plenary.number == 12 and plenary.status == "draft" and plenary.timezone == "Asia/Shanghai"
    assert plenary.local_start.isoformat() == "2032-07-01T15:00:00+08:00"
    assert plenary.title == {"de": "12. Plenarversammlung", "en": "12th Plenary Assembly", "zh": "第十二届全体大会"}
    assert plenary.description == {"de": "## Programm\n\nAlles."}
    assert plenary.venue_name == {"de": "ISA-Sekretariat", "en": "ISA Secretariat", "zh": "联盟秘书处"}
    assert plenary.venue_address == "Foshan Road 1"  # one language given: a plain string
    assert plenary.venue_city == {"de": "Foshan", "zh": "佛山"}
    assert plenary.contact_email == "plenary@example.org" and plenary.online_url == "https://meet.example.org/room-12"
    assert plenary.capacity_in_person == 80 and plenary.capacity_online is None and plenary.waitlist is True
    assert plenary.requires_approval is False and plenary.uid
    assert plenary.registration_closes_at.isoformat() == "2032-06-20T10:00:00+00:00"
    *demo, entry = audit("plenary.create")  # the demo's plenaries were saved the same way, by the system
    assert [(e.actor_kind, e.actor) for e in demo] == [("system", None)] * 3
    assert (entry.actor_kind, entry.actor) == ("user", "organizer@isa.example")
    assert entry.changes["number"] == [None, 12]

    home = client.get("/admin/plenaries/12th-plenary?lang=en").get_data(as_text=True)
    assert "Draft" in home and "/admin/plenaries/12th-plenary/publish" in home
    assert client.get("/plenaries/12th-plenary").status_code == 404  # a draft is not public
    preview = client.get("/admin/plenaries/12th-plenary/preview?lang=en")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Preview" in page and "This draft is not public yet." in page
    assert "12th Plenary Assembly" in page and "meet.example.org" not in page  # the private link stays private
    assert preview.headers["X-Robots-Tag"] == "noindex"

    assert client.post("/admin/plenaries/12th-plenary/publish").status_code == 302
    assert plenary.status == "published" and audit("plenary.publish")[0].changes["status"] == ["draft", "published"]
    assert client.get("/plenaries/12th-plenary").status_code == 200
    again = client.post("/admin/plenaries/12th-plenary/publish?lang=en", follow_redirects=True)
    assert "Only a draft can be published." in again.get_data(as_text=True)


def test_viewers_see_the_preview_and_home_but_no_buttons(client, accounts, make_plenary):
    make_plenary(status="draft")
    login(client, "viewer@isa.example")
    assert client.get("/admin/plenaries/test-plenary/preview").status_code == 200
    home = client.get("/admin/plenaries/test-plenary?lang=en").get_data(as_text=True)
    assert "/publish" not in home and "/edit" not in home
    assert client.get("/admin/plenaries/test-plenary/edit").status_code == 403
    assert client.get("/admin/plenaries/nope/preview").status_code == 404


def test_editing_without_changes_keeps_everything(client, accounts, make_plenary):
    make_plenary()
    login(client, "organizer@isa.example")
    page = client.get("/admin/plenaries/test-plenary/edit?lang=en").get_data(as_text=True)
    data = form_fields(page, "/admin/plenaries/test-plenary/edit")
    assert data["venue_name-de"] == "Rathaus" and data["start_time"] == "09:00" and data["timezone"] == "Europe/Berlin"
    before = count(AuditEntry)
    assert client.post("/admin/plenaries/test-plenary/edit", data=data).status_code == 302
    assert count(AuditEntry) == before  # nothing lost, nothing changed: no entry
    assert count(OutboxMessage) == 0


def _registered(plenary, *emails):
    out = []
    for email in emails:
        out.append(signup.register(plenary.id, person(email)).created[0])
        db.session.commit()
    return out


def test_moving_the_plenary_by_an_hour_sends_calendar_updates(client, accounts, open_plenary):
    plenary = open_plenary(capacity_in_person=5)
    [anna] = _registered(plenary, "anna@example.org")
    sequence = plenary.sequence
    agenda_start = plenary.agenda_items[0].starts_at
    login(client, "organizer@isa.example")
    data = form_fields(client.get("/admin/plenaries/test-plenary/edit").get_data(as_text=True),
                       "/admin/plenaries/test-plenary/edit")  # fmt: skip
    assert data["move_agenda"] == "y"
    data.update(start_time="10:00", end_time="13:30")
    response = client.post("/admin/plenaries/test-plenary/edit?lang=en", data=data, follow_redirects=True)
    assert response.status_code == 200 and "1 registered person was sent the change." in response.get_data(as_text=True)
    assert plenary.sequence == sequence + 1
    assert plenary.local_start.hour == 10 and plenary.agenda_items[0].starts_at == agenda_start.replace(
        hour=agenda_start.hour + 1)  # fmt: skip
    updates = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "plenary_updated")).all()
    assert [(m.recipient, m.calendar_method) for m in updates] == [("anna@example.org", "REQUEST")]
    assert f"SEQUENCE:{sequence + 1}" in updates[0].calendar_ics.replace("\r\n ", "")
    [entry] = audit("plenary.update")
    assert entry.changes["starts_at"] == ["2031-10-15T09:00:00+02:00", "2031-10-15T10:00:00+02:00"]
    assert anna.status == "confirmed"


def test_raising_capacity_promotes_the_waiting_list(client, accounts, open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    first, second = _registered(plenary, "a@example.org", "b@example.org")
    assert (first.status, second.status) == ("confirmed", "waitlisted")
    login(client, "organizer@isa.example")
    data = form_fields(client.get("/admin/plenaries/test-plenary/edit").get_data(as_text=True),
                       "/admin/plenaries/test-plenary/edit")  # fmt: skip
    data["capacity_in_person"] = "2"
    page = client.post("/admin/plenaries/test-plenary/edit?lang=en", data=data, follow_redirects=True)
    assert "1 person moved up from the waiting list." in page.get_data(as_text=True)
    assert second.status == "confirmed" and plenary.capacity_in_person == 2
    assert audit("plenary.update")[0].changes["registration.capacity_in_person"] == [1, 2]


def test_cancel_asks_first_then_tells_everyone(client, accounts, open_plenary):
    plenary = open_plenary(capacity_in_person=1)
    confirmed, waitlisted, pending = _registered(plenary, "a@example.org", "b@example.org", "c@example.org")
    pending.status = "pending"
    db.session.commit()
    login(client, "organizer@isa.example")
    messages = count(OutboxMessage)
    ask = client.get("/admin/plenaries/test-plenary/cancel?lang=en").get_data(as_text=True)
    assert "3 registered people will be told of the cancellation by email." in ask
    assert plenary.status == "published" and count(OutboxMessage) == messages  # asking sends nothing
    assert client.post("/admin/plenaries/test-plenary/cancel").status_code == 302
    assert plenary.status == "cancelled"
    sent = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "plenary_cancelled")
                              .order_by(OutboxMessage.recipient)).all()  # fmt: skip
    assert [(m.recipient, m.calendar_method) for m in sent] == [
        ("a@example.org", "CANCEL"), ("b@example.org", None), ("c@example.org", None)]
    assert audit("plenary.cancel")[0].changes["status"] == ["published", "cancelled"]
    assert "This plenary has been cancelled." in client.get("/plenaries/test-plenary?lang=en").get_data(as_text=True)
    assert client.get("/admin/plenaries/test-plenary/cancel").status_code == 302  # not twice


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"number": "42"}, "number", "Another plenary has this number already."),
    ({"slug": "test-plenary"}, "slug", "This address name is taken by another plenary."),
    ({"slug": "Bad Slug!"}, "slug", "Only lower-case letters, digits and single hyphens"),
    ({"end_time": "14:00"}, "end_time", "The plenary cannot end before it starts."),
    ({"closes_date": "2032-04-01"}, "closes_time", "Registration cannot close before it opens."),
    ({"opens_date": "2032-07-05", "closes_date": "2032-07-06"}, "opens_date",
     "Registration cannot open after the plenary has ended."),
    ({"capacity_in_person": "-3"}, "capacity_in_person", "Number must be between 0 and 100000."),
    ({"contact_email": "not an address"}, "contact_email", "Please enter a valid email address."),
    ({"online_url": "meet.example.org"}, "online_url",
     "Please enter a web address starting with https:// or http://."),
    ({"start_date": "0001-01-01", "start_time": "00:30"}, "start_date", "Please enter a date between 1900 and 2200."),
    ({"title-de": "", "title-en": "", "title-zh": ""}, "title-de", "Please enter a text in at least one language."),
    ({"start_date": "2032-02-30"}, "start_date", "Not a valid date value."),
    ({"timezone": "Mars/Olympus"}, "timezone", "Not a valid choice."),
    # A folder of the tz database, and a name too long for a file: no 500 while the form is shown again.
    ({"timezone": "Europe"}, "timezone", "Not a valid choice."),
    ({"timezone": "America/Argentina"}, "timezone", "Not a valid choice."),
    ({"timezone": "A" * 300}, "timezone", "Not a valid choice."),
])  # fmt: skip
def test_bad_input_is_refused_kept_and_explained(client, accounts, make_plenary, changes, field, message):
    make_plenary()
    login(client, "organizer@isa.example")
    before = (count(Plenary), count(AuditEntry))
    response = client.post("/admin/plenaries/new?lang=en", data=new_plenary_data(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page, re.findall(r'-error"[^>]*>([^<]*)', page)
    assert f'id="{field}-error"' in page
    assert 'value="ISA Secretariat"' in page and 'value="Foshan Road 1"' in page  # what was typed is kept
    assert (count(Plenary), count(AuditEntry)) == before


def test_a_time_the_clocks_skip_is_refused_and_a_repeated_one_is_the_first(client, accounts):
    login(client, "organizer@isa.example")
    gap = client.post("/admin/plenaries/new?lang=en", data=new_plenary_data(
        timezone="Europe/Berlin", start_date="2032-03-28", start_time="02:30", end_date="2032-03-28"))  # fmt: skip
    assert gap.status_code == 400 and "This time does not exist in Europe/Berlin" in gap.get_data(as_text=True)
    assert count(Plenary) == 0
    fold = client.post("/admin/plenaries/new", data=new_plenary_data(
        timezone="Europe/Berlin", start_date="2032-10-31", start_time="02:30", end_date="2032-10-31",
        opens_date="", opens_time="", closes_date="", closes_time=""))  # fmt: skip
    assert fold.status_code == 302
    plenary = db.session.scalar(sa.select(Plenary))
    assert plenary.local_start.isoformat() == "2032-10-31T02:30:00+02:00"  # the first 02:30 (summer time)
    assert plenary.registration_opens_at is None


def test_both_zones_are_shown_beside_the_time_inputs(client, accounts):
    login(client, "organizer@isa.example")
    client.post("/admin/plenaries/new", data=new_plenary_data())  # 15:00 in Beijing on 1 July
    summer = zone_previews(client.get("/admin/plenaries/12th-plenary/edit?lang=en").get_data(as_text=True))
    assert "15:00 Beijing" in summer[0] and "09:00 CEST" in summer[0]
    winter = client.post("/admin/plenaries/12th-plenary/edit?lang=en", data=new_plenary_data(
        start_date="2032-12-01", end_date="2032-11-30"))  # fmt: skip  (ends before it starts: an error)
    assert winter.status_code == 400
    previews = zone_previews(winter.get_data(as_text=True))
    assert "15:00 Beijing" in previews[0] and "08:00 CET" in previews[0]  # shown for the typed values too
    page = winter.get_data(as_text=True)
    assert 'data-zone-field="timezone"' in page and "js/zones.js" in page and "<script>" not in page


def test_viewer_posts_are_refused_and_change_nothing(client, accounts, open_plenary):
    plenary = open_plenary()
    entries = count(AuditEntry)  # the plenary's creation
    login(client, "viewer@isa.example")
    for url in ("/admin/plenaries/new", "/admin/plenaries/test-plenary/edit", "/admin/plenaries/test-plenary/publish",
                "/admin/plenaries/test-plenary/cancel"):
        assert client.post(url, data=new_plenary_data(number="42", start_time="11:00")).status_code == 403, url
    assert plenary.status == "published" and plenary.local_start.hour == 9 and count(Plenary) == 1
    assert count(AuditEntry) == entries and count(Registration) == 0


def test_an_imported_plenary_in_an_unusual_zone_stays_editable(client, accounts, make_plenary):
    plenary = make_plenary(timezone="UTC")
    login(client, "organizer@isa.example")
    page = client.get(f"/admin/plenaries/{plenary.slug}/edit?lang=en").get_data(as_text=True)
    data = form_fields(page, "/edit")
    assert data["timezone"] == "UTC"
    assert client.post(f"/admin/plenaries/{plenary.slug}/edit", data=data).status_code == 302


def test_an_address_without_a_venue_name_is_refused_not_dropped(client, accounts):
    login(client, "organizer@isa.example")
    data = new_plenary_data(format="online", **{"venue_name-de": "", "venue_name-en": "", "venue_name-zh": ""})
    response = client.post("/admin/plenaries/new?lang=en", data=data)
    assert response.status_code == 400 and "Please name the venue." in response.get_data(as_text=True)
    assert count(Plenary) == 0


def test_field_hints_are_text_not_markup(client, accounts):
    login(client, "organizer@isa.example")
    page = client.get("/admin/plenaries/new").get_data(as_text=True)
    assert "/plenaries/&lt;slug&gt;" in page and "/plenaries/<slug>" not in page
