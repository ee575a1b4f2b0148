"""The back office's registrations list at 1366 px in German and Chinese: every column shown, nothing scrolls
sideways, no header or cell stacked one character per line (已签到), and the bulk actions and counts on top."""

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import DESKTOP, demo_app
from tests.e2e.conftest import E2E_PASSWORD as PASSWORD
from tests.e2e.server import serve

pytestmark = pytest.mark.e2e

ORGANIZER = "organizer@isa.example"
SLUG = "10th-plenary"
LONG_ORGANISATIONS = (
    "Industrie- und Handelskammer Mittlerer Niederrhein Krefeld-Mönchengladbach-Neuss",
    "佛山市南海区人民政府外事侨务局（港澳事务局）",
    "Gesellschaft für Wirtschaftsförderung und Stadtentwicklung Rüsselsheim am Main mbH",
    "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH",
)


@pytest.fixture(scope="module")
def list_app(tmp_path_factory):
    """The demo content, an organizer, and 50 registrations with long names, organisations and check-ins."""

    from plenary.attendance import services as attendance
    from plenary.attendance.models import AttendanceChannel, AttendanceSource
    from plenary.events.models import Plenary
    from plenary.extensions import db
    from plenary.members.models import Member
    from plenary.registration import organizer
    from plenary.registration.models import Registration

    app = demo_app(tmp_path_factory.mktemp("list"), accounts={ORGANIZER: "organizer"}, csrf=False)
    with app.app_context():
        plenary = db.session.scalar(sa.select(Plenary).where(Plenary.slug == SLUG))
        plenary_id = plenary.id
        plenary.capacity_in_person, plenary.capacity_online, plenary.format = None, None, "hybrid"
        db.session.commit()
        members = db.session.scalars(sa.select(Member.id)).all()
        for i in range(50):
            chinese = i % 2 == 1
            data = {
                "first_name": "伟" if chinese else "Friedrich-Wilhelm", "last_name": "欧阳" if chinese else
                "Schulze-Hohenlohe", "name_zh": "欧阳伟" if chinese else None, "honorific": "Prof. Dr.-Ing.",
                "organisation": LONG_ORGANISATIONS[i % 4], "position": None, "member_id": members[i % len(members)],
                "country": "CN" if chinese else "DE", "language": "zh" if chinese else "de",
                "email": f"person{i}@example.org", "attendance": "online" if i % 3 == 0 else "in_person",
            }  # fmt: skip
            organizer.register_by_hand(plenary_id, data, send_messages=False)
            db.session.commit()
        for registration in db.session.scalars(sa.select(Registration).where(
                Registration.id % 2 == 0, Registration.plenary_id == plenary_id)).all():  # fmt: skip
            attendance.record_arrival(registration, AttendanceChannel.HALL, AttendanceSource.DOOR, by="door")
        db.session.commit()
        # The 11th (upcoming, hybrid, with questions to registrants): some came in the hall and online, so its
        # "Present" column holds two lines with times.
        eleventh = db.session.scalar(sa.select(Plenary).where(Plenary.number == 11))
        for i, registration in enumerate(db.session.scalars(sa.select(Registration).where(
                Registration.plenary_id == eleventh.id).order_by(Registration.id)).all()):  # fmt: skip
            if i % 2 == 0:
                attendance.record_arrival(registration, AttendanceChannel.HALL, AttendanceSource.DOOR, by="door")
            if i % 3 == 0:
                attendance.record_arrival(registration, AttendanceChannel.ONLINE, AttendanceSource.JOIN_LINK)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def list_site(list_app):
    with serve(list_app) as url:
        yield url


MEASURE = """() => {
  const lines = (el) => {  // the lines of text in an element (not the height of its row): its text nodes' boxes
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const tops = new Set();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.bottom / 4));
    }
    return tops.size;
  };
  const wrapper = document.querySelector('.table-responsive');
  const table = wrapper.querySelector('table');
  const stacked = [];
  for (const cell of table.querySelectorAll('th, td')) {
    if (cell.querySelector('input') || cell.classList.contains('col-select')) continue;
    const text = cell.innerText.replace(/\\s/g, '');
    // One character per line: as many lines as characters (at least two of them).
    if (text.length > 1 && lines(cell) > 1 && lines(cell) >= text.length / 1.5) stacked.push(cell.innerText.trim());
  }
  const heads = [...table.querySelectorAll('thead th')].filter(th => !th.classList.contains('col-select'))
    .map(th => ({text: th.innerText.trim(), lines: lines(th)}));
  const last = [...table.querySelectorAll('thead th')].pop().getBoundingClientRect();
  return {scroll: wrapper.scrollWidth, client: wrapper.clientWidth, page: document.documentElement.scrollWidth,
          viewport: window.innerWidth, stacked, heads, columns: table.querySelectorAll('thead th').length,
          lastRight: last.right, wrapperRight: wrapper.getBoundingClientRect().right};
}"""


def _open_list(new_page, list_site, slug, lang):
    page = new_page(viewport=DESKTOP)
    page.goto(f"{list_site}/admin/login")
    page.fill("input[name=email]", ORGANIZER)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{list_site}/admin/plenaries/{slug}/registrations?lang={lang}")
    return page, page.evaluate(MEASURE)


@pytest.mark.parametrize(("lang", "checked_in"), [("de", "Anwesend"), ("zh", "到场情况")])
def test_the_list_fits_1366_px_without_hidden_or_stacked_columns(new_page, list_site, lang, checked_in):
    page, result = _open_list(new_page, list_site, SLUG, lang)
    page.screenshot(path=f"/tmp/registrations-1366-{lang}.png")
    assert result["columns"] == 11  # the checkbox and all ten columns, none hidden
    assert result["scroll"] <= result["client"] + 1, f"the table scrolls sideways: {result}"
    assert result["page"] <= result["viewport"], "the page scrolls sideways"
    assert result["stacked"] == [], f"stacked one character per line: {result['stacked']}"
    heads = {head["text"]: head["lines"] for head in result["heads"]}
    assert heads[checked_in] == 1, heads
    assert all(lines <= 2 for lines in heads.values()), heads
    assert page.locator('input[name="ids"]').count() == 50
    assert page.locator(".mode-counts").is_visible()


def test_the_11th_plenary_with_its_present_column_fits_1366_px_in_german(new_page, list_site):
    """The last column ("Anwesend": where and when one came) is inside the table's box, not cut off at the edge."""
    page, result = _open_list(new_page, list_site, "11th-plenary", "de")
    page.screenshot(path="/tmp/registrations-1366-11th-de.png")
    heads = [head["text"] for head in result["heads"]]
    assert "Anwesend" in heads, heads
    assert result["scroll"] <= result["client"] + 1, f"the table scrolls sideways: {result}"
    assert result["lastRight"] <= result["wrapperRight"] + 1, f"the last column is cut off: {result}"
    assert result["page"] <= result["viewport"], "the page scrolls sideways"
    assert result["stacked"] == [], f"stacked one character per line: {result['stacked']}"
    assert all(head["lines"] <= 2 for head in result["heads"]), result["heads"]
    assert page.get_by_text("Saal", exact=False).first.is_visible()
