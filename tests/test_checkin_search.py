"""The door's search by name: Latin and Chinese characters, pinyin, organisation; bounded and in few queries."""

import pytest

from plenary.auth.models import Role
from plenary.auth.services import create_user
from plenary.checkin.search import LIMIT, fold, search
from plenary.extensions import db
from plenary.registration import privacy, signup
from plenary.registration.signup import new_registration
from plenary.registration.states import RegistrationStatus
from tests.conftest import person
from tests.helpers import count_queries

PASSWORD = "correct horse battery staple"
HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


@pytest.fixture
def door(open_plenary, make_plenary):
    """A plenary with a Chinese delegation, a German delegate, one online and one waitlisted person."""
    plenary = open_plenary(capacity_in_person=3)
    zhang = signup.register(
        plenary.id,
        person("zhang.wei@example.cn", honorific=None, first_name="Wei", last_name="Zhang", name_zh="张伟",
               organisation="佛山市人民政府", language="zh"),
        [person("li@example.cn", honorific=None, first_name="雷", last_name="李", organisation="佛山市人民政府")],
    ).created  # fmt: skip
    db.session.commit()
    anna = signup.register(plenary.id, person("anna@example.org", organisation="Stadt Köln")).created[0]
    online = signup.register(plenary.id, person("online@example.org", first_name="Jonas", last_name="Becker",
                                                attendance="online", organisation="IHK")).created[0]  # fmt: skip
    waiting = signup.register(plenary.id, person("wait@example.org", first_name="Jonas", last_name="Weber",
                                                 organisation="")).created[0]  # fmt: skip
    db.session.commit()
    other = make_plenary(slug="other", number=77, registration=None)
    stranger = new_registration(other, person("other@example.cn", first_name="Wei", last_name="Zhang", name_zh="张伟"),
                                RegistrationStatus.CONFIRMED)  # fmt: skip
    db.session.commit()
    return plenary, {"zhang": zhang[0], "li": zhang[1], "anna": anna, "online": online, "waiting": waiting,
                     "stranger": stranger}  # fmt: skip


def names(plenary, query):
    return [entry.registration.email for entry in search(plenary.id, query).registrations]


@pytest.mark.parametrize("query", ["zhang wei", "zhangwei", "Zhāng Wěi", "ZHANG", "张伟", "张", "wei zhang", "Wei",
                                   "  zhang   WEI  "])  # fmt: skip
def test_a_chinese_delegate_is_found_by_characters_and_pinyin(door, query):
    plenary, people = door
    assert names(plenary, query)[0] == "zhang.wei@example.cn"
    assert "other@example.cn" not in names(plenary, query)  # another plenary's people never


@pytest.mark.parametrize("query", ["li lei", "lilei", "李雷", "Lǐ Léi", "lei li"])
def test_a_name_written_only_in_chinese_characters_is_found_by_pinyin(door, query):
    plenary, _people = door
    assert names(plenary, query) == ["li@example.cn"]


@pytest.mark.parametrize("query", ["Köln", "koln", "stadt köln", "STADT KÖLN"])
def test_found_by_organisation(door, query):
    plenary, _people = door
    assert names(plenary, query) == ["anna@example.org"]


def test_found_by_a_chinese_organisation_in_characters_and_pinyin(door):
    plenary, _people = door
    assert set(names(plenary, "佛山")) == set(names(plenary, "foshan")) == {"zhang.wei@example.cn", "li@example.cn"}


def test_each_says_whether_they_may_enter(door):
    plenary, _people = door
    outcomes = {entry.registration.email: entry.outcome for entry in search(plenary.id, "jonas").registrations}
    assert outcomes == {"online@example.org": "online", "wait@example.org": "not_confirmed"}
    assert [e.outcome for e in search(plenary.id, "Anna Schmidt").registrations] == ["ready"]


def test_erased_people_are_never_found(door):
    plenary, people = door
    privacy.erase(people["zhang"].id)
    db.session.commit()
    for query in ("zhang", "张伟", "zhang.wei", "—"):
        assert "zhang.wei@example.cn" not in names(plenary, query)
    assert names(plenary, "li lei") == ["li@example.cn"]


