"""The WSGI layer in front of the app: a hit is answered here, before Flask builds a request (no hook, no query).

A request may be answered from the cache when it is a GET or HEAD of an address in ``rules`` with only allowed
query arguments, carries no login (no session cookie, or one holding nothing but a CSRF token) and no remember-me
cookie. Its key is the language (chosen by ``plenary.i18n.pick_language``, as every page chooses it), the path and
the query; one read of the backend fetches the content version and the entry together. The entry holds the answer
with its headers and ETag, as identity, gzip and brotli (``Vary: Accept-Encoding``); If-None-Match (or, without it,
If-Modified-Since) is answered with 304. HSTS is added per request (it depends on the scheme), and a ``?lang=`` that
differs from the visitor's cookie gets the language cookie, as the app would set it.
"""

import functools
import gzip
import hashlib
import time
from pathlib import Path

import brotli
import sqlalchemy as sa
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import dump_cookie, parse_accept_header, parse_cookie, parse_date

from plenary.i18n import pick_language
from plenary.page_cache import invalidation, marking, rules

#: Headers never stored: they belong to one answer, or the middleware makes them per request.
_NOT_STORED = frozenset({"content-length", "set-cookie", "strict-transport-security", "content-encoding",
                         marking.MARK.lower()})  # fmt: skip
