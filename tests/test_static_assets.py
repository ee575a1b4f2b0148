"""Static files: fingerprinted URLs cached for a year, precompressed brotli/gzip by Accept-Encoding, revalidation
without the fingerprint; the built CSS/JS (static/dist) match their sources and hold every Bootstrap class the
templates use (plenary/static_files.py, assets/, scripts/build-assets)."""

import gzip
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import brotli
import pytest
from flask import url_for

from plenary.static_files import IMMUTABLE, check_built_assets

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
BOOTSTRAP_CSS = ROOT / "node_modules" / "bootstrap" / "dist" / "css" / "bootstrap.css"
#: Templates that are not web pages: mails and PDFs have their own styles, without Bootstrap.
NOT_PAGES = ("mail", "documents", "badges/badges.html", "badges/nameplates.html", "badges/_card.html")
#: Classes only Bootstrap's JavaScript sets (collapse), so no template names them.
SET_BY_SCRIPT = {"show", "collapsing"}


@pytest.fixture
def static_client(plain_app):
    return plain_app.test_client()


def static_url(app, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def digest_of(app, filename: str) -> str:
    return app.extensions["static_manifest"].get(filename).digest


def test_url_for_static_carries_the_content_hash(plain_app):
    url = static_url(plain_app, "dist/site.css")
    assert url == f"/static/dist/site.css?v={digest_of(plain_app, 'dist/site.css')}"
    assert re.fullmatch(r"/static/dist/site\.css\?v=[0-9a-f]{16}", url)


def test_a_fingerprinted_url_is_immutable_and_precompressed(plain_app, static_client):
    url = static_url(plain_app, "dist/site.css")
    plain = (STATIC / "dist" / "site.css").read_bytes()
    for accept, encoding, decode in (
        ("gzip, deflate, br", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
        ("br;q=0, gzip;q=1", "gzip", gzip.decompress),
    ):
        response = static_client.get(url, headers={"Accept-Encoding": accept})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"] and "Cookie" not in response.headers["Vary"]
        assert response.mimetype == "text/css"
        assert decode(response.data) == plain
        assert int(response.headers["Content-Length"]) == len(response.data) < len(plain) / 4


def test_without_accept_encoding_the_plain_file(plain_app, static_client):
    response = static_client.get(static_url(plain_app, "dist/site.js"), headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data == (STATIC / "dist" / "site.js").read_bytes()
    assert response.headers["Vary"] == "Accept-Encoding"


def test_without_or_with_a_stale_fingerprint_the_file_is_revalidated(plain_app, static_client):
    for url in ("/static/css/admin.css", "/static/css/admin.css?v=0123456789abcdef"):
        response = static_client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        assert gzip.decompress(response.data) == (STATIC / "css" / "admin.css").read_bytes()
        again = static_client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    # Another encoding is another ETag: a cached gzip body is never taken for the brotli one.
    br = static_client.get("/static/css/admin.css", headers={"Accept-Encoding": "br"})
    assert br.headers["ETag"] != response.headers["ETag"]


def test_images_are_not_compressed_again_and_bad_paths_are_404(plain_app, static_client, tmp_path):
    svg = STATIC / "img" / "favicon.svg"
    response = static_client.get(static_url(plain_app, "img/favicon.svg"), headers={"Accept-Encoding": "br"})
    assert response.mimetype == "image/svg+xml" and response.data  # small: sent as it is or compressed, never broken
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert (brotli.decompress(response.data) if "Content-Encoding" in response.headers else response.data) == (
        svg.read_bytes()
    )
    # Another spelling of a real file is no file: each would be one more copy, compressed again, per spelling.
    for bad in ("/static/../wsgi.py", "/static/dist", "/static/nothing.css", "/static/..%2fwsgi.py",
                "/static/dist/./site.css", "/static/dist/x/../site.css"):
        assert static_client.get(bad).status_code == 404, bad
    assert static_client.get("/static/%00.css").status_code == 400  # the input check refuses control characters
    with plain_app.test_request_context():
        assert url_for("static", filename="nothing.css") == "/static/nothing.css"  # no hash for a missing file


def test_a_changed_file_gets_a_new_fingerprint(plain_app, tmp_path):
    from plenary.static_files import StaticManifest

    (tmp_path / "a.css").write_text("body { color: red }")
    manifest = StaticManifest(str(tmp_path))
    first = manifest.fingerprint("a.css")
    (tmp_path / "a.css").write_text("body { color: blue; }")
    assert manifest.fingerprint("a.css") != first


def test_every_static_url_in_the_templates_is_made_by_url_for(plain_app):
    """No template writes /static/… by hand (it would miss the fingerprint); every url_for names a real file."""
    names = set()
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"""(?:src|href)=["']/static/""", text), f"{template}: a hand-written /static/ URL"
        for name in re.findall(r"url_for\(\s*['\"]static['\"]\s*,\s*filename\s*=\s*['\"]([^'\"]+)['\"]", text):
            names.add(name)
            assert (STATIC / name).is_file(), f"{template}: static/{name} does not exist"
    assert "dist/site.css" in names and "dist/site.js" in names
    for name in names:
        assert static_url(plain_app, name) == f"/static/{name}?v={digest_of(plain_app, name)}"


def test_every_static_url_on_the_pages_is_fingerprinted_and_the_icons_are_inline(client, demo):
    pages = ["/", "/plenaries/", "/plenaries/10th-plenary", "/news/", "/members/", "/admin/login", "/impressum"]
    for path in pages:
        for lang in ("de", "zh"):
            body = client.get(f"{path}?lang={lang}").get_data(as_text=True)
            urls = re.findall(r"""(?:src|href)="(/static/[^"]*)""", body)
            assert urls, path
            for url in urls:
                assert re.search(r"\?v=[0-9a-f]{16}$", url), f"{path}: {url} is not fingerprinted"
            assert '<link rel="icon" href="data:image/svg+xml;base64,' in body
            assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="" width="36"', body), "the logo"


def test_the_app_refuses_to_start_without_the_built_assets(tmp_path):
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "site.css").write_text("")
    with pytest.raises(RuntimeError, match=r"static/dist/site\.js is missing: build .* scripts/build-assets"):
        check_built_assets(SimpleNamespace(static_folder=str(tmp_path)))


def template_classes() -> set[str]:
    """Every word in the templates (web pages), our scripts and Python code that could be a CSS class."""
    words = set()
    templates = ROOT / "templates"
    sources = [p for p in templates.rglob("*.html") if not str(p.relative_to(templates)).startswith(NOT_PAGES)]
    sources += list((ROOT / "static" / "js").glob("*.js")) + list((ROOT / "plenary").rglob("*.py"))
    for path in sources:
        words.update(re.findall(r"[A-Za-z][\w-]*", path.read_text()))
    return words


def bootstrap_classes() -> set[str]:
    if not BOOTSTRAP_CSS.exists():
        pytest.skip("node_modules/bootstrap is missing: run npm ci (scripts/test does) to compare with Bootstrap's CSS")
    return set(re.findall(r"\.(-?[A-Za-z_][\w-]*)", BOOTSTRAP_CSS.read_text()))


def test_the_built_css_has_every_bootstrap_class_the_templates_use():
    bootstrap = bootstrap_classes()
    built = set(re.findall(r"\.(-?[A-Za-z_][\w-]*)", (STATIC / "dist" / "site.css").read_text()))
    used = (template_classes() | SET_BY_SCRIPT) & bootstrap
    # Words that are Bootstrap classes but no template uses as one (English words, file names, attributes).
    not_classes = {"h1", "h2", "min", "css", "map", "mark", "com", "w3", "bi", "placeholder", "figure", "blockquote",
                   "progress", "shadow", "invisible", "visible", "org", "initialism", "fade", "showing",
                   "collapsed"}  # fmt: skip
    missing = sorted(used - built - not_classes)
    assert not missing, f"Bootstrap classes the templates use but assets/site.scss leaves out: {missing}"
    # The parts we leave out really are out (the point of building it ourselves).
    for absent in ("modal", "carousel", "tooltip", "popover", "accordion", "toast", "spinner-border"):
        assert absent not in built, absent
    assert "btn-primary" in built and "navbar-toggler-icon" in built and "site-header" in built  # ours too


def test_the_committed_build_is_what_the_sources_build(tmp_path):
    if not (ROOT / "node_modules" / ".bin" / "sass").exists():
        pytest.skip("node_modules is missing: run npm ci (scripts/test does) to rebuild static/dist and compare")
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: it builds static/dist (scripts/build-assets)")
    subprocess.run([str(ROOT / "scripts" / "build-assets"), str(tmp_path)], check=True, cwd=ROOT)
    for name in ("site.css", "site.js"):
        assert (tmp_path / name).read_bytes() == (STATIC / "dist" / name).read_bytes(), (
            f"static/dist/{name} is stale: run scripts/build-assets and commit it"
        )


def test_no_third_party_host_in_the_built_assets():
    for name in ("site.css", "site.js"):
        text = (STATIC / "dist" / name).read_text()
        hosts = set(re.findall(r"https?://([^/'\"\s)]+)", text)) - {"www.w3.org"}  # the SVG namespace in data: URIs
        assert not hosts, f"{name} refers to {hosts}"
        assert "@import" not in text and "sourceMappingURL" not in text
