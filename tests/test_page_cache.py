"""The page cache (plenary/page_cache): every kind of change shows at once on every cached page, time boundaries
end entries, nothing private is cached, a hit runs no query, and the HTTP of a hit (ETag, 304, HEAD, encodings,
Vary, CORS) is the app's.

The oracle is a second app on the same database with the cache off (NullCache): after each change, every cached
page must equal what the app renders now."""

import gzip
import re
from datetime import UTC, datetime, timedelta

import brotli
import pytest
import time_machine

from plenary import create_app
from plenary.extensions import db
from plenary.page_cache import invalidation, marking, rules
from plenary.page_cache.middleware import PageCache
from tests.conftest import login, person, plenary_document
from tests.helpers import IsolatedClient, count_queries

SLUG = "test-plenary"
LANGS = ("de", "en", "zh")
#: Every cached address of the test plenary's site, as a visitor of each language opens it.
PAGES = ("/", "/plenaries/", f"/plenaries/{SLUG}", f"/plenaries/{SLUG}.ics", f"/plenaries/{SLUG}/agenda.ics",
         "/calendar.ics", "/news/", "/news/feed.atom", "/members/")  # fmt: skip
API = ("/api/v1/plenaries", f"/api/v1/plenaries/{SLUG}", "/api/v1/plenaries?when=upcoming", "/api/v1/members")


@pytest.fixture
def oracle(app):
    """A client of the same database with the page cache off: what the pages say now."""
    config = {key: app.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "PUBLIC_URL")}
    fresh = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                        "OUTBOX_DELIVER_AFTER_REQUEST": False, "CACHE_TYPE": "NullCache", **config})  # fmt: skip
    fresh.test_client_class = IsolatedClient
    fresh.instance_path = app.instance_path
    yield fresh.test_client()
    with fresh.app_context():
        db.engine.dispose()


def get(client, path, lang="de", **headers):
    return client.get(path, headers={"Accept-Language": lang, **headers})


def snapshot(client) -> dict:
    """Every cached page in every language (and the API), as ``client`` gets it."""
    pages = {(path, lang): get(client, path, lang).data for path in PAGES for lang in LANGS}
    pages.update({(path, "-"): get(client, path).data for path in API})
    return pages


def assert_fresh(client, oracle, before: dict, changed: set) -> None:
    """Every page equals a fresh rendering; those in ``changed`` (paths) differ from ``before``."""
    now, fresh = snapshot(client), snapshot(oracle)
    stale = [key for key in now if now[key] != fresh[key]]
    assert not stale, f"stale pages: {stale}"
    unchanged = {path for (path, _lang), body in now.items() if body == before[(path, _lang)]}
    assert not (changed & unchanged), f"pages the change should have altered: {changed & unchanged}"


def registration_block(capacity=1):
    now = datetime.now(UTC)
    return {"opens_at": (now - timedelta(days=1)).isoformat(timespec="seconds"),
            "closes_at": (now + timedelta(days=30)).isoformat(timespec="seconds"),
            "capacity_in_person": capacity, "capacity_online": None, "waitlist": True,
            "requires_approval": False}  # fmt: skip


@pytest.fixture
def site(make_plenary):
    """A published plenary taking registrations (one seat in the hall), an announcement about it and a member."""
    from plenary.members.services import save_member
    from plenary.news.services import publish_announcement, save_announcement

    plenary = make_plenary(registration=registration_block())
    announcement = save_announcement(None, {"slug": "welcome", "kind": "greeting", "place": {"de": "Berlin"},
                                            "title": {"de": "Willkommen", "en": "Welcome", "zh": "欢迎"},
                                            "lead": {"de": "Kurz"}, "body": {"de": "Text"}, "published_at": None,
                                            "plenary_id": plenary.id})  # fmt: skip
    publish_announcement(announcement)
    # A second one: an empty Atom feed says it was updated when it was rendered (feedgen's default), a cached one
    # when it was cached; with an entry left it is the newest entry's time, the same for cache and oracle.
    publish_announcement(save_announcement(None, {"slug": "older", "kind": "greeting", "place": {},
                                                  "title": {"de": "Ältere"}, "lead": {}, "body": {"de": "Text"},
                                                  "published_at": None, "plenary_id": None}))  # fmt: skip
    save_member(None, {"key": "koeln", "kind": "member", "country": "DE", "name": {"de": "Köln", "en": "Cologne",
                                                                                   "zh": "科隆"}})  # fmt: skip
    db.session.commit()
    return plenary


