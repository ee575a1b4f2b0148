"""A cache of rendered public pages, calendars and API answers, shared by every worker (and server).

Where things are:
- ``rules.py``: which addresses and query strings may be cached, and how the key is made (language, path, query);
- ``middleware.py``: the WSGI layer in front of the app that answers a hit before Flask runs at all, and stores a
  miss the app marked as storable (with its gzip and brotli variants);
- ``marking.py``: the app's last after_request hook, which decides whether an answer may be stored (no login, no
  flash message, no CSRF token, no cookie, status 200) and until when (``boundaries.py``: the next instant at which
  time alone changes a cached page);
- ``invalidation.py``: the content version, bumped after every commit that wrote to a table a public page reads.

Backend: Flask-Caching (``CACHE_TYPE``; Redis when ``CACHE_REDIS_URL`` is set, else a FileSystemCache in the
instance folder, shared by the workers of one machine; ``NullCache`` switches the cache off).
"""

from flask import Flask

from plenary.extensions import cache
from plenary.page_cache import invalidation, marking
from plenary.page_cache.middleware import PageCache


def register(app: Flask) -> None:
    """Bind the cache backend, the invalidation and the marking hook (call before any other after_request)."""
    cache.init_app(app)
    invalidation.install()
    # after_request functions run in reverse order: registered first, this runs last and sees the final answer.
    app.after_request(marking.mark_storable)


def wrap(app: Flask) -> None:
    """Put the page cache in front of the app (inside ProxyFix, which must see the request first)."""
    app.wsgi_app = PageCache(app, app.wsgi_app)
