"""The public JSON API: contents, privacy, pagination, caching, CORS, errors, and the OpenAPI contract."""

import json

import pytest
import sqlalchemy as sa
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import validate as validate_openapi_document

from plenary.events.exchange import plenary_schema
from plenary.extensions import db
from plenary.members.models import Member, MemberKind
from tests.conftest import person
from tests.helpers import count_queries

BASE_URL = "https://plenary.example.org"  # the tests' PUBLIC_URL, so that the document's server matches
SECRET = "secret-room-4711"  # part of the test plenary's private online_url
_openapi_cache: dict[str, OpenAPI] = {}


def openapi_for(client) -> OpenAPI:
    """The API's own OpenAPI document, fetched once and checked as a document."""
    if "spec" not in _openapi_cache:
        document = client.get("/api/v1/openapi.json", base_url=BASE_URL).get_json()
        validate_openapi_document(document)
        _openapi_cache["spec"] = OpenAPI.from_dict(document)
    return _openapi_cache["spec"]


def api_get(client, path: str, **kwargs):
    """GET ``path`` and check the response against the OpenAPI document (status, headers, body)."""
    response = client.get(path, base_url=BASE_URL, **kwargs)
    openapi_for(client).validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))
    return response


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.get_json()["items"]]


@pytest.fixture
def plenaries(make_plenary):
    """Factory: several plenaries, one per (slug, starts_at year, status)."""

    def make(*specs):
        for number, (slug, year, status) in enumerate(specs, start=1):
            make_plenary(
                slug=slug,
                number=number,
                status=status,
                starts_at=f"{year}-10-15T09:00:00+02:00",
                ends_at=f"{year}-10-15T12:30:00+02:00",
                registration=None,
                agenda=[],
            )

    return make


# The document itself