# Every kind of change, and the pages it must alter (each also leaves no page stale).


def change_title(plenary):
    from plenary.events.editing import save_plenary

    save_plenary(plenary_document(title={"de": "Geänderter Titel", "en": "Changed title", "zh": "新标题"},
                                  registration=registration_block()))  # fmt: skip


def cancel(plenary):
    from plenary.events.editing import set_status

    set_status(plenary, "cancelled", "plenary.cancel")


def add_agenda_item(plenary):
    from plenary.events.editing import save_plenary

    document = plenary_document(registration=registration_block())
    item = dict(document["agenda"][0], title={"de": "Neuer Punkt", "en": "New item", "zh": "新议程"},
                starts_at="2031-10-15T10:00:00+02:00", speakers=[])  # fmt: skip
    document["agenda"].append(item)
    save_plenary(document)


def edit_agenda_item(plenary):
    from plenary.events.editing import save_plenary

    document = plenary_document(registration=registration_block())
    document["agenda"][0]["title"] = {"de": "Bericht, neu", "en": "Report, new", "zh": "新报告"}
    save_plenary(document)


def remove_agenda_item(plenary):
    from plenary.events.editing import save_plenary

    document = plenary_document(registration=registration_block())
    document["agenda"] = document["agenda"][1:]
    save_plenary(document)


def new_announcement(plenary):
    from plenary.news.services import publish_announcement, save_announcement

    publish_announcement(save_announcement(None, {"slug": "second", "kind": "greeting", "place": {},
                                                  "title": {"de": "Zweite", "en": "Second", "zh": "第二"},
                                                  "lead": {}, "body": {"de": "Mehr"}, "published_at": None,
                                                  "plenary_id": plenary.id}))  # fmt: skip


def new_member(plenary):
    from plenary.members.services import save_member

    save_member(None, {"key": "zibo", "kind": "member", "country": "CN",
                       "name": {"de": "Zibo", "en": "Zibo", "zh": "淄博"}})  # fmt: skip


def take_last_seat(plenary):
    from plenary.registration.signup import register

    register(plenary.id, person("last@example.org"))


def list_participant(plenary):
    from plenary.registration.participants import set_participants_published
    from plenary.registration.signup import register

    register(plenary.id, person("listed@example.org", first_name="Listed", last_name="Person", consent_listing=True))
    set_participants_published(plenary.id, True)


CHANGES = [
    (change_title, {"/", "/plenaries/", f"/plenaries/{SLUG}", f"/plenaries/{SLUG}.ics", "/calendar.ics",
                    f"/api/v1/plenaries/{SLUG}", "/api/v1/plenaries"}),
    (cancel, {"/", "/plenaries/", f"/plenaries/{SLUG}", f"/plenaries/{SLUG}.ics", "/calendar.ics",
              f"/api/v1/plenaries/{SLUG}"}),
    (add_agenda_item, {f"/plenaries/{SLUG}", f"/plenaries/{SLUG}/agenda.ics", f"/api/v1/plenaries/{SLUG}"}),
    (edit_agenda_item, {f"/plenaries/{SLUG}", f"/plenaries/{SLUG}/agenda.ics", f"/api/v1/plenaries/{SLUG}"}),
    (remove_agenda_item, {f"/plenaries/{SLUG}", f"/api/v1/plenaries/{SLUG}"}),
    (new_announcement, {"/", "/news/", "/news/feed.atom", f"/plenaries/{SLUG}"}),
    (new_member, {"/members/", "/", "/api/v1/members"}),
    (take_last_seat, {f"/plenaries/{SLUG}"}),
    (list_participant, {f"/plenaries/{SLUG}"}),
]  # fmt: skip


