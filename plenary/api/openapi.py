"""The OpenAPI 3.1 document of the public API, built from the exchange format's JSON Schema.

The plenary shape is not written twice: ``plenary/events/plenary.schema.json`` is copied in,
its ``$defs`` moved to ``components/schemas`` (so that every OpenAPI tool resolves them) and
the private meeting addresses (``online_url``, ``online_url_cn``) removed; a change to the exchange format
reaches the API document.
"""

import copy
from functools import cache
from typing import Any

from plenary.api.services import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, PUBLIC_STATUSES, When
from plenary.events.exchange import PRIVATE_FIELDS, plenary_schema

#: Prefix of the exchange format's definitions inside components/schemas.
DEF_PREFIX = "Plenary_"


def _rewrite_refs(node: Any) -> Any:
    """Point ``#/$defs/x`` references at ``#/components/schemas/Plenary_x``, recursively."""
    if isinstance(node, dict):
        out = {key: _rewrite_refs(value) for key, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = "#/components/schemas/" + DEF_PREFIX + ref.removeprefix("#/$defs/")
        return out
    if isinstance(node, list):
        return [_rewrite_refs(value) for value in node]
    return node


def plenary_schemas() -> dict[str, dict]:
    """Return the public plenary schema and its definitions, keyed by component name."""
    source = copy.deepcopy(plenary_schema())
    definitions = source.pop("$defs", {})
    for keyword in ("$schema", "$id"):
        source.pop(keyword, None)
    for name in PRIVATE_FIELDS:
        source["properties"].pop(name, None)
    source["properties"]["status"] = {"enum": [str(s) for s in PUBLIC_STATUSES]}
    source["properties"]["url"] = {
        "type": "string",
        "format": "uri",
        "description": "Absolute address of the plenary's public page.",
    }
    # The API always sends every field (null or empty where unset), unlike an import document.
    source["required"] = list(source["properties"])
    source["title"] = "Plenary"
    source["description"] = (
        "A published or cancelled plenary in the exchange format (docs/exchange-format.md) without "
        "private fields, plus the address of its public page."
    )
    schemas = {"Plenary": _rewrite_refs(source)}
    for name, definition in definitions.items():
        schemas[DEF_PREFIX + name] = _rewrite_refs(definition)
    return schemas


TRANSLATED = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"de": {"type": "string"}, "en": {"type": "string"}, "zh": {"type": "string"}},
    "description": "One text per language; a language may be missing.",
}

CACHE_HEADERS = {
    "ETag": {"description": "Strong validator: hash of the body.", "required": True, "schema": {"type": "string"}},
    "Cache-Control": {"required": True, "schema": {"type": "string", "const": "public, max-age=300"}},
    "Access-Control-Allow-Origin": {"required": True, "schema": {"type": "string", "const": "*"}},
}


def _ok(description: str, schema_name: str, extra_headers: dict | None = None) -> dict:
    """A 200 response with a JSON body of component ``schema_name`` and the caching headers."""
    return {
        "description": description,
        "headers": {**CACHE_HEADERS, **(extra_headers or {})},
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


def _get(operation_id: str, summary: str, responses: dict, parameters: list | None = None) -> dict:
    """A GET operation; every GET may answer 304 to If-None-Match."""
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [{"$ref": "#/components/parameters/IfNoneMatch"}, *(parameters or [])],
            "responses": {**responses, "304": {"$ref": "#/components/responses/NotModified"}},
        }
    }


@cache
def openapi_document(api_base_url: str) -> dict:
    """Return the OpenAPI 3.1 document for the API served at ``api_base_url`` (…/api/v1)."""
    page_links = {
        "Link": {
            "description": "RFC 8288 links to the first, previous, next and last page.",
            "required": True,
            "schema": {"type": "string"},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Plenary public API",
            "version": "1.0.0",
            "summary": "Published plenary assemblies and the members of the Sino-German Industrial Cities Alliance.",
            "description": (
                "Read-only and public: no authentication, CORS open to every origin, answers cacheable "
                "for five minutes with strong ETags. Never carries private links or registration data."
            ),
        },
        "servers": [{"url": api_base_url}],
        "paths": {
            "/plenaries": _get(
                "listPlenaries",
                "Published and cancelled plenaries, page by page",
                {
                    "200": _ok("One page of plenaries.", "PlenaryList", page_links),
                    "400": {"$ref": "#/components/responses/BadRequest"},
                },
                [
                    {"$ref": "#/components/parameters/When"},
                    {"$ref": "#/components/parameters/Page"},
                    {"$ref": "#/components/parameters/PerPage"},
                ],
            ),
            "/plenaries/{slug}": _get(
                "getPlenary",
                "One published or cancelled plenary with its agenda",
                {"200": _ok("The plenary.", "Plenary"), "404": {"$ref": "#/components/responses/NotFound"}},
                [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            ),
            "/members": _get(
                "listMembers",
                "Member cities and regions, then the advisory board",
                {"200": _ok("All members and advisory board organisations.", "MemberList")},
            ),
            "/openapi.json": _get(
                "getOpenAPIDocument",
                "This document",
                {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "headers": CACHE_HEADERS,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            ),
        },
        "components": {
            "parameters": {
                "IfNoneMatch": {
                    "name": "If-None-Match",
                    "in": "header",
                    "description": "An ETag from an earlier answer; an unchanged resource answers 304.",
                    "schema": {"type": "string"},
                },
                "When": {
                    "name": "when",
                    "in": "query",
                    "description": "upcoming: not yet ended, soonest first; past: ended, latest first; "
                    "all: latest first.",
                    "schema": {"type": "string", "enum": [w.value for w in When], "default": When.ALL.value},
                },
                "Page": {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                },
                "PerPage": {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
                },
            },
            "responses": {
                "NotModified": {
                    "description": "The resource still has the ETag sent in If-None-Match.",
                    "headers": CACHE_HEADERS,
                },
                "BadRequest": {
                    "description": "A query parameter is invalid.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "NotFound": {
                    "description": "No public resource at this address (drafts are not public).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "description": "Machine-readable code, e.g. not_found."},
                        "message": {"type": "string", "description": "What went wrong, in English."},
                    },
                },
                "Pagination": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["page", "per_page", "total", "pages", "next", "prev"],
                    "properties": {
                        "page": {"type": "integer", "minimum": 1},
                        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                        "total": {"type": "integer", "minimum": 0},
                        "pages": {"type": "integer", "minimum": 1},
                        "next": {"type": ["string", "null"], "format": "uri"},
                        "prev": {"type": ["string", "null"], "format": "uri"},
                    },
                },
                "PlenaryList": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["items", "pagination"],
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Plenary"}},
                        "pagination": {"$ref": "#/components/schemas/Pagination"},
                    },
                },
                "Member": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["key", "kind", "country", "name", "region", "joined_year"],
                    "properties": {
                        "key": {"type": "string", "description": "Stable identifier, e.g. koeln."},
                        "kind": {"enum": ["member", "advisory_board"]},
                        "country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2."},
                        "name": TRANSLATED,
                        "region": {**TRANSLATED, "description": "Federal state or province; may be empty."},
                        "joined_year": {"type": ["integer", "null"], "minimum": 2016},
                    },
                },
                "MemberList": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["items"],
                    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Member"}}},
                },
                **plenary_schemas(),
            },
        },
    }