def test_too_short_or_empty_queries_find_nobody(door):
    plenary, _people = door
    for query in ("", " ", "a", "-", "\u202e", "x" * 300):
        assert names(plenary, query) == []


def test_results_are_bounded_and_the_rest_counted(open_plenary):
    plenary = open_plenary(capacity_in_person=100)
    for i in range(LIMIT + 5):
        data = person(f"m{i}@example.org", last_name=f"Müller {i:02d}")
        new_registration(plenary, data, RegistrationStatus.CONFIRMED)
    db.session.commit()
    found = search(plenary.id, "muller")
    assert len(found.registrations) == LIMIT and found.more == 5
    # Those whose name starts with the query come first: "Anna Müller 03" before "Müller-Lüdenscheidt".
    assert fold(found.registrations[0].registration.last_name).startswith("muller")


def test_a_search_takes_the_same_few_queries_for_20_or_200_people(open_plenary, make_plenary):
    counts = []
    for size, slug, number in ((20, "small", 60), (200, "large", 61)):
        plenary = make_plenary(slug=slug, number=number, registration=None)
        for i in range(size):
            new_registration(plenary, person(f"{slug}{i}@example.org", first_name=f"Wei{i}", last_name="Zhang",
                                             name_zh="张伟"), RegistrationStatus.CONFIRMED)  # fmt: skip
        db.session.commit()
        db.session.expire_all()
        with count_queries() as counter:
            assert len(search(plenary.id, "zhang wei").registrations) == LIMIT
        counts.append(len(counter.statements))
    assert counts[0] == counts[1] <= 4


def _login(client):
    create_user("organizer@isa.example", Role.ORGANIZER, PASSWORD)
    db.session.commit()
    assert client.post("/admin/login", data={"email": "organizer@isa.example", "password": PASSWORD}).status_code == 302


def test_the_door_page_shows_the_results_in_large_type_with_a_button_for_who_may_enter(client, door):
    plenary, people = door
    _login(client)
    body = client.get(f"/admin/plenaries/{plenary.slug}/checkin?lang=en&q=zhang+wei").get_data(as_text=True)
    assert "Zhang Wei" in body or "Wei Zhang" in body
    assert "张伟" in body and "佛山市人民政府" in body and "In person" in body and "Confirmed" in body
    assert f'name="registration" value="{people["zhang"].id}"' in body
    delegate = client.get(f"/admin/plenaries/{plenary.slug}/checkin?lang=en&q=李雷").get_data(as_text=True)
    assert "Delegation of" in delegate and "Wei Zhang" in delegate
    jonas = client.get(f"/admin/plenaries/{plenary.slug}/checkin?lang=en&q=jonas").get_data(as_text=True)
    assert "registered to attend online" in jonas and "without a seat" in jonas and "On the waiting list" in jonas
    assert 'name="registration"' not in jonas  # nobody there may enter
    nobody = client.get(f"/admin/plenaries/{plenary.slug}/checkin?lang=en&q=nobody+here").get_data(as_text=True)
    assert "Nobody found for “nobody here”" in nobody


def test_the_door_page_in_chinese_and_german(client, door):
    plenary, _people = door
    _login(client)
    for lang, word in (("zh", "张伟"), ("de", "Anna")):
        page = client.get(f"/admin/plenaries/{plenary.slug}/checkin?lang={lang}&q={word}")
        assert page.status_code == 200 and word in page.get_data(as_text=True)


def test_hostile_names_are_found_and_shown_as_text(client, open_plenary):
    plenary = open_plenary(capacity_in_person=5)
    new_registration(plenary, person("evil@example.org", first_name=HOSTILE, last_name="=HYPERLINK(\"x\")",
                                     organisation="\u202eevil " + "长" * 150, name_zh="恶意"),
                     RegistrationStatus.CONFIRMED)  # fmt: skip
    db.session.commit()
    _login(client)
    for query in ("img src", "hyperlink", "恶意", "eyi", HOSTILE):
        page = client.get(f"/admin/plenaries/{plenary.slug}/checkin", query_string={"q": query, "lang": "en"})
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and "&lt;img src=x onerror=alert(1)&gt;" in body, query
        assert "<img src=x" not in body and "<script>alert(2)" not in body