@pytest.mark.parametrize(("change", "pages"), CHANGES, ids=[change.__name__ for change, _ in CHANGES])
def test_every_kind_of_change_shows_at_once_on_every_cached_page(client, oracle, site, change, pages):
    before = snapshot(client)
    assert snapshot(client) == before  # served from the cache now
    change(db.session.get(type(site), site.id))
    db.session.commit()
    assert_fresh(client, oracle, before, pages)


def test_a_cancellation_frees_the_seat_on_the_page(client, oracle, site):
    from plenary.registration.changes import cancel as cancel_registration
    from plenary.registration.signup import register

    result = register(site.id, person("one@example.org"))
    db.session.commit()
    full = snapshot(client)
    cancel_registration(result.created[0].id)
    db.session.commit()
    assert_fresh(client, oracle, full, {f"/plenaries/{SLUG}"})


def test_a_change_through_the_back_office_shows_at_once(app, client, oracle, site, accounts):
    from plenary.news.models import Announcement

    before = snapshot(client)
    organizer = app.test_client()
    login(organizer, "admin@isa.example")
    announcement = db.session.scalar(db.select(Announcement).where(Announcement.slug == "welcome"))
    response = organizer.post(f"/admin/announcements/{announcement.id}/unpublish")
    assert response.status_code in (302, 303)
    assert_fresh(client, oracle, before, {"/", "/news/", "/news/feed.atom", f"/plenaries/{SLUG}"})


def test_import_command_shows_at_once(client, oracle, site, runner, tmp_path):
    import json

    before = snapshot(client)
    path = tmp_path / "plenary.json"
    path.write_text(json.dumps(plenary_document(summary={"de": "Importiert", "en": "Imported", "zh": "导入"},
                                                registration=registration_block())))  # fmt: skip
    result = runner.invoke(args=["plenary", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert_fresh(client, oracle, before, {f"/plenaries/{SLUG}", "/"})


# Time


def test_time_boundaries_end_entries(client, oracle, make_plenary):
    now = datetime.now(UTC).replace(microsecond=0)
    opens, closes = now + timedelta(days=2), now + timedelta(days=4)
    starts, ends = now + timedelta(days=6), now + timedelta(days=6, hours=3)
    make_plenary(starts_at=starts.isoformat(), ends_at=ends.isoformat(), agenda=[],
                 registration={"opens_at": opens.isoformat(), "closes_at": closes.isoformat(),
                               "capacity_in_person": 5, "capacity_online": None, "waitlist": False,
                               "requires_approval": False})  # fmt: skip
    register = b"register-button"
    with time_machine.travel(now + timedelta(days=1), tick=False):
        page = get(client, f"/plenaries/{SLUG}").data
        assert register not in page
        assert get(client, f"/plenaries/{SLUG}").data == page
        with count_queries() as queries:
            get(client, f"/plenaries/{SLUG}")
        assert queries.count == 0
    for moment, shown in ((opens + timedelta(seconds=1), True), (closes + timedelta(seconds=1), False),
                          (ends + timedelta(seconds=1), False)):  # fmt: skip
        with time_machine.travel(moment, tick=False):
            for path in ("/", "/plenaries/", f"/plenaries/{SLUG}", "/api/v1/plenaries?when=upcoming"):
                assert get(client, path).data == get(oracle, path).data, (moment, path)
            assert (register in get(client, f"/plenaries/{SLUG}").data) is shown
    with time_machine.travel(ends + timedelta(seconds=1), tick=False):
        assert SLUG in get(client, "/api/v1/plenaries?when=past").get_data(as_text=True)
        assert SLUG not in get(client, "/api/v1/plenaries?when=upcoming").get_data(as_text=True)


def test_a_scheduled_announcement_appears_at_its_time(client, site):
    from plenary.news.services import save_announcement

    later = datetime.now(UTC) + timedelta(hours=5)
    save_announcement(
        None,
        {
            "slug": "later",
            "kind": "greeting",
            "place": {},
            "title": {"de": "Später erscheint"},
            "lead": {},
            "body": {"de": "x"},
            "published_at": later,
            "plenary_id": None,
        },
    )
    db.session.commit()
    assert "Später erscheint" not in get(client, "/news/").get_data(as_text=True)
    with time_machine.travel(later + timedelta(seconds=1), tick=False):
        assert "Später erscheint" in get(client, "/news/").get_data(as_text=True)


def test_an_entry_lives_at_most_the_timeout_when_a_bump_was_lost(client, oracle, site, monkeypatch):
    """A process killed between its commit and the bump: the page is stale for PAGE_CACHE_TIMEOUT at most."""
    get(client, "/members/")
    monkeypatch.setattr(invalidation, "bump", lambda app=None: None)
    new_member(site)
    db.session.commit()
    assert b"Zibo" not in get(client, "/members/").data  # stale: the bump was lost
    timeout = client.application.config["PAGE_CACHE_TIMEOUT"]
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=timeout + 1), tick=False):
        assert b"Zibo" in get(client, "/members/").data


