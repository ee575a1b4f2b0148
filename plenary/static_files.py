"""Static files: fingerprinted URLs, a year in the browser's cache, gzip and brotli made once per process.

``url_for('static', filename=…)`` adds ``?v=<content hash>`` (``fingerprint_static_urls``, the one home for it;
every template's static URL goes through it). A request that carries the file's current hash is answered
``Cache-Control: public, max-age=31536000, immutable`` — the browser never asks again, and a changed file has a
new URL. Without the hash, or with a stale one (an old page in someone's cache), the current file is served with
``no-cache`` and an ETag, so it is revalidated (304) and never wrong.

The manifest (file name → hash, body, its gzip and brotli encodings) is built lazily, one file at a time on its
first use, and rebuilt when the file's size or modification time changes (``flask run`` while editing). Text
files are compressed at the highest levels once; the answer is chosen by Accept-Encoding (``Vary``).
"""

import base64
import gzip
import hashlib
import mimetypes
import os
import posixpath
import threading
from dataclasses import dataclass, field

import brotli
from flask import Flask, abort, request
from flask.wrappers import Response
from werkzeug.security import safe_join

#: Sent with a fingerprinted URL: the content behind it never changes.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Sent without (or with a stale) fingerprint: revalidate every time.
REVALIDATE = "no-cache"
#: Compressed when they are served (images other than SVG, PDFs and fonts already are).
COMPRESSIBLE_TYPES = frozenset(
    {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json", "text/plain"}
)
#: Below this a compressed copy saves less than its headers cost.
MIN_COMPRESS_SIZE = 256
#: What scripts/build-assets makes from assets/ (Bootstrap's Sass and ES modules with ours), committed.
BUILT_ASSETS = ("dist/site.css", "dist/site.js")
#: The query parameter that carries the content hash.
FINGERPRINT_ARG = "v"


@dataclass(frozen=True)
class StaticFile:
    """One file of the static folder as it is served."""

    stamp: tuple[int, int]  # (size, mtime_ns) it was read at
    digest: str  # the first 16 hex digits of its SHA-256
    mimetype: str
    body: bytes
    encoded: dict[str, bytes] = field(default_factory=dict)  # "br" / "gzip" → bytes, when smaller


def read_static_file(path: str, stamp: tuple[int, int]) -> StaticFile:
    """Read ``path``, hash it and, for text, compress it with brotli (quality 11) and gzip (level 9)."""
    with open(path, "rb") as handle:
        body = handle.read()
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    encoded = {}
    if mimetype in COMPRESSIBLE_TYPES and len(body) >= MIN_COMPRESS_SIZE:
        for name, data in (("br", brotli.compress(body, quality=11)), ("gzip", gzip.compress(body, 9, mtime=0))):
            if len(data) < len(body):
                encoded[name] = data
    return StaticFile(stamp, hashlib.sha256(body).hexdigest()[:16], mimetype, body, encoded)


class StaticManifest:
    """The static folder's files by name (relative, with forward slashes), each read once per process."""

    def __init__(self, folder: str):
        self.folder = folder
        self._files: dict[str, StaticFile] = {}
        self._lock = threading.Lock()

    def get(self, filename: str) -> StaticFile | None:
        """The file ``filename`` as it is now on disk, or None (missing, a folder, outside the static folder, or a
        name that is not the file's one: ``dist/./site.css`` would be one more copy, compressed again, per spelling)."""
        if posixpath.normpath(filename) != filename or "\\" in filename:
            return None
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            return None
        if not os.path.isfile(path):
            return None
        stamp = (info.st_size, info.st_mtime_ns)
        cached = self._files.get(filename)
        if cached is not None and cached.stamp == stamp:
            return cached
        with self._lock:
            cached = self._files.get(filename)
            if cached is None or cached.stamp != stamp:
                cached = self._files[filename] = read_static_file(path, stamp)
        return cached

    def fingerprint(self, filename: str) -> str | None:
        """The content hash ``url_for`` puts into ``filename``'s URL (None for a missing file)."""
        found = self.get(filename)
        return found.digest if found else None


def choose_encoding(offered: dict[str, bytes]) -> str | None:
    """The best of our encodings the client accepts (brotli before gzip), or None for the plain file."""
    for name in ("br", "gzip"):
        if name in offered and request.accept_encodings.quality(name) > 0:
            return name
    return None


def serve_static(manifest: StaticManifest, filename: str) -> Response:
    """Answer /static/<filename>: the encoding the client accepts, immutable when the URL has the current hash."""
    found = manifest.get(filename)
    if found is None:
        abort(404)
    encoding = choose_encoding(found.encoded)
    response = Response(found.encoded[encoding] if encoding else found.body, mimetype=found.mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if found.encoded:
        response.vary.add("Accept-Encoding")
    response.set_etag(f"{found.digest}-{encoding or 'identity'}")
    fingerprinted = request.args.get(FINGERPRINT_ARG) == found.digest
    response.headers["Cache-Control"] = IMMUTABLE if fingerprinted else REVALIDATE
    return response.make_conditional(request)


def data_uri(manifest: StaticManifest, filename: str) -> str:
    """A small static file as a ``data:`` URI (base64), to put it in the page instead of a request of its own."""
    found = manifest.get(filename)
    if found is None:
        raise FileNotFoundError(f"static/{filename}")
    return f"data:{found.mimetype};base64,{base64.b64encode(found.body).decode()}"


def check_built_assets(app: Flask) -> None:
    """Refuse to start without the built CSS and JavaScript, saying how to make them."""
    missing = [name for name in BUILT_ASSETS if not os.path.isfile(os.path.join(app.static_folder, name))]
    if missing:
        raise RuntimeError(
            f"static/{missing[0]} is missing: build the site's CSS and JavaScript with scripts/build-assets "
            "(Node.js and npm; scripts/run and scripts/test do it)."
        )


def register_static_files(app: Flask) -> None:
    """Serve the static folder through the manifest and fingerprint every ``url_for('static', …)``."""
    check_built_assets(app)
    manifest = StaticManifest(app.static_folder)
    app.extensions["static_manifest"] = manifest
    app.add_template_global(lambda filename: data_uri(manifest, filename), "static_data_uri")
    app.view_functions["static"] = lambda filename: serve_static(manifest, filename)

    @app.url_defaults
    def fingerprint_static_urls(endpoint, values):
        if endpoint == "static" and FINGERPRINT_ARG not in values and "filename" in values:
            digest = manifest.fingerprint(values["filename"])
            if digest:
                values[FINGERPRINT_ARG] = digest
