"""Browser tests: the public site as visitors see it, in Debian's Chromium.

Run with ``.venv/bin/python -m pytest tests/e2e -q``. The fixtures (demo site on a
local port, Chromium, axe-core) are in tests/e2e/conftest.py.

README screenshot: every run writes test-artifacts/screenshot-plenary.png (ignored by git);
``PLENARY_UPDATE_SCREENSHOT=1 .venv/bin/python -m pytest tests/e2e -k screenshot``
writes docs/screenshot-plenary.png instead.
"""

import json
import os
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time
from playwright.sync_api import expect

from plenary.i18n import BABEL_LOCALES
from tests.public_pages import PUBLIC_PAGES

pytestmark = pytest.mark.e2e

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

HTML_LANG = {"de": "de", "en": "en", "zh": "zh-Hans"}


#: The signing parties of the 10th plenary, as the public record names them.
TENTH_PARTIES = {
    "de": ["Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)", "Stadt Foshan"],
    "en": ["Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)", "City of Foshan"],
    "zh": ["德国国际合作机构（GIZ）", "佛山市人民政府"],
}

BERLIN = ZoneInfo("Europe/Berlin")
BEIJING = ZoneInfo("Asia/Shanghai")


def translate(app, lang: str, message: str) -> str:
    """``message`` as the app's catalogue renders it in ``lang`` (so tests follow the translations)."""
    from flask_babel import gettext

    with app.test_request_context(f"/?lang={lang}"):
        return gettext(message)


def html_lang(page):
    return page.locator("html").get_attribute("lang")


# --- 1. The 10th plenary in all three languages ------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en", "zh"])
def test_tenth_plenary_page_in_each_language(site, page, lang):
    from plenary.demo.plenaries import tenth_plenary

    response = page.goto(site(f"/plenaries/10th-plenary?lang={lang}"))
    assert response.status == 200

    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    expect(page.get_by_role("heading", level=1)).to_have_text(tenth_plenary()["title"][lang])

    agenda = page.locator("ol.agenda > li")
    expect(agenda).to_have_count(4)
    for item in tenth_plenary()["agenda"]:
        expect(page.get_by_role("heading", name=item["title"][lang], exact=True)).to_be_visible()

    expect(page.locator("ol.agenda").get_by_text("Friedhelm Ost").first).to_be_visible()
    for party in TENTH_PARTIES[lang]:
        expect(page.get_by_text(party, exact=True)).to_be_visible()


# --- 2. The language switcher, on a desktop and on a phone -------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_language_switcher_switches_to_chinese_and_remembers_it(site, new_page, viewport):
    page = new_page(viewport=viewport)
    page.goto(site("/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")

    header = page.locator("header")
    chinese = header.get_by_role("link", name="中文", exact=True)
    toggler = header.get_by_role("button")
    if viewport is PHONE:
        # The menu is collapsed behind the toggler on a phone.
        expect(chinese).to_be_hidden()
        expect(toggler).to_be_visible()
        expect(toggler).to_have_attribute("aria-expanded", "false")
        toggler.click()
        expect(toggler).to_have_attribute("aria-expanded", "true")
    else:
        expect(toggler).to_be_hidden()
    expect(chinese).to_be_visible()
    chinese.click()

    page.wait_for_url(re.compile(r"[?&]lang=zh\b"))
    assert urlsplit(page.url).path == "/"
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    # (include_hidden: on a phone the menu is collapsed again after the page load)
    switched = page.locator("header").get_by_role("link", name="中文", exact=True, include_hidden=True)
    expect(switched).to_have_attribute("aria-current", "true")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get(site.app.config["LANGUAGE_COOKIE"]) == "zh", cookies

    # Without ?lang= the remembered choice (not the browser's German) decides.
    page.goto(site("/plenaries/"))
    assert "lang" not in parse_qs(urlsplit(page.url).query)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("link", name="中德工业城市联盟第十届全体大会")).to_be_visible()
    expect(page.get_by_role("link", name="10. Plenarversammlung der ISA")).to_have_count(0)


# --- 3. No third-party requests ----------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_page_makes_no_third_party_requests(site, page, path):
    requests = []
    console_errors = []
    page.on("request", lambda request: requests.append(request.url))
    # A Content-Security-Policy violation (something blocked) shows as a console error.
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    for lang in ("de", "zh"):
        response = page.goto(site(f"{path}?lang={lang}"), wait_until="networkidle")
        assert response.status == 200, f"{path}?lang={lang} answered {response.status}"

    # data: and blob: URLs are not network requests; everything else must come from the test server.
    network = [url for url in requests if urlsplit(url).scheme not in ("data", "blob")]
    foreign = [url for url in network if urlsplit(url).netloc != site.netloc]
    assert not foreign, f"{path} made requests to other hosts than {site.netloc}:\n" + "\n".join(foreign)
    assert any(urlsplit(url).path.endswith(".css") for url in network), f"no stylesheet request recorded: {network}"
    assert not console_errors, f"{path}: browser console errors: {console_errors}"


