"""The import preview at 1366 px in German and Chinese: every column of the template file and the result
column in sight (nothing scrolls sideways), long cells wrapped, a cell not understood named with its value."""

import pytest

from plenary.registration import importing
from tests.e2e.conftest import DESKTOP, demo_app, log_in
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e

ORGANIZER = "organizer@isa.example"
SLUG = "11th-plenary"
PEOPLE = [
    ["Herr", "Prof. Dr.-Ing.", "Friedrich-Wilhelm", "Schulze-Hohenlohe", "", "friedrich-wilhelm.schulze-hohenlohe@"
     "wirtschaftsfoerderung-ruesselsheim.example", "Gesellschaft für Wirtschaftsförderung und Stadtentwicklung "
     "Rüsselsheim am Main mbH", "Leiter der Abteilung Internationale Kooperationen", "Deutschland", "Vor Ort",
     "Deutsch", "ja", "+49 6142 123456789", "vegetarisch, keine Nüsse", "Kommt mit Dolmetscherin"],
    ["女士", "", "芳", "王", "王芳", "wang.fang@shunde.example.cn", "佛山市南海区人民政府外事侨务局（港澳事务局）",
     "对外合作交流科科长", "中国", "现场", "中文", "否", "+86 757 12345678", "清真", "无"],
    ["Frau", "Dr.", "Lukas", "Braun", "", "lukas.braun@mainz", "Stadt Mainz", "Referent", "DE", "Vor Ort", "de",
     "vielleicht", "", "", ""],
]  # fmt: skip

MEASURE = """() => {
  const wrapper = document.querySelector('.table-responsive');
  const table = wrapper.querySelector('table');
  const right = wrapper.getBoundingClientRect().right;
  const heads = [...table.querySelectorAll('thead th')];
  return {scroll: wrapper.scrollWidth, client: wrapper.clientWidth, page: document.documentElement.scrollWidth,
          viewport: window.innerWidth, columns: heads.length,
          outside: heads.filter(th => th.getBoundingClientRect().right > right + 1).map(th => th.innerText)};
}"""


@pytest.fixture(scope="module")
def import_site(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("import"), accounts={ORGANIZER: "organizer"}, csrf=False)
    with serve(app) as url:
        yield url


@pytest.mark.parametrize("lang", ["de", "zh"])
def test_the_import_preview_fits_1366_px_with_the_result_in_sight(new_page, import_site, lang):
    titles = importing.template_rows()[0]
    data = "\r\n".join(";".join(row) for row in [titles, *PEOPLE]).encode("utf-8-sig")
    page = new_page(viewport=DESKTOP)
    log_in(page, import_site, ORGANIZER)
    page.goto(f"{import_site}/admin/plenaries/{SLUG}/registrations/import?lang={lang}")
    page.set_input_files('input[name="file"]', files=[{"name": "liste.csv", "mimeType": "text/csv", "buffer": data}])
    with page.expect_navigation():
        page.locator('form[enctype] [type="submit"]').click()
    result = page.evaluate(MEASURE)
    page.screenshot(path=f"/tmp/import-preview-1366-{lang}.png", full_page=True)
    assert result["columns"] == len(importing.TEMPLATE_COLUMNS) + 2, result  # the row, every column, the result
    assert result["scroll"] <= result["client"] + 1, f"the preview scrolls sideways: {result}"
    assert result["page"] <= result["viewport"], "the page scrolls sideways"
    assert result["outside"] == [], result
    assert page.locator("table.import-preview .status-badge").count() == 2
    assert "lukas.braun@mainz" in page.locator("table.import-preview tbody tr").nth(2).inner_text()
