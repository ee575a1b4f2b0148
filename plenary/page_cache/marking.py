"""The app's side of the page cache: may this answer be stored, and until when?

The WSGI layer (``middleware.py``) asks only for requests it could answer from the cache; this hook, the last
after_request function, sees what only the app knows and marks an answer as storable with an internal header
(the middleware removes it before anything leaves). It is storable when it is the answer of a cacheable endpoint,
status 200, in the language the key was made for, on no private page, for a visitor who is not logged in, whose
session holds no flash message and was not changed, with no CSRF token made for it and no cookie set but the
language's (the middleware drops that one from the entry and checks again after the session is saved).
"""

import time

from flask import current_app, g, request, session

from plenary.db import utcnow
from plenary.headers import is_private_page
from plenary.i18n import current_language
from plenary.page_cache import rules
from plenary.page_cache.boundaries import next_boundary
from plenary.page_cache.invalidation import backend

#: Set by the middleware on a request it may store: the key's language and the content version it read.
ENVIRON_KEY = "plenary.page_cache"
#: The internal header that marks an answer storable; its value: until when (Unix time), or "" for no limit.
MARK = "X-Plenary-Page-Cache"
BOUNDARY_KEY = "page-cache-boundary"


def storable(response) -> bool:
    """True if ``response`` may be stored and served to every visitor (see the module's docstring)."""
    lang, _version = request.environ[ENVIRON_KEY]
    if request.endpoint not in rules.ENDPOINTS or response.status_code != 200 or response.is_streamed:
        return False
    if is_private_page() or response.cache_control.private or response.cache_control.no_store:
        return False
    if "_user_id" in session or "_flashes" in session or session.modified:
        return False
    if current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g:
        return False  # a form's token was made for this visitor
    cookie = current_app.config["LANGUAGE_COOKIE"] + "="
    if any(not value.startswith(cookie) for value in response.headers.getlist("Set-Cookie")):
        return False
    return lang == rules.NO_LANGUAGE or lang == current_language()


def valid_until(version: str) -> float | None:
    """The next instant time changes a public page, as Unix time; computed once per content version and instant."""
    store = backend()
    now = time.time()
    known = store.get(BOUNDARY_KEY)
    if known is not None and known[0] == version and (known[1] is None or known[1] > now):
        return known[1]
    boundary = next_boundary(utcnow())
    until = boundary.timestamp() if boundary is not None else None
    store.set(BOUNDARY_KEY, (version, until), timeout=current_app.config["PAGE_CACHE_TIMEOUT"])
    return until


def mark_storable(response):
    """After every request the page cache may store: mark the answer if it is storable."""
    if ENVIRON_KEY in request.environ and storable(response):
        try:
            until = valid_until(request.environ[ENVIRON_KEY][1])
        except Exception:  # the backend went away: answer, do not store
            current_app.logger.exception("page cache: backend unreachable")
            return response
        response.headers[MARK] = "" if until is None else repr(until)
    return response