#: Request headers the app does not see on a request the cache may store: it renders the full, uncompressed
#: answer; the entry then answers this request like any other (compressed, or 304).
_CONDITIONAL = ("HTTP_ACCEPT_ENCODING", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
#: Entity headers a 304 leaves out.
_NOT_IN_304 = frozenset({"content-type", "content-length", "content-encoding", "content-disposition"})
_MIN_COMPRESS = 256
#: What goes into the release's hash (``release_id``).
_RELEASE_FILES = frozenset({".py", ".html", ".txt", ".ics", ".mo", ".css", ".js", ".svg"})


def _encoding(accept: str) -> str:
    """The variant for an Accept-Encoding header: br, then gzip, else identity."""
    if not accept:
        return "identity"
    accepted = set()
    for part in accept.split(","):
        name, _, params = part.partition(";")
        params = params.replace(" ", "")
        if params.startswith("q=") and params[2:].strip("0.") == "":
            continue  # q=0: refused
        accepted.add(name.strip().lower())
    if "br" in accepted:
        return "br"
    return "gzip" if "gzip" in accepted or "x-gzip" in accepted else "identity"


def build_entry(version: str, until: float, headers: list, body: bytes) -> tuple:
    """The stored form: (version, valid until, every variant's ETag, Last-Modified as a datetime or None,
    {encoding: (headers of a 200, headers of a 304, body)})."""
    kept = [(name, value) for name, value in headers if name.lower() not in _NOT_STORED]
    found = {name.lower(): value for name, value in kept}
    etag = found.get("etag") or '"' + hashlib.sha1(body).hexdigest() + '"'
    vary = [part.strip() for part in (found.get("vary") or "").split(",") if part.strip()]
    kept = [(name, value) for name, value in kept if name.lower() not in ("etag", "vary")]
    if "accept-encoding" not in (part.lower() for part in vary):
        vary.append("Accept-Encoding")
    kept.append(("Vary", ", ".join(vary)))
    bodies = {"identity": body}
    if len(body) >= _MIN_COMPRESS:
        bodies["gzip"] = gzip.compress(body, 9, mtime=0)
        bodies["br"] = brotli.compress(body, quality=9)
    variants, tags = {}, []
    for encoding, data in bodies.items():
        # Each representation its own strong ETag (RFC 9110 8.8.3), as Apache names them.
        tag = etag if encoding == "identity" else f'{etag[:-1]}-{encoding}"'
        tags.append(tag)
        extra = [("ETag", tag)] + ([("Content-Encoding", encoding)] if encoding != "identity" else [])
        full = [*kept, *extra, ("Content-Length", str(len(data)))]
        not_modified = [(name, value) for name, value in (*kept, *extra) if name.lower() not in _NOT_IN_304]
        variants[encoding] = (full, not_modified, data)
    modified = found.get("last-modified")
    return version, until, tuple(tags), modified and parse_date(modified), variants


@functools.cache
def release_id() -> str:
    """A short hash of the code, templates, translations and static files this process serves (read once)."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha1()
    for folder in ("plenary", "templates", "static"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in _RELEASE_FILES:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def database_id(uri: str) -> str:
    """A short hash of the database's address (driver, host, port, name, user; never the password)."""
    url = sa.engine.make_url(uri).set(password=None)
    return hashlib.sha1(url.render_as_string(hide_password=False).encode()).hexdigest()[:8]


class PageCache:
    """WSGI middleware: answer cached public pages, fill the cache from the app's marked answers."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        config = app.config
        self.session_cookie = config["SESSION_COOKIE_NAME"]
        self.lang_cookie = config["LANGUAGE_COOKIE"]
        self.remember_cookie = config.get("REMEMBER_COOKIE_NAME", "remember_token")
        self.languages = config["LANGUAGES"]
        self.default_language = config["BABEL_DEFAULT_LOCALE"]
        self.timeout = int(config["PAGE_CACHE_TIMEOUT"])
        self.hsts = int(config["HSTS_MAX_AGE"])
        self._store = None
        # The database's address is in every key: a server pointed at another database (a misspelt variable falling
        # back to SQLite) never answers from the pages of the site whose Redis it shares, nor they from its.
        self.release = f"{release_id()}-{database_id(config['SQLALCHEMY_DATABASE_URI'])}"

    @property
    def store(self):
        """The backend (looked up once: it is bound when the app is created)."""
        if self._store is None:
            self._store = invalidation.backend(self.app)
        return self._store

    @property
    def enabled(self) -> bool:
        """False with CACHE_TYPE=NullCache (or a timeout of 0)."""
        return self.timeout > 0 and type(self.store).__name__ != "NullCache"

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if method != "GET" and method != "HEAD":
            return self.wsgi_app(environ, start_response)
        found = rules.match(environ.get("PATH_INFO", ""))
        if found is None or not self.enabled:
            return self.wsgi_app(environ, start_response)
        in_language, allowed = found
        query = environ.get("QUERY_STRING", "")
        args = rules.parse_query(query, allowed)
        if args is None:
            return self.wsgi_app(environ, start_response)
        cookies = parse_cookie(environ.get("HTTP_COOKIE")) if "HTTP_COOKIE" in environ else {}
        if self.remember_cookie in cookies or not self._anonymous(cookies.get(self.session_cookie)):
            return self.wsgi_app(environ, start_response)
        set_language = None
        if in_language:
            accepted = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
            lang = pick_language(args.get("lang"), cookies.get(self.lang_cookie), accepted, self.languages,
                                 self.default_language)  # fmt: skip
            if "lang" in args and args["lang"] != cookies.get(self.lang_cookie):
                set_language = args["lang"]
        else:
            lang = rules.NO_LANGUAGE
        # One key per page, whatever the order of its arguments; the release in it, so that new code never
        # serves what old code rendered (a rolling deploy, a template fixed).
        query = "&".join(f"{name}={value}" for name, value in sorted(args.items()))
        key = f"page:{self.release}:{lang}:{environ.get('PATH_INFO')}?{query}"
        try:
            version, entry = self.store.get_many(invalidation.VERSION_KEY, key)
            if version is None:
                version = invalidation.current_version(self.store)
        except Exception:  # the backend is down: answer without it
            self.app.logger.exception("page cache: backend unreachable")
            return self.wsgi_app(environ, start_response)
        if entry is not None and entry[0] == version and (entry[1] is None or time.time() < entry[1]):
            return self._serve(entry, environ, start_response, set_language)
        if method == "HEAD":
            return self.wsgi_app(environ, start_response)
        return self._fill(key, version, lang, environ, start_response, set_language)

    def _anonymous(self, cookie: str | None) -> bool:
        """True without a session cookie, or with one holding nothing but a CSRF token (an invalid one: False)."""
        if not cookie:
            return True
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        try:
            data = serializer.loads(cookie, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except Exception:
            return False
        return set(data) <= {"csrf_token"}

    def _extra_headers(self, environ, set_language) -> list:
        """Headers that belong to this request: HSTS over HTTPS, the language cookie for an explicit ?lang=."""
        extra = []
        if self.hsts > 0 and environ.get("wsgi.url_scheme") == "https":
            extra.append(("Strict-Transport-Security", f"max-age={self.hsts}"))
        if set_language:
            secure = bool(self.app.config["SESSION_COOKIE_SECURE"]) or environ.get("wsgi.url_scheme") == "https"
            extra.append(("Set-Cookie", dump_cookie(self.lang_cookie, set_language,
                                                    max_age=self.app.config["LANGUAGE_COOKIE_MAX_AGE"],
                                                    samesite="Lax", httponly=True, secure=secure)))  # fmt: skip
        return extra

    def _serve(self, entry, environ, start_response, set_language):
        """Answer from ``entry``: 304 when the client has it, else the variant its Accept-Encoding takes."""
        _version, _until, tags, modified, variants = entry
        variant = variants.get(_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))) or variants["identity"]
        headers, not_modified, body = variant
        extra = self._extra_headers(environ, set_language)
        if self._not_modified(environ, tags, modified):
            start_response("304 NOT MODIFIED", not_modified + extra)
            return []
        start_response("200 OK", headers + extra)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    @staticmethod
    def _not_modified(environ, tags, modified) -> bool:
        """If-None-Match names one of the entry's ETags (or *); without it, If-Modified-Since is not older."""
        match = environ.get("HTTP_IF_NONE_MATCH")
        if match is not None:
            return match.strip() == "*" or any(tag in match for tag in tags)
        since = environ.get("HTTP_IF_MODIFIED_SINCE")
        if since and modified is not None:
            since = parse_date(since)
            return since is not None and modified <= since
        return False

    def _fill(self, key, version, lang, environ, start_response, set_language):
        """Let the app answer; store the answer if it marked it storable, then answer as a hit would."""
        inner = dict(environ)
        for name in _CONDITIONAL:
            inner.pop(name, None)
        inner[marking.ENVIRON_KEY] = (lang, version)
        captured = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers]
            return lambda data: body_parts.append(data)

        body_parts = []
        iterable = self.wsgi_app(inner, capture)
        try:
            body_parts.extend(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        status, headers = captured
        body = b"".join(body_parts)
        mark = next((value for name, value in headers if name == marking.MARK), None)
        headers = [(name, value) for name, value in headers if name != marking.MARK]
        cookie = self.lang_cookie + "="
        cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        if mark is None or not status.startswith("200") or any(not c.startswith(cookie) for c in cookies):
            start_response(status, headers)
            return [body]
        until = time.time() + self.timeout
        if mark:
            until = min(until, float(mark))
        entry = build_entry(version, until, headers, body)
        try:
            self.store.set(key, entry, timeout=self.timeout)
        except Exception:
            self.app.logger.exception("page cache: could not store %s", key)
        return self._serve(entry, environ, start_response, set_language)
