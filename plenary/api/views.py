"""The public JSON API: read-only, open to every origin (CORS), cacheable with strong ETags."""

import re
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound

from plenary.api import services
from plenary.api.openapi import openapi_document
from plenary.extensions import csrf
from plenary.urls import public_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Nothing here changes state, and cross-origin callers have no CSRF token anyway.
csrf.exempt(bp)

#: Browsers may cache answers this long; shared caches revalidate with the ETag afterwards.
CACHE_CONTROL = "public, max-age=300"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
#: Request headers a cross-origin script may send (beyond the CORS-safelisted ones).
ALLOWED_HEADERS = "Accept, Accept-Language, If-None-Match, If-Modified-Since, Cache-Control"
#: Response headers a cross-origin script may read (ETag and Link are not safelisted).
EXPOSED_HEADERS = "ETag, Link"
_DIGITS = re.compile(r"[0-9]{1,9}")


class InvalidParameter(BadRequest):
    """A query parameter has a value the API does not take; ``description`` says which and why."""


def _int_arg(name: str, default: int, maximum: int) -> int:
    """Read ``?name=`` as a whole number from 1 to ``maximum``; anything else is a 400."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise InvalidParameter(f"{name} must be a whole number from 1 to {maximum}.")
    return int(raw)


def _when_arg() -> services.When:
    """Read ``?when=`` (upcoming, past or all; all when absent)."""
    raw = request.args.get("when", services.When.ALL.value)
    try:
        return services.When(raw)
    except ValueError:
        raise InvalidParameter(f"when must be one of: {', '.join(w.value for w in services.When)}.") from None


def _cacheable(payload: dict, status: int = 200):
    """Return ``payload`` as JSON with a strong ETag and caching headers, or 304 if the client has it."""
    response = jsonify(payload)
    response.status_code = status
    response.add_etag()  # SHA-1 of the body: identical bodies, identical (strong) ETags
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)


def _page_url(when: services.When, page: int, per_page: int) -> str:
    """The public address of one page of the plenary list."""
    return public_url("api.list_plenaries") + "?" + urlencode({"when": when.value, "per_page": per_page, "page": page})


@bp.get("/plenaries")
def list_plenaries():
    """Published and cancelled plenaries, page by page, optionally only upcoming or past ones."""
    when = _when_arg()
    page = _int_arg("page", 1, services.MAX_PAGE)
    per_page = _int_arg("per_page", services.DEFAULT_PER_PAGE, services.MAX_PER_PAGE)
    result = services.plenary_page(when, page, per_page)
    links = {"first": 1, "last": result.pages}
    if page > 1:
        links["prev"] = min(page - 1, result.pages)
    if page < result.pages:
        links["next"] = page + 1
    urls = {rel: _page_url(when, number, per_page) for rel, number in links.items()}
    response = _cacheable(
        {
            "items": result.items,
            "pagination": {
                "page": page,
                "per_page": per_page,
                "total": result.total,
                "pages": result.pages,
                "next": urls.get("next"),
                "prev": urls.get("prev"),
            },
        }
    )
    response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in urls.items())
    return response


@bp.get("/plenaries/<slug>")
def get_plenary(slug: str):
    """One published or cancelled plenary with its agenda."""
    document = services.public_plenary(slug)
    if document is None:
        raise NotFound("There is no public plenary with this slug.")
    return _cacheable(document)


@bp.get("/members")
def list_members():
    """Member cities and regions, then the advisory board."""
    return _cacheable({"items": services.member_list()})


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document describing this API."""
    return _cacheable(openapi_document(current_app.config["PUBLIC_URL"] + bp.url_prefix))


@bp.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"], strict_slashes=False)
@bp.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(path: str):
    """Answer unknown addresses and unsupported methods under /api/v1 in JSON, not the site's HTML."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _ = adapter.match(method="GET")
    except HTTPException:
        endpoint = None
    if request.method != "GET" and endpoint not in (None, request.endpoint):
        raise MethodNotAllowed(valid_methods=["GET", "HEAD", "OPTIONS"], description="This API is read-only.")
    raise NotFound("There is nothing at this address; see /api/v1/openapi.json.")


ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 500: "internal_error"}


def is_api_request() -> bool:
    """True if the current request is for the API (also an address under /api/ that no route matched)."""
    return request.blueprint == bp.name or request.path == "/api" or request.path.startswith("/api/")


def json_error(error: HTTPException):
    """Render an HTTP error as {"error": code, "message": text}, in English."""
    code = error.code or 500
    message = error.description if code != 500 else "Something went wrong on our side."
    response = jsonify(
        {"error": ERROR_CODES.get(code, (error.name or "error").lower().replace(" ", "_")), "message": message}
    )
    response.status_code = code
    if isinstance(error, MethodNotAllowed):
        response.headers["Allow"] = ALLOWED_METHODS
    response.headers["Cache-Control"] = "no-cache"
    return response


# Registered per status code: Flask prefers the app's code-specific (HTML) handlers over a
# blueprint handler registered for the HTTPException class.
for _code in ERROR_CODES:
    bp.register_error_handler(_code, json_error)
bp.register_error_handler(HTTPException, json_error)


@bp.after_request
def cross_origin(response):
    """Let any site read the API from the browser (GET only) and answer CORS preflights."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.status_code = 204
        response.set_data(b"")
        response.headers["Allow"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
