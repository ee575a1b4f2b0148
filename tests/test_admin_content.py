"""Back office: announcements and members (create, edit, publish, retire; the public pages follow)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from plenary.audit.models import AuditEntry
from plenary.extensions import db
from plenary.members.models import Member
from plenary.members.services import member_choices
from plenary.news.models import Announcement
from plenary.registration import signup
from tests.conftest import login, person
from tests.helpers import entries


def announcement_data(**overrides) -> dict:
    data = {
        "slug": "", "kind": "press_release", "published_at": "", "plenary": "",
        "title_de": "Grußwort zur Plenarversammlung", "title_en": "Greeting", "title_zh": "致辞",
        "place_de": "Berlin", "place_en": "", "place_zh": "柏林",
        "lead_de": "Der Vorspann.", "lead_en": "", "lead_zh": "",
        "body_de": "Ein **fetter** Text.", "body_en": "", "body_zh": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def member_data(**overrides) -> dict:
    data = {
        "key": "neustadt", "kind": "member", "country": "DE", "joined_year": "2018", "website": "https://neustadt.example",
        "name_de": "Neustadt", "name_en": "", "name_zh": "诺伊施塔特", "region_de": "Hessen", "region_en": "Hesse",
        "region_zh": "黑森州", "note_de": "", "note_en": "", "note_zh": "",
    }  # fmt: skip
    data.update(overrides)
    return data


@pytest.fixture
def organizer(client, accounts):
    login(client, "organizer@isa.example")
    return client


# --- announcements ----------------------------------------------------------------------------------------------


def test_create_edit_publish_unpublish_and_the_public_pages_follow(organizer, make_plenary):
    plenary = make_plenary()
    response = organizer.post("/admin/announcements/new", data=announcement_data(plenary=str(plenary.id)))
    assert response.status_code == 302
    announcement = db.session.scalar(sa.select(Announcement))
    assert announcement.slug == "grusswort-zur-plenarversammlung"  # suggested from the German title
    assert announcement.title == {"de": "Grußwort zur Plenarversammlung", "en": "Greeting", "zh": "致辞"}
    assert announcement.place == {"de": "Berlin", "zh": "柏林"} and announcement.published_at is None
    assert announcement.plenary_id == plenary.id
    assert response.headers["Location"] == f"/admin/announcements/{announcement.id}/edit"
    assert entries("announcement.create")[0].changes["title"][1]["de"] == "Grußwort zur Plenarversammlung"

    public = f"/news/{announcement.slug}?lang=en"
    assert organizer.get(public).status_code == 404  # a draft
    assert announcement.slug not in organizer.get("/news/feed.atom").get_data(as_text=True)
    preview = organizer.get(f"/admin/announcements/{announcement.id}/preview?lang=en")
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "Preview" in text and "Greeting" in text and "<strong>fetter</strong>" in text and "is a draft" in text
    assert preview.headers["Cache-Control"] == "no-store"
    assert announcement.published_at is None  # the preview stored nothing

    assert organizer.post(f"/admin/announcements/{announcement.id}/publish").status_code == 302
    assert announcement.published_at is not None
    assert organizer.get(public).status_code == 200
    assert f"/news/{announcement.slug}" in organizer.get("/news/feed.atom").get_data(as_text=True)
    assert "Greeting" in organizer.get("/news/?lang=en").get_data(as_text=True)
    publish = entries("announcement.publish")[0]
    assert publish.changes["published_at"][0] is None and publish.changes["published_at"][1]
    assert publish.actor == "organizer@isa.example"

    edited = announcement_data(slug=announcement.slug, title_en="Greeting to the plenary",
                               published_at=announcement.published_at.astimezone().strftime("%Y-%m-%dT%H:%M"))
    assert organizer.post(f"/admin/announcements/{announcement.id}/edit", data=edited).status_code == 302
    assert announcement.title["en"] == "Greeting to the plenary" and announcement.published_at is not None
    update = entries("announcement.update")[0]
    assert update.changes["title.en"] == ["Greeting", "Greeting to the plenary"]

    assert organizer.post(f"/admin/announcements/{announcement.id}/unpublish").status_code == 302
    assert announcement.published_at is None
    assert organizer.get(public).status_code == 404
    assert announcement.slug not in organizer.get("/news/feed.atom").get_data(as_text=True)
    assert len(entries("announcement.unpublish")) == 1

    listing = organizer.get("/admin/announcements?lang=en").get_data(as_text=True)
    assert "Greeting to the plenary" in listing and "Draft" in listing


def test_a_future_time_schedules_and_berlin_time_is_stored_as_utc(organizer):
    response = organizer.post("/admin/announcements/new", data=announcement_data(slug="later",
                              published_at="2031-07-01T10:00"))  # fmt: skip
    assert response.status_code == 302
    announcement = db.session.scalar(sa.select(Announcement))
    assert announcement.published_at == datetime(2031, 7, 1, 8, 0, tzinfo=UTC)  # CEST = UTC+2
    assert organizer.get("/news/later").status_code == 404  # not yet
    assert "Scheduled" in organizer.get("/admin/announcements?lang=en").get_data(as_text=True)
    organizer.post(f"/admin/announcements/{announcement.id}/publish")  # keeps the time set
    assert announcement.published_at == datetime(2031, 7, 1, 8, 0, tzinfo=UTC)
    form = organizer.get(f"/admin/announcements/{announcement.id}/edit").get_data(as_text=True)
    assert 'value="2031-07-01T10:00"' in form


def test_markdown_is_sanitised_on_preview_and_public_page(organizer):
    body = ('Hallo <script>alert("x")</script>\n\n[klick](javascript:alert(1)) '
            '<img src=x onerror=alert(2)> [ok](https://isa.example)')  # fmt: skip
    organizer.post("/admin/announcements/new", data=announcement_data(slug="xss", body_de=body,
                   title_de='<script>alert("t")</script>Titel'))  # fmt: skip
    announcement = db.session.scalar(sa.select(Announcement))
    organizer.post(f"/admin/announcements/{announcement.id}/publish")
    for url in (f"/admin/announcements/{announcement.id}/preview", "/news/xss", "/admin/announcements"):
        text = organizer.get(url).get_data(as_text=True)
        assert "<script>alert" not in text and 'href="javascript:' not in text and "<img src=x" not in text, url
        assert "&lt;script&gt;" in text, url
    assert 'href="https://isa.example"' in organizer.get("/news/xss").get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title_de", "", "This field is required."),
    ("slug", "Nicht Gut!", "Only lowercase letters, digits and hyphens."),
    ("published_at", "tomorrow", "Not a valid datetime value."),
    ("kind", "advert", "Not a valid choice."),
    ("plenary", "999", "Not a valid choice."),
])  # fmt: skip
def test_announcement_validation_keeps_the_input_and_stores_nothing(organizer, field, value, message):
    response = organizer.post("/admin/announcements/new?lang=en",
                              data=announcement_data(**{field: value, "lead_de": "Mein Vorspann bleibt"}))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text and "Mein Vorspann bleibt" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_slug_must_be_unique_but_a_suggested_one_is_made_unique(organizer):
    assert organizer.post("/admin/announcements/new", data=announcement_data(slug="eins")).status_code == 302
    taken = organizer.post("/admin/announcements/new?lang=en", data=announcement_data(slug="eins"))
    assert taken.status_code == 400 and "Another announcement has this address already." in taken.get_data(as_text=True)
    organizer.post("/admin/announcements/new", data=announcement_data(title_de="Eins"))
    organizer.post("/admin/announcements/new", data=announcement_data(title_de="Eins!"))
    slugs = set(db.session.scalars(sa.select(Announcement.slug)))
    assert slugs == {"eins", "eins-2", "eins-3"}


def test_missing_announcements_answer_404(organizer):
    for url in ("/admin/announcements/99/edit", "/admin/announcements/99/preview"):
        assert organizer.get(url).status_code == 404
    for url in ("/admin/announcements/99/publish", "/admin/announcements/99/unpublish"):
        assert organizer.post(url).status_code == 404


# --- members ----------------------------------------------------------------------------------------------------


def test_create_edit_retire_reinstate_and_the_public_directory_follows(organizer, open_plenary):
    response = organizer.post("/admin/members/new", data=member_data())
    assert response.status_code == 302
    member = db.session.scalar(sa.select(Member).where(Member.key == "neustadt"))
    assert member.name == {"de": "Neustadt", "zh": "诺伊施塔特"} and member.region["en"] == "Hesse"
    assert member.joined_year == 2018 and member.website == "https://neustadt.example"
    assert entries("member.create")[0].changes["key"] == [None, "neustadt"]
    assert "Neustadt" in organizer.get("/members/?lang=en").get_data(as_text=True)

    plenary = open_plenary()
    registration = signup.register(plenary.id, person("a@example.org", member_id=member.id)).created[0]
    db.session.commit()
    assert (str(member.id), "Neustadt") in member_choices("de")

    assert organizer.post(f"/admin/members/{member.id}/edit", data=member_data(name_en="New Town")).status_code == 302
    assert member.name["en"] == "New Town"
    assert entries("member.update")[0].changes == {"name.en": [None, "New Town"]}

    assert organizer.post(f"/admin/members/{member.id}/retire").status_code == 302
    assert member.retired_at is not None
    assert "Neustadt" not in organizer.get("/members/?lang=de").get_data(as_text=True)
    assert str(member.id) not in dict(member_choices("de"))
    form = organizer.get(f"/plenaries/{plenary.slug}/register").get_data(as_text=True)
    assert ">Neustadt</option>" not in form
    assert str(member.id) in dict(member_choices("de", keep=member.id))  # for the registration that names it
    assert registration.member_id == member.id  # registrations keep their member
    listing = organizer.get("/admin/members?lang=en").get_data(as_text=True)
    assert "New Town" in listing and "Retired" in listing
    assert entries("member.retire")[0].changes["retired_at"][0] is None

    assert organizer.post(f"/admin/members/{member.id}/reinstate").status_code == 302
    assert member.retired_at is None
    assert "Neustadt" in organizer.get("/members/?lang=de").get_data(as_text=True)
    assert ">Neustadt</option>" in organizer.get(f"/plenaries/{plenary.slug}/register").get_data(as_text=True)
    assert len(entries("member.reinstate")) == 1


def test_member_counts_leave_out_retired_members(app, demo):
    from plenary.members.services import member_counts, member_directory

    before = member_counts()
    member = db.session.scalar(sa.select(Member).where(Member.kind == "member", Member.country == "CN"))
    member.retired_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    after = member_counts()
    assert after["CN"] == before["CN"] - 1 and after["total"] == before["total"] - 1
    assert member_directory("de").member_count == before["total"] - 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("joined_year", "2015", "The alliance was founded in 2016: no earlier year."),
    ("joined_year", "zwei", "Not a valid integer value."),
    ("website", "javascript:alert(1)", "Please enter a web address starting with http:// or https://."),
    ("website", "ftp://files.example", "Please enter a web address starting with http:// or https://."),
    ("key", "Neu Stadt", "Only lowercase letters, digits and hyphens."),
    ("name_de", "", "This field is required."),
    ("country", "", "This field is required."),
    ("country", "XX", "Not a valid choice."),
    ("kind", "friend", "Not a valid choice."),
])  # fmt: skip
def test_member_validation_keeps_the_input_and_stores_nothing(organizer, field, value, message):
    data = member_data(**{field: value, "note_de": "Notiz bleibt"})
    response = organizer.post("/admin/members/new?lang=en", data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text and "Notiz bleibt" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0


def test_member_key_is_unique_and_other_countries_are_allowed(organizer):
    assert organizer.post("/admin/members/new", data=member_data()).status_code == 302
    again = organizer.post("/admin/members/new?lang=en", data=member_data(name_de="Andere"))
    assert again.status_code == 400 and "Another member has this key already." in again.get_data(as_text=True)
    assert organizer.post("/admin/members/new", data=member_data(key="wien", country="AT", kind="advisory_board",
                                                                 name_de="Wien", joined_year="")).status_code == 302
    wien = db.session.scalar(sa.select(Member).where(Member.key == "wien"))
    assert wien.country == "AT" and wien.joined_year is None and wien.kind == "advisory_board"
    assert organizer.get("/admin/members/99/edit").status_code == 404
    assert organizer.post("/admin/members/99/retire").status_code == 404


def test_viewers_read_the_lists_but_change_nothing(client, accounts, make_plenary):
    login(client, "organizer@isa.example")
    client.post("/admin/announcements/new", data=announcement_data(slug="eins"))
    client.post("/admin/members/new", data=member_data())
    client.post("/admin/logout")
    announcement = db.session.scalar(sa.select(Announcement))
    member = db.session.scalar(sa.select(Member))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    login(client, "viewer@isa.example")
    assert client.get("/admin/announcements").status_code == 200
    assert client.get("/admin/members").status_code == 200
    for url in ("/admin/announcements/new", f"/admin/announcements/{announcement.id}/preview",
                f"/admin/announcements/{announcement.id}/edit", "/admin/members/new",
                f"/admin/members/{member.id}/edit"):
        assert client.get(url).status_code == 403
    posts = {
        "/admin/announcements/new": announcement_data(slug="zwei"),
        f"/admin/announcements/{announcement.id}/edit": announcement_data(slug="eins", title_de="Geändert"),
        f"/admin/announcements/{announcement.id}/publish": {},
        "/admin/members/new": member_data(key="andere"),
        f"/admin/members/{member.id}/edit": member_data(name_de="Geändert"),
        f"/admin/members/{member.id}/retire": {},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    assert announcement.published_at is None and announcement.title["de"] != "Geändert"
    assert member.retired_at is None and member.name["de"] == "Neustadt"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == count
