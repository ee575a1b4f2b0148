"""What may be cached: the public addresses (as a pattern the WSGI layer matches before Flask routes), the query
arguments each takes (with the values allowed — anything else is not cached, so random queries cannot fill the
cache), and the endpoints the app's hook accepts."""

import re

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # plenary.validation.SLUG_PATTERN
_LANG = r"de|en|zh"
#: Pages 1–20 of news and of the API (a page past the last is a 404, never stored, or an empty list), and the usual
#: page sizes: at most some 1,300 API entries however the arguments are combined, well under CACHE_THRESHOLD (a
#: full FileSystemCache prunes by reading every file on each write: an attacker filling it made each miss cost
#: 0.7 s). Other values are answered, just not stored.
_NUMBER = r"[1-9]|1[0-9]|20"
_PER_PAGE = r"[1-9]|10|20|25|50|100"

#: Pages in the visitor's language: (pattern of PATH_INFO, allowed query arguments → pattern of the value).
PAGES = [
    (r"/", {"lang": _LANG}),
    (r"/impressum", {"lang": _LANG}),
    (r"/plenaries/", {"lang": _LANG}),
    (rf"/plenaries/{_SLUG}", {"lang": _LANG}),
    (rf"/plenaries/{_SLUG}\.ics", {"lang": _LANG}),
    (rf"/plenaries/{_SLUG}/agenda\.ics", {"lang": _LANG}),
    (r"/calendar\.ics", {"lang": _LANG}),
    (r"/news/", {"lang": _LANG, "page": _NUMBER}),
    (r"/news/feed\.atom", {"lang": _LANG}),
    (rf"/news/{_SLUG}", {"lang": _LANG}),
    (r"/members/", {"lang": _LANG}),
]
#: The API speaks no language (one entry for every visitor).
API = [
    (r"/api/v1/plenaries", {"when": r"upcoming|past|all", "page": _NUMBER, "per_page": _PER_PAGE}),
    (rf"/api/v1/plenaries/{_SLUG}", {}),
    (r"/api/v1/members", {}),
    (r"/api/v1/openapi\.json", {}),
]

#: The endpoints whose answers may be stored (the hook checks the route Flask really matched).
ENDPOINTS = frozenset({
    "main.home", "main.imprint", "events.index", "events.detail", "calendar.plenary_ics", "calendar.agenda_ics",
    "calendar.feed", "news.index", "news.feed", "news.detail", "members.index",
    "api.list_plenaries", "api.get_plenary", "api.list_members", "api.openapi",
})  # fmt: skip

#: The key's language part for answers in no language.
NO_LANGUAGE = "-"


def _compile(routes):
    return [(re.compile(path + r"\Z"), {name: re.compile(rf"(?:{value})\Z") for name, value in args.items()})
            for path, args in routes]  # fmt: skip


_PAGES = _compile(PAGES)
_API = _compile(API)


def match(path: str) -> tuple[bool, dict] | None:
    """``(in a language?, allowed arguments)`` for a cacheable ``path``, or None."""
    routes = _API if path.startswith("/api/") else _PAGES
    for pattern, args in routes:
        if pattern.match(path):
            return routes is _PAGES, args
    return None


def parse_query(query: str, allowed: dict) -> dict | None:
    """The query's arguments if every one is allowed, once, with an allowed value; else None (do not cache)."""
    args = {}
    if not query:
        return args
    for part in query.split("&"):
        name, sep, value = part.partition("=")
        pattern = allowed.get(name)
        if not sep or pattern is None or name in args or not pattern.match(value):
            return None
        args[name] = value
    return args