# A hit


def test_a_hit_makes_no_database_query(client, site):
    for path in (*PAGES, *API):
        first = get(client, path, "zh")
        assert first.status_code == 200, path
        with count_queries() as queries:
            again = get(client, path, "zh")
        assert queries.count == 0, path
        assert again.data == first.data
        assert marking.MARK not in again.headers and marking.MARK not in first.headers


def test_a_miss_and_a_hit_answer_alike(client, site):
    miss = get(client, f"/plenaries/{SLUG}")
    hit = get(client, f"/plenaries/{SLUG}")
    assert miss.data == hit.data
    for name in ("Content-Type", "ETag", "Vary", "Content-Security-Policy", "X-Frame-Options", "Content-Length"):
        assert miss.headers[name] == hit.headers[name]
    assert hit.headers["Vary"] == "Cookie, Accept-Language, Accept-Encoding"


def test_languages_are_chosen_as_the_app_chooses_them(client, oracle, site):
    cases = [
        ({"Accept-Language": "zh-CN,zh;q=0.9"}, None, "zh"),
        ({"Accept-Language": "de-DE,en;q=0.5"}, None, "de"),
        ({"Accept-Language": "fr, en-GB;q=0.8"}, None, "en"),
        ({}, "zh", "zh"),
        ({}, "zh-Hans", "zh"),
        ({"Accept-Language": "zh"}, "en", "en"),
        ({"Accept-Language": "zh"}, "fr", "zh"),
        ({}, None, "de"),
    ]
    for _ in range(2):  # a miss, then a hit
        for headers, cookie, lang in cases:
            for each in (client, oracle):
                each.delete_cookie("plenary_lang")
                if cookie:
                    each.set_cookie("plenary_lang", cookie)
            page = client.get(f"/plenaries/{SLUG}", headers=headers)
            assert f'<html lang="{ {"zh": "zh-Hans"}.get(lang, lang) }"' in page.get_data(as_text=True), headers
            assert page.data == oracle.get(f"/plenaries/{SLUG}", headers=headers).data


def test_an_explicit_language_sets_its_cookie_also_on_a_hit(client, site):
    client.get(f"/plenaries/{SLUG}?lang=en")
    client.delete_cookie("plenary_lang")
    with count_queries() as queries:
        hit = client.get(f"/plenaries/{SLUG}?lang=en")
    assert queries.count == 0
    assert "plenary_lang=en" in hit.headers["Set-Cookie"] and "HttpOnly" in hit.headers["Set-Cookie"]
    with count_queries() as queries:
        again = client.get(f"/plenaries/{SLUG}?lang=en")  # the cookie now says en: nothing to set
    assert queries.count == 0 and "Set-Cookie" not in again.headers