def test_openapi_document_is_valid_and_describes_the_public_plenary(client):
    response = api_get(client, "/api/v1/openapi.json")
    document = response.get_json()
    validate_openapi_document(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": f"{BASE_URL}/api/v1"}]
    assert set(document["paths"]) == {"/plenaries", "/plenaries/{slug}", "/members", "/openapi.json"}
    plenary = document["components"]["schemas"]["Plenary"]
    exchange_fields = set(plenary_schema()["properties"])
    assert "online_url" not in plenary["properties"] and "online_url_cn" not in plenary["properties"]
    assert set(plenary["properties"]) == exchange_fields - {"online_url", "online_url_cn"} | {"url"}
    assert plenary["properties"]["status"] == {"enum": ["published", "cancelled"]}
    assert "$defs" not in json.dumps(document)  # every reference resolvable inside the document
    assert SECRET not in response.get_data(as_text=True)


# Lists, details, privacy


def test_list_shows_published_and_cancelled_but_never_drafts(client, plenaries):
    plenaries(("held", 2031, "published"), ("hidden", 2032, "draft"), ("called-off", 2033, "cancelled"))
    response = api_get(client, "/api/v1/plenaries")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert slugs(response) == ["called-off", "held"]
    items = {item["slug"]: item for item in response.get_json()["items"]}
    assert items["called-off"]["status"] == "cancelled"
    assert items["held"]["url"] == f"{BASE_URL}/plenaries/held"
    body = response.get_data(as_text=True)
    assert "online_url" not in body and SECRET not in body and "hidden" not in body


def test_detail_is_the_public_exchange_document_with_its_url(client, make_plenary):
    from plenary.events.exchange import export_plenary

    plenary = make_plenary()
    response = api_get(client, "/api/v1/plenaries/test-plenary")
    assert response.status_code == 200
    expected = export_plenary(plenary) | {"url": f"{BASE_URL}/plenaries/test-plenary"}
    assert response.get_json() == expected
    assert response.get_json()["agenda"][0]["speakers"][0]["name_zh"] == "刘一"
    body = response.get_data(as_text=True)
    assert "online_url" not in body and SECRET not in body


@pytest.mark.parametrize("slug", ["a-draft", "no-such-plenary"])
def test_detail_of_draft_or_unknown_is_json_404(client, make_plenary, slug):
    make_plenary(slug="a-draft", status="draft")
    response = api_get(client, f"/api/v1/plenaries/{slug}")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found", "message": "There is no public plenary with this slug."}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert SECRET not in response.get_data(as_text=True)


def test_no_registration_data_anywhere(client, open_plenary, demo):
    from plenary.registration.signup import register

    plenary = open_plenary()
    register(plenary.id, person("very.private@example.org", last_name="Geheimname", phone="+49 221 555 0199"))
    db.session.commit()
    paths = ["/api/v1/plenaries", "/api/v1/plenaries/test-plenary", "/api/v1/members", "/api/v1/openapi.json"]
    for path in paths:
        body = api_get(client, path).get_data(as_text=True)
        for private in ("very.private@example.org", "Geheimname", "555 0199", SECRET, "online_url"):
            assert private not in body, (path, private)


# Filters and pagination


def test_when_filters_and_orders(client, plenaries):
    plenaries(("p2019", 2019, "published"), ("p2020", 2020, "cancelled"), ("p2031", 2031, "published"),
              ("p2032", 2032, "published"), ("draft", 2033, "draft"))  # fmt: skip
    assert slugs(api_get(client, "/api/v1/plenaries?when=upcoming")) == ["p2031", "p2032"]
    assert slugs(api_get(client, "/api/v1/plenaries?when=past")) == ["p2020", "p2019"]
    assert slugs(api_get(client, "/api/v1/plenaries?when=all")) == ["p2032", "p2031", "p2020", "p2019"]
    assert slugs(api_get(client, "/api/v1/plenaries")) == ["p2032", "p2031", "p2020", "p2019"]
    # The portal's "next plenary" box:
    assert slugs(api_get(client, "/api/v1/plenaries?when=upcoming&per_page=1")) == ["p2031"]


def test_pagination_metadata_and_link_header(client, plenaries):
    plenaries(*[(f"p{year}", year, "published") for year in range(2031, 2036)])
    response = api_get(client, "/api/v1/plenaries?when=upcoming&per_page=2&page=2")
    data = response.get_json()
    assert [item["slug"] for item in data["items"]] == ["p2033", "p2034"]
    page_url = f"{BASE_URL}/api/v1/plenaries?when=upcoming&per_page=2&page="
    assert data["pagination"] == {
        "page": 2, "per_page": 2, "total": 5, "pages": 3, "next": page_url + "3", "prev": page_url + "1",
    }  # fmt: skip
    links = {part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip("<") for part in
             response.headers["Link"].split(", ")}  # fmt: skip
    assert links == {"first": page_url + "1", "last": page_url + "3", "prev": page_url + "1", "next": page_url + "3"}

    last = api_get(client, "/api/v1/plenaries?when=upcoming&per_page=2&page=3").get_json()
    assert [item["slug"] for item in last["items"]] == ["p2035"]
    assert last["pagination"]["next"] is None
    beyond = api_get(client, "/api/v1/plenaries?when=upcoming&per_page=2&page=9")
    assert beyond.status_code == 200 and beyond.get_json()["items"] == []
    assert beyond.get_json()["pagination"]["prev"] == page_url + "3"


def test_empty_list_has_one_empty_page(client):
    data = api_get(client, "/api/v1/plenaries").get_json()
    assert data == {
        "items": [],
        "pagination": {"page": 1, "per_page": 20, "total": 0, "pages": 1, "next": None, "prev": None},
    }


def test_list_queries_do_not_grow_with_the_page(client, make_plenary):
    """Agendas and speakers are loaded per page, not per plenary."""
    for number in range(1, 7):  # each with the test document's agenda and speakers
        make_plenary(slug=f"p{number}", number=number, registration=None)
    api_get(client, "/api/v1/plenaries")  # warm up: connection set-up statements are not counted
    with count_queries() as small:
        api_get(client, "/api/v1/plenaries?per_page=1")
    with count_queries() as large:
        api_get(client, "/api/v1/plenaries?per_page=6")
    assert large.count == small.count == 4  # count, plenaries, agenda items, speakers


# Errors


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=abc", "page must be a whole number from 1 to 100000."),
        ("page=0", "page must be a whole number from 1 to 100000."),
        ("page=-1", "page must be a whole number from 1 to 100000."),
        ("page=1.5", "page must be a whole number from 1 to 100000."),
        ("page=", "page must be a whole number from 1 to 100000."),
        ("page=%D9%A1", "page must be a whole number from 1 to 100000."),  # Arabic-Indic one
        ("page=99999999999999999999", "page must be a whole number from 1 to 100000."),
        ("per_page=0", "per_page must be a whole number from 1 to 100."),
        ("per_page=101", "per_page must be a whole number from 1 to 100."),
        ("when=soon", "when must be one of: upcoming, past, all."),
        ("when=", "when must be one of: upcoming, past, all."),
    ],
)
def test_bad_query_parameters_are_json_400(client, query, message):
    response = api_get(client, f"/api/v1/plenaries?{query}")
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad_request", "message": message}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/", "/api/v1/nothing-here", "/api/v1/plenaries/a/b"])
def test_unknown_address_answers_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"] == "not_found"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unsupported_method_answers_json_405(client):
    response = client.post("/api/v1/plenaries", json={})
    assert response.status_code == 405 and response.mimetype == "application/json"
    assert response.get_json() == {"error": "method_not_allowed", "message": "This API is read-only."}
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