# --- 4. Accessibility (axe-core) ---------------------------------------------------------------


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)}")
            lines.append(f"      {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n        ")
            if summary:
                lines.append(f"        {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["de", "zh"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_page_has_no_serious_accessibility_violations(site, new_page, axe_source, path, lang, viewport):
    # The site's Content-Security-Policy forbids inline scripts, axe's injection included.
    page = new_page(viewport=viewport, bypass_csp=True)
    response = page.goto(site(f"{path}?lang={lang}"))
    assert response.status == 200
    page.add_script_tag(path=axe_source)
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    if serious:
        pytest.fail(
            f"axe found {len(serious)} serious/critical violation(s) on {path}?lang={lang} "
            f"at {viewport['width']}x{viewport['height']}:\n{describe_violations(serious)}",
            pytrace=False,
        )


# --- 5. Keyboard: the skip link ----------------------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", ["/", "/plenaries/10th-plenary", "/news/"])
@pytest.mark.parametrize("lang", ["de", "zh"])
def test_first_tab_focuses_skip_link_which_moves_focus_to_main(site, new_page, path, lang, viewport):
    page = new_page(viewport=viewport)
    page.goto(site(f"{path}?lang={lang}"))

    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const el = document.activeElement; const box = el.getBoundingClientRect();"
        " return {tag: el.tagName, href: el.getAttribute('href'), text: el.textContent.trim(),"
        " width: box.width, height: box.height, top: box.top}; }"
    )
    assert focused["tag"] == "A" and focused["href"] == "#main", f"first Tab focused {focused}"
    assert focused["text"] == translate(site.app, lang, "Skip to content")
    # visually hidden until focused, then on screen
    assert focused["width"] > 0 and focused["height"] > 0 and 0 <= focused["top"] < viewport["height"], focused

    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside the main content, past the header and its navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)"), page.evaluate(
        "() => document.activeElement.outerHTML.slice(0, 200)"
    )


# --- 6. Beijing and Berlin time on the 11th plenary --------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en", "zh"])
def test_eleventh_plenary_shows_start_in_beijing_and_berlin_time(site, page, lang):
    from plenary.events.models import Plenary
    from plenary.extensions import db

    with site.app.app_context():
        plenary = db.session.scalar(db.select(Plenary).where(Plenary.slug == "11th-plenary"))
        starts_at, zone = plenary.starts_at, plenary.timezone
    assert zone == "Asia/Shanghai"

    beijing, berlin = starts_at.astimezone(BEIJING), starts_at.astimezone(BERLIN)
    # Beijing has no summer time: 7 hours ahead of Berlin in winter, 6 in summer.
    expected_gap = timedelta(hours=6 if berlin.dst() else 7)
    assert beijing.utcoffset() - berlin.utcoffset() == expected_gap
    wall_gap = beijing.replace(tzinfo=None) - berlin.replace(tzinfo=None)
    assert wall_gap == expected_gap
    if not berlin.dst():
        assert wall_gap == timedelta(hours=7)

    expected = {
        "Beijing": (
            beijing,
            format_time(starts_at, "short", tzinfo=BEIJING, locale=BABEL_LOCALES[lang]),
            translate(site.app, lang, "Beijing"),
        ),
        "Berlin": (
            berlin,
            format_time(starts_at, "short", tzinfo=BERLIN, locale=BABEL_LOCALES[lang]),
            translate(site.app, lang, "CEST" if berlin.dst() else "CET"),
        ),
    }

    page.goto(site(f"/plenaries/11th-plenary?lang={lang}"))
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
    shown = page.locator("main time[datetime]").evaluate_all(
        "els => els.map(el => ({datetime: el.getAttribute('datetime'), text: el.textContent,"
        " context: el.parentElement.textContent, visible: el.getClientRects().length > 0}))"
    )

    for name, (local, time_text, label) in expected.items():
        matches = [
            s
            for s in shown
            if s["visible"]
            and datetime.fromisoformat(s["datetime"]) == starts_at
            and datetime.fromisoformat(s["datetime"]).utcoffset() == local.utcoffset()
        ]
        assert matches, f"no visible <time> for the start in {name} time ({local.isoformat()}) among {shown}"
        for s in matches:
            assert time_text in s["text"], f"{name}: expected {time_text!r} in {s}"
            assert label in s["text"] or label in s["context"], f"{name}: expected label {label!r} near {s}"


# --- The README screenshot ---------------------------------------------------------------------


def save_plenary_screenshot(site, new_page, path: str) -> bytes:
    """Full-page screenshot of the German 10th plenary page, 1366 px wide."""
    page = new_page(viewport=DESKTOP)
    page.goto(site("/plenaries/10th-plenary?lang=de"), wait_until="networkidle")
    page.evaluate("() => document.fonts.ready")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")


def test_screenshot_of_plenary_page(site, new_page):
    if os.environ.get("PLENARY_UPDATE_SCREENSHOT"):
        path = os.path.join(PROJECT_ROOT, "docs", "screenshot-plenary.png")
    else:
        path = os.path.join(PROJECT_ROOT, "test-artifacts", "screenshot-plenary.png")
    png = save_plenary_screenshot(site, new_page, path)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == DESKTOP["width"] and height >= DESKTOP["height"], (width, height)