# HTTP


@pytest.mark.parametrize("path", [f"/plenaries/{SLUG}", f"/plenaries/{SLUG}.ics", "/api/v1/plenaries"])
def test_etag_304_and_head(client, site, path):
    first = get(client, path)
    etag = first.headers["ETag"]
    for _ in range(2):
        response = get(client, path, **{"If-None-Match": etag})
        assert response.status_code == 304 and response.data == b""
        assert response.headers["ETag"] == etag
    assert get(client, path, **{"If-None-Match": '"other"'}).status_code == 200
    head = client.head(path, headers={"Accept-Language": "de"})
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data)) and head.headers["ETag"] == etag


def test_compressed_variants(client, site):
    plain = get(client, f"/plenaries/{SLUG}")
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        for _ in range(2):
            response = get(client, f"/plenaries/{SLUG}", **{"Accept-Encoding": f"{encoding}, identity"})
            assert response.headers["Content-Encoding"] == encoding
            assert decode(response.data) == plain.data
            assert len(response.data) < len(plain.data) / 2
            assert response.headers["ETag"] != plain.headers["ETag"]
            assert "Accept-Encoding" in response.headers["Vary"]
            again = get(
                client, f"/plenaries/{SLUG}", **{"Accept-Encoding": encoding, "If-None-Match": response.headers["ETag"]}
            )
            assert again.status_code == 304
    refused = get(client, f"/plenaries/{SLUG}", **{"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_the_api_keeps_its_cors_and_caching_headers(client, oracle, site):
    for _ in range(2):
        response = client.get("/api/v1/plenaries", headers={"Origin": "https://other.example"})
        fresh = oracle.get("/api/v1/plenaries", headers={"Origin": "https://other.example"})
        for name in ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Cache-Control", "ETag",
                     "Link", "Content-Type"):  # fmt: skip
            assert response.headers[name] == fresh.headers[name], name
    assert client.options("/api/v1/plenaries").status_code == 204


def test_hsts_is_sent_per_request(client, site):
    get(client, "/members/")
    assert "Strict-Transport-Security" not in get(client, "/members/").headers
    secure = client.get("/members/", base_url="https://localhost", headers={"Accept-Language": "de"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


# Nothing private


def test_a_logged_in_organizer_is_never_served_nor_stored(client, site, accounts):
    login(client, "organizer@isa.example")
    for _ in range(2):
        with count_queries() as queries:
            assert get(client, f"/plenaries/{SLUG}").status_code == 200
        assert queries.count > 0
    assert not any(key.startswith("page:") for key in _keys(client))


def test_a_flash_message_bypasses_the_cache(client, site):
    get(client, "/members/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Only for you")]
    with count_queries() as queries:
        get(client, "/members/")
    assert queries.count > 0


def test_a_session_with_only_a_csrf_token_still_hits(client, site):
    get(client, "/members/")
    with client.session_transaction() as session:
        session["csrf_token"] = "abc"
    with count_queries() as queries:
        get(client, "/members/")
    assert queries.count == 0


def test_a_forged_session_cookie_bypasses(client, site):
    get(client, "/members/")
    client.set_cookie("session", "forged.cookie.value")
    with count_queries() as queries:
        assert get(client, "/members/").status_code == 200
    assert queries.count > 0


def test_a_page_with_a_csrf_token_is_not_stored(app):
    from flask import Response
    from flask_wtf.csrf import generate_csrf

    environ = {marking.ENVIRON_KEY: ("de", "v")}
    with app.test_request_context("/members/", environ_base=environ):
        app.preprocess_request()
        from flask import request

        request.url_rule = app.url_map.bind("localhost").match("/members/", return_rule=True)[0]
        request.endpoint  # noqa: B018
        assert marking.storable(Response("x")) is True
        generate_csrf()
        assert marking.storable(Response("x")) is False


def test_an_answer_setting_a_cookie_is_not_stored(app):
    calls = []

    def fake(environ, start_response):
        calls.append(1)
        start_response("200 OK", [("Content-Type", "text/html"), (marking.MARK, ""), ("Set-Cookie", "session=x")])
        return [b"<p>one person's</p>"]

    middleware = PageCache(app, fake)
    for _ in range(2):
        body = b"".join(middleware({"REQUEST_METHOD": "GET", "PATH_INFO": "/members/", "QUERY_STRING": ""},
                                   lambda status, headers, exc_info=None: None))  # fmt: skip
        assert body == b"<p>one person's</p>"
    assert len(calls) == 2


def test_only_marked_200_answers_are_stored(client, site):
    assert get(client, "/plenaries/no-such-plenary").status_code == 404
    assert get(client, "/news/?page=99").status_code == 404
    assert not any("no-such" in key or "page=99" in key for key in _keys(client))


def test_random_query_strings_cannot_fill_the_cache(client, site):
    get(client, "/news/")
    before = len(_keys(client))
    for query in ("x=1", "lang=fr", "lang=DE", "page=abc", "page=1&page=2", "utm_source=mail", "lang",
                  "page=%00", "when=soon"):  # fmt: skip
        for path in ("/news/", f"/plenaries/{SLUG}", "/api/v1/plenaries"):
            response = get(client, f"{path}?{query}")
            assert response.status_code < 500, (path, query)
    assert len(_keys(client)) == before


def test_one_entry_per_page_whatever_the_order_of_its_arguments_and_one_vary(client, site):
    first = get(client, "/api/v1/plenaries?per_page=5&page=1")
    before = len(_keys(client))
    with count_queries() as queries:
        second = get(client, "/api/v1/plenaries?page=1&per_page=5")
    assert queries.count == 0 and second.data == first.data and len(_keys(client)) == before
    for response in (first, second, get(client, f"/plenaries/{SLUG}"), get(client, f"/plenaries/{SLUG}")):
        vary = [part.strip().lower() for part in response.headers["Vary"].split(",")]
        assert vary.count("accept-encoding") == 1 and len(vary) == len(set(vary)), vary


def test_the_cache_can_be_switched_off(make_app, make_plenary):
    app = make_app(CACHE_TYPE="NullCache")
    with app.app_context():
        from plenary.events.editing import save_plenary

        save_plenary(plenary_document())
        db.session.commit()
        client = app.test_client()
        get(client, f"/plenaries/{SLUG}")
        with count_queries() as queries:
            get(client, f"/plenaries/{SLUG}")
        assert queries.count > 0


# The rules


@pytest.mark.parametrize(("statement", "writes"), [
    ("SELECT * FROM plenary", False),
    ("INSERT INTO registration (id) VALUES (1)", True),
    ('UPDATE "plenary" SET title = 1', True),
    ("DELETE FROM agenda_item WHERE id = 1", True),
    ("INSERT INTO outbox_message (id) VALUES (1)", False),
    ("UPDATE user_session SET seen_at = 1", False),
    ("insert into audit_entry (id) values (1)", False),
    ("WITH x AS (SELECT 1) UPDATE outbox_message SET a = 1", True),  # not understood: counts as a write
    ("INSERT OR REPLACE INTO member (id) VALUES (1)", True),
])  # fmt: skip
def test_which_statements_invalidate(statement, writes):
    assert invalidation.writes_public_table(statement) is writes


def test_the_private_tables_exist(app):
    assert invalidation.PRIVATE_TABLES - {"alembic_version"} <= set(db.metadata.tables)


def test_query_rules():
    assert rules.match("/plenaries/test-plenary") == (True, rules.match("/plenaries/test-plenary")[1])
    assert rules.match("/admin/") is None and rules.match("/registrations/abc") is None
    assert rules.match("/api/v1/plenaries")[0] is False
    _, allowed = rules.match("/news/")
    assert rules.parse_query("page=2&lang=zh", allowed) == {"page": "2", "lang": "zh"}
    assert rules.parse_query("page=0", allowed) is None and rules.parse_query("page=1000", allowed) is None


def _keys(client) -> list[str]:
    store = invalidation.backend(client.application)
    return [key.removeprefix(client.application.config["CACHE_KEY_PREFIX"]) for key in store._cache]


# Across servers: two apps (as two app servers) on one database and one Redis


@pytest.fixture
def redis_url():
    import redis

    url = "redis://127.0.0.1:6379/5"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {url} is not reachable: {exc}")
    return url


def test_two_servers_share_the_cache_and_its_version_in_redis(make_app, redis_url, tmp_path):
    import uuid

    prefix = f"test-{uuid.uuid4().hex}:"
    first = make_app(CACHE_TYPE=None, CACHE_REDIS_URL=redis_url, CACHE_KEY_PREFIX=prefix)
    assert first.config["CACHE_TYPE"] == "RedisCache"
    config = {key: first.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "PUBLIC_URL")}
    second = create_app({"TESTING": True, "CACHE_REDIS_URL": redis_url, "CACHE_KEY_PREFIX": prefix, **config})
    second.test_client_class = IsolatedClient
    try:
        with first.app_context():

            one, two = first.test_client(), second.test_client()
            assert b"Zibo" not in get(one, "/members/").data
            with second.app_context(), count_queries() as queries:
                assert get(two, "/members/").data == get(one, "/members/").data
            assert queries.count == 0  # the second server answered from the entry the first stored
            new_member(None)
            db.session.commit()  # through the first server's code
            assert b"Zibo" in get(two, "/members/").data
    finally:
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        with second.app_context():
            db.engine.dispose()


def test_an_unreachable_redis_still_answers(make_app, make_plenary):
    app = make_app(CACHE_TYPE=None, CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        client = app.test_client()
        for _ in range(2):
            assert get(client, "/members/").status_code == 200


def test_every_combination_of_allowed_arguments_fits_far_below_the_threshold(app):
    """Seen: the API's pages 1–99 × 1–100 per page (40,400 keys) could push a FileSystemCache past its threshold,
    after which every write read every file (0.7 s a miss). Counted over values 0–999 of each argument."""
    from plenary.page_cache import rules

    candidates = [str(n) for n in range(1000)] + ["upcoming", "past", "all", "de", "en", "zh", "01"]
    worst = 0
    for pattern, allowed in rules.PAGES + rules.API:
        combinations = 1
        for value_pattern in allowed.values():
            combinations *= 1 + sum(1 for value in candidates if re.fullmatch(value_pattern, value))  # absent too
        worst += 0 if "{" in pattern or "[a-z0-9]" in pattern else combinations  # per plenary/news item: bounded
    assert worst < 2000 < app.config["CACHE_THRESHOLD"] / 5


def test_a_server_on_another_database_never_answers_from_the_shared_cache(make_app, tmp_path):
    """Seen: a server whose database variable was misspelt ran on SQLite, and showed the real site's cached pages."""
    from plenary.events.editing import save_plenary

    shared = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "shared-cache")}
    # The stray server first: each app of make_app starts the test's PostgreSQL database afresh.
    stray = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'stray.sqlite'}", **shared)
    site = make_app(**shared)
    with site.app_context():
        save_plenary(plenary_document(title={"de": "Die echte Versammlung"}))
        db.session.commit()
    assert "Die echte Versammlung" in get(site.test_client(), f"/plenaries/{SLUG}").get_data(as_text=True)
    assert any((tmp_path / "shared-cache").iterdir())  # stored in the shared backend
    assert get(stray.test_client(), f"/plenaries/{SLUG}").status_code == 404  # its own (empty) database answers
