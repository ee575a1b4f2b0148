"""The back office's dashboard at 1366 px in German and Chinese: nothing scrolls sideways or is cut off (the
counts by status, "Nicht angenommen" among them, and the links to registrations, statistics and check-in)."""

import pytest

from tests.e2e.conftest import DESKTOP, demo_app, log_in
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e

ORGANIZER = "organizer@isa.example"


@pytest.fixture(scope="module")
def dashboard_site(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("dashboard"), accounts={ORGANIZER: "organizer"}, csrf=False)
    with serve(app) as url:
        yield url


MEASURE = """() => {
  const wrapper = document.querySelector('.table-responsive');
  const table = wrapper.querySelector('table');
  const right = wrapper.getBoundingClientRect().right;
  const outside = [...table.querySelectorAll('th, td, dt, dd, a')]
    .filter(el => el.getBoundingClientRect().right > right + 1
                  || (el.tagName !== 'A' && el.scrollWidth > el.clientWidth + 1))
    .map(el => el.innerText.trim()).filter(Boolean);
  return {scroll: wrapper.scrollWidth, client: wrapper.clientWidth, page: document.documentElement.scrollWidth,
          viewport: window.innerWidth, outside,
          terms: [...table.querySelectorAll('tbody tr:first-child dt')].map(dt => dt.innerText.trim())};
}"""


@pytest.mark.parametrize(("lang", "rejected", "links"), [
    ("de", "Nicht angenommen", ["Anmeldungen", "Statistik", "Einlass"]),
    ("zh", None, None),
])  # fmt: skip
def test_the_dashboard_fits_1366_px_without_anything_cut_off(new_page, dashboard_site, lang, rejected, links):
    page = new_page(viewport=DESKTOP)
    log_in(page, dashboard_site, ORGANIZER)
    page.goto(f"{dashboard_site}/admin/?lang={lang}")
    result = page.evaluate(MEASURE)
    page.screenshot(path=f"/tmp/dashboard-1366-{lang}.png", full_page=True)
    assert result["scroll"] <= result["client"] + 1, f"the table scrolls sideways: {result}"
    assert result["page"] <= result["viewport"], "the page scrolls sideways"
    assert result["outside"] == [], f"cut off at the right: {result['outside']}"
    assert len(result["terms"]) == 6, result  # every status counted, none hidden
    if rejected:
        assert rejected in result["terms"]
    row = page.locator(".dashboard-table tbody tr").first
    for link in row.locator(".col-links a").all():
        assert link.is_visible()
        box = link.bounding_box()
        assert box["x"] + box["width"] <= DESKTOP["width"]
    if links:
        assert [a.inner_text() for a in row.locator(".col-links a").all()] == links
