"""Browser tests: the public pages on phones (360 and 390 px wide) in all three languages.

Measured in Debian's Chromium: the site name and the menu button share one row, no page is
wider than the screen (long German words are hyphenated on the server, time ranges do not
break inside), and Chinese text is never set in italics.
"""

import pytest

from tests.public_pages import PUBLIC_PAGES

pytestmark = pytest.mark.e2e

WIDTHS = (360, 390)
LANGS = ("de", "en", "zh")


def phone(new_page, width: int):
    return new_page(viewport={"width": width, "height": 800})


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def overflow(page) -> dict:
    """The document's width against the viewport's, and the widest elements sticking out."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > width + 0.5 && getComputedStyle(el).position !== 'fixed'
                && !el.closest('.visually-hidden, .visually-hidden-focusable, .collapse:not(.show)')) {
              out.push(el.tagName + '.' + el.className + ': ' + (el.textContent || '').trim().slice(0, 40));
            }
          }
          return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 5)};
        }"""
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_brand_and_menu_button_share_one_row(site, new_page, lang, width):
    page = phone(new_page, width)
    page.goto(site(f"/?lang={lang}"))
    toggler = box(page, ".navbar-toggler")
    brand = box(page, ".navbar-brand")
    assert toggler["width"] > 30, "the menu button is shown on a phone"
    # One row: the two boxes overlap vertically, and the button is right of the brand.
    assert toggler["y"] < brand["y"] + brand["height"] and brand["y"] < toggler["y"] + toggler["height"], (
        brand,
        toggler,
    )
    assert brand["x"] + brand["width"] <= toggler["x"] + 0.5
    assert toggler["x"] + toggler["width"] <= width + 0.5
    header = box(page, ".site-header")
    assert header["height"] < 100, f"the header is one row high, not {header['height']} px"
    measured = overflow(page)
    assert measured["scroll"] <= measured["width"], measured


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_public_pages_fit_the_phone(site, new_page, lang, width):
    page = phone(new_page, width)
    for path in (*PUBLIC_PAGES, "/plenaries/11th-plenary/register"):
        page.goto(site(f"{path}?lang={lang}"))
        # Without the last resort of breaking words anywhere: what fits, fits by soft hyphens and wrapping.
        page.evaluate(
            """() => document.querySelectorAll('body *').forEach(el => {
                 el.style.setProperty('overflow-wrap', 'normal', 'important');
                 el.style.setProperty('word-break', 'normal', 'important');
               })"""
        )
        measured = overflow(page)
        assert measured["scroll"] <= measured["width"], (path, measured)


def test_time_ranges_do_not_break_inside(site, new_page):
    page = phone(new_page, 360)
    page.goto(site("/plenaries/11th-plenary?lang=de"))
    ranges = page.locator(".time-range .clock-range")
    assert ranges.count() >= 2
    for i in range(ranges.count()):
        item = ranges.nth(i)
        # One line: every piece of it sits on the same line box.
        tops = item.evaluate("el => [...new Set([...el.getClientRects()].map(r => Math.round(r.top)))]")
        assert len(tops) == 1, (item.inner_text(), tops)


def test_long_german_words_are_hyphenated(site, new_page):
    page = phone(new_page, 360)
    page.goto(site("/plenaries/11th-plenary/register?lang=de"))
    label = page.locator('label:has-text("Simultan")').first
    assert "\u00ad" in label.inner_text(), "the long word carries soft hyphens"
    # A box narrower than the word: it wraps at a syllable instead of sticking out (no dictionary needed).
    fits = label.evaluate(
        """el => { el.style.setProperty('overflow-wrap', 'normal', 'important');
                   el.style.setProperty('display', 'inline-block'); el.style.setProperty('width', '7em');
                   return [el.scrollWidth, el.clientWidth]; }"""
    )
    assert fits[0] <= fits[1], fits
    # …but never inside what a person types or copies: form values and link targets.
    for value in page.locator("input[value]").evaluate_all("els => els.map(e => e.value)"):
        assert "\u00ad" not in value
    for href in page.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert "\u00ad" not in href


def test_chinese_is_never_italic(site, new_page):
    page = phone(new_page, 390)
    page.goto(site("/plenaries/11th-plenary?lang=zh"))
    styles = page.evaluate(
        """() => [...document.querySelectorAll('em, i, cite, .kind-break .agenda-title')]
             .filter(el => el.closest('[lang]').getAttribute('lang').startsWith('zh'))
             .map(el => getComputedStyle(el).fontStyle)"""
    )
    assert styles, "the page has emphasised Chinese text to check"
    assert set(styles) == {"normal"}, styles