# Caching


def test_etag_and_304(client, make_plenary):
    make_plenary()
    for path in ("/api/v1/plenaries", "/api/v1/plenaries/test-plenary", "/api/v1/members", "/api/v1/openapi.json"):
        first = api_get(client, path)
        etag = first.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")  # strong
        assert first.headers["Cache-Control"] == "public, max-age=300"
        again = api_get(client, path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.get_data() == b""
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == "public, max-age=300"
        assert again.headers["Access-Control-Allow-Origin"] == "*"
        assert api_get(client, path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_etag_changes_with_the_content(client, make_plenary):
    make_plenary()
    before = api_get(client, "/api/v1/plenaries/test-plenary").headers["ETag"]
    assert api_get(client, "/api/v1/plenaries/test-plenary").headers["ETag"] == before  # stable
    make_plenary(title={"de": "Neuer Titel"})
    response = api_get(client, "/api/v1/plenaries/test-plenary", headers={"If-None-Match": before})
    assert response.status_code == 200
    assert response.headers["ETag"] != before
    assert response.get_json()["title"] == {"de": "Neuer Titel"}


# CORS


def test_cors_on_get(client, make_plenary):
    make_plenary()
    response = api_get(
        client, "/api/v1/plenaries?when=upcoming&per_page=1", headers={"Origin": "https://portal.example"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Link"} <= exposed
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("path", ["/api/v1/plenaries", "/api/v1/plenaries/test-plenary", "/api/v1/members"])
def test_cors_preflight(client, path):
    response = client.options(
        path,
        headers={
            "Origin": "https://portal.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "POST" not in response.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in response.headers["Access-Control-Allow-Headers"].lower()
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_site_pages_get_no_cors(client):
    assert "Access-Control-Allow-Origin" not in client.get("/plenaries/").headers


# Members and the demo


def test_members_lists_public_fields_members_first(client, demo):
    response = api_get(client, "/api/v1/members")
    items = response.get_json()["items"]
    assert len(items) == db.session.scalar(sa.select(sa.func.count()).select_from(Member))
    assert all(set(item) == {"key", "kind", "country", "name", "region", "joined_year"} for item in items)
    kinds = [item["kind"] for item in items]
    assert kinds == sorted(kinds, key=lambda kind: kind != MemberKind.MEMBER)
    assert MemberKind.ADVISORY_BOARD in kinds
    board_keys = [item["key"] for item in items if item["kind"] == MemberKind.ADVISORY_BOARD]
    assert board_keys == sorted(board_keys)


def test_every_demo_response_validates(client, demo):
    listing = api_get(client, "/api/v1/plenaries?per_page=100").get_json()
    assert listing["items"], "the demo has public plenaries"
    for item in listing["items"]:
        detail = api_get(client, f"/api/v1/plenaries/{item['slug']}")
        assert detail.get_json() == item
    for when in ("upcoming", "past", "all"):
        assert api_get(client, f"/api/v1/plenaries?when={when}").status_code == 200


def test_api_sets_no_language_cookie(client, demo):
    response = client.get("/api/v1/members?lang=zh")
    assert "Set-Cookie" not in response.headers and "Accept-Language" not in response.headers.get("Vary", "")
