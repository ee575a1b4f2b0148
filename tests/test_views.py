"""Every public page in all three languages, privacy of the online link, no third-party hosts."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from plenary.extensions import db
from tests.helpers import count_queries
from tests.public_pages import PUBLIC_PAGES

LANGS = ("de", "en", "zh")

# What the 10th plenary's agenda must show in each language: the four parts, the
# speakers and the signing's parties (from shared/DOMAIN.md).
TENTH_AGENDA = {
    "de": ["Arbeitsbericht: Fünf Jahre ISA", "Grußworte", "Unterzeichnung: Pilotstadt", "Studie: Das Markenimage",
           "Yi Liu", "Generalsekretär der ISA", "Staatssekretär a. D. Friedhelm Ost",
           "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)", "Stadt Foshan",
           "Investitionsförderagentur des chinesischen Handelsministeriums (CIPA)", "NRW.Global Business",
           "Deutsche Handelskammer in China"],
    "en": ["Work report: five years of the ISA", "Greetings", "Signing: Pilot City", "Study: the brand image",
           "Yi Liu", "Secretary General of the ISA", "Friedhelm Ost", "City of Foshan",
           "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)", "German Chamber of Commerce in China",
           "Pilot City of Sino-German Industrie 4.0 Learning Platform Project"],
    "zh": ["工作报告：联盟成立五周年", "致辞", "签约：中德工业4.0学习平台项目试点城市", "研究报告：中德企业品牌形象",
           "Yi Liu", "联盟秘书长", "Friedhelm Ost", "德国国际合作机构（GIZ）", "佛山市人民政府",
           "中国商务部投资促进事务局", "中国德国商会"],
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_every_public_page_answers_in_every_language(client, demo, lang):
    for path in PUBLIC_PAGES:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        assert response.content_type == "text/html; charset=utf-8"
        body = response.get_data(as_text=True)
        assert '<main id="main"' in body and "<header" in body and "<footer" in body, path
        assert body.count("<h1") == 1, path


@pytest.mark.parametrize("lang", LANGS)
def test_tenth_plenary_shows_its_agenda(client, demo, lang):
    # Soft hyphens (long German words on phones) are invisible: the text reads the same without them.
    body = client.get(f"/plenaries/10th-plenary?lang={lang}").get_data(as_text=True).replace("\u00ad", "")
    for text in TENTH_AGENDA[lang]:
        assert text in body, f"{lang}: {text!r} missing"
    assert body.count('class="agenda-item ') == 4
    assert body.count('class="list-inline-item party"') == 2


def test_plenary_page_shows_both_zones_and_facts(client, demo):
    body = client.get("/plenaries/10th-plenary").get_data(as_text=True)
    facts = body.split('class="card facts"')[1].split("</aside>")[0]
    times = re.sub(r"<[^>]+>", "", facts.split('class="list-unstyled time-range')[1].split("</ul>")[0])
    times = re.sub(r"\s+", " ", times)
    assert "Freitag, 15. Oktober 2021, 09:00–12:00 MESZ" in times
    assert "Freitag, 15. Oktober 2021, 15:00–18:00 Beijing" in times
    # Neither the date nor the clock range breaks inside.
    assert '<span class="nowrap">Freitag, 15. Oktober 2021</span>' in facts
    assert re.search(r'<span class="clock-range"><time [^>]+>09:00</time>–<time [^>]+>12:00</time> <abbr', facts)
    assert 'class="held-format"' in facts and "format-badge" not in facts
    assert 'href="mailto:plenary@isa-alliance.example"' in facts
    # A past plenary reads as held: no registration state, no "add to calendar".
    assert "Anmeldung geschlossen" not in facts and "calendar-links" not in facts
    assert 'class="held-note' in body


def test_upcoming_plenary_shows_venue_and_open_registration(client, demo):
    body = client.get("/plenaries/11th-plenary?lang=en").get_data(as_text=True)
    assert "Hybrid" in body
    assert "ISA Secretariat, Foshan" in body
    assert "Registration open" in body
    assert "Beijing" in body and "CET" in body


def test_home_shows_next_plenary_and_latest_news(client, demo):
    body = client.get("/?lang=en").get_data(as_text=True)
    assert "11th Plenary Assembly" in body
    assert "Registration open" in body
    assert "Invitation to the 11th plenary assembly" in body
    assert "Five years of the Industrial Cities Alliance" in body


def test_plenaries_index_splits_upcoming_and_past(client, demo):
    body = client.get("/plenaries/").get_data(as_text=True)
    upcoming, past = body.split('id="past-title"')
    assert "11. Plenarversammlung" in upcoming and "10. Plenarversammlung" not in upcoming
    assert past.index("10. Plenarversammlung") < past.index("9. Plenarversammlung")


def test_online_link_never_appears_publicly(client, demo):
    secrets = ["meet.isa-alliance.example"]
    for lang in LANGS:
        for path in (*PUBLIC_PAGES, "/news/feed.atom"):
            body = client.get(f"{path}?lang={lang}").get_data(as_text=True)
            for secret in secrets:
                assert secret not in body, f"{path} leaks the online link"


def test_drafts_are_not_public(client, make_plenary):
    make_plenary(status="draft")
    assert client.get("/plenaries/test-plenary").status_code == 404
    assert "42. Plenarversammlung" not in client.get("/plenaries/").get_data(as_text=True)
    assert "42. Plenarversammlung" not in client.get("/").get_data(as_text=True)


def test_cancelled_plenary_is_shown_as_cancelled(client, make_plenary):
    make_plenary(status="cancelled")
    body = client.get("/plenaries/test-plenary?lang=en").get_data(as_text=True)
    assert "This plenary has been cancelled." in body
    assert "Registration open" not in body


def test_description_script_is_inert(client, make_plenary):
    make_plenary(description={"de": "Hallo <script>alert('x')</script> [a](javascript:alert(1))"})
    body = client.get("/plenaries/test-plenary").get_data(as_text=True)
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    assert 'href="javascript' not in body


def test_text_fields_are_escaped(client, make_plenary):
    make_plenary(title={"de": "<b>Fett</b>"}, venue={"name": "<i>Saal</i>", "address": None, "city": None})
    body = client.get("/plenaries/test-plenary").get_data(as_text=True)
    assert "<b>Fett</b>" not in body and "&lt;b&gt;Fett&lt;/b&gt;" in body
    assert "<i>Saal</i>" not in body


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_pages_give_a_translated_404(client, demo, lang):
    response = client.get(f"/plenaries/no-such-plenary?lang={lang}")
    assert response.status_code == 404
    title = {"de": "Seite nicht gefunden", "en": "Page not found", "zh": "页面不存在"}[lang]
    assert title in response.get_data(as_text=True)
    assert client.get(f"/news/nothing?lang={lang}").status_code == 404


def test_bad_page_numbers_on_the_news_list(client, demo):
    assert client.get("/news/?page=abc").status_code == 200  # not a number: the first page
    for page in ("-3", "0", "2", "99999", "99999999999999999999"):
        assert client.get(f"/news/?page={page}").status_code == 404, page


def test_member_directory_groups_and_counts(client, demo):
    body = client.get("/members/").get_data(as_text=True)
    assert 'id="country-DE"' in body and 'id="country-CN"' in body
    assert "Deutschland (21)" in body
    assert "China (5)" in body
    assert "Nordrhein-Westfalen (8)" in body
    assert "科隆" in body  # Chinese names beside German ones
    assert "seit 2021" in body  # Kreis Düren joined 2021
    board = body.split('id="board-title"')[1]
    assert "NRW.Global Business" in board and "Deutsche Handelskammer in China" in board
    # Eight federal states, as the alliance says.
    german = body.split('id="country-DE"')[1].split('id="country-CN"')[0]
    assert german.count('class="h6 region-title') == 8


def test_atom_feed(client, demo):
    response = client.get("/news/feed.atom?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(response.data)
    entries = root.findall("a:entry", ns)
    assert [e.find("a:title", ns).text for e in entries] == [
        "Invitation to the 11th plenary assembly in Foshan and online",
        "Five years of the Industrial Cities Alliance: 10th plenary takes stock",
    ]
    link = entries[0].find("a:link", ns).get("href")
    assert link.startswith("https://plenary.example.org/news/invitation-11th-plenary")
    assert root.find("a:id", ns).text.startswith("https://plenary.example.org/")
    zh = ET.fromstring(client.get("/news/feed.atom?lang=zh").data)
    assert zh.find("a:entry/a:title", ns).text == "诚邀参加第十一届全体大会（佛山现场及线上）"


def test_future_announcements_stay_hidden(client, demo):
    from plenary.news.models import Announcement

    item = db.session.scalar(sa.select(Announcement).where(Announcement.slug == "invitation-11th-plenary"))
    item.published_at = datetime.now(UTC) + timedelta(days=1)
    db.session.commit()
    assert client.get("/news/invitation-11th-plenary").status_code == 404
    assert "invitation-11th-plenary" not in client.get("/news/feed.atom").get_data(as_text=True)


def _external_urls(body: str, own_hosts: set[str]) -> list[str]:
    """Every URL the page loads or links to that is on somebody else's host."""
    urls = re.findall(r'(?:src|href|action|content)\s*=\s*"([^"]+)"', body)
    urls += re.findall(r"url\(([^)]+)\)", body)
    found = []
    for url in urls:
        parsed = urlparse(url.strip("'\""))
        if parsed.scheme in ("http", "https") or url.startswith("//"):
            if parsed.hostname not in own_hosts:
                found.append(url)
    return found


def test_no_third_party_hosts_in_pages_or_assets(client, demo):
    own = {"localhost", "plenary.example.org"}
    assets = set()
    for lang in LANGS:
        for path in PUBLIC_PAGES:
            body = client.get(f"{path}?lang={lang}").get_data(as_text=True)
            # Content may *link* to other sites (mailto, a partner's page); nothing may be *loaded* from one.
            loaded = re.findall(r'<(?:script|img|iframe|source|video|audio)[^>]+src="([^"]+)"', body)
            loaded += re.findall(r'<link[^>]+href="([^"]+)"', body)
            for url in loaded:
                assert not urlparse(url).netloc or urlparse(url).hostname in own, f"{path} loads {url}"
                assets.add(url)
    for url in assets:
        if url.startswith("/static/"):
            response = client.get(url)
            assert response.status_code == 200, url
            if url.endswith(".css"):
                text = response.get_data(as_text=True)
                assert not _external_urls(text, own), f"{url} refers to {_external_urls(text, own)}"
            response.close()


def test_plenary_page_query_count_does_not_grow_with_the_agenda(client, make_plenary):
    from tests.conftest import plenary_document

    def queries_of(path: str) -> int:
        with count_queries() as queries:
            assert client.get(path).status_code == 200
        return queries.count

    make_plenary()
    small = queries_of("/plenaries/test-plenary")
    big = plenary_document()
    item = big["agenda"][0]
    big["agenda"] = [item] * 30
    from plenary.events.exchange import import_plenary

    import_plenary(big)
    db.session.commit()
    assert queries_of("/plenaries/test-plenary") == small  # the import invalidated the cached page: rendered again
    assert small <= 6  # 5, and the page cache's one query for the next time boundary (plenary/page_cache)


def test_pages_forbid_loading_from_other_hosts(client, demo):
    response = client.get("/plenaries/10th-plenary")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The policy forbids inline code, so no page may contain any.
    for path in PUBLIC_PAGES:
        body = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), path
        assert not re.search(r"\sstyle=\"|<style\b|\son[a-z]+=\"", body), path


def test_agenda_time_after_midnight_in_the_partner_zone_names_the_day(client, make_plenary):
    from tests.conftest import plenary_document

    late = plenary_document(starts_at="2031-10-15T17:00:00+02:00", ends_at="2031-10-15T20:00:00+02:00")
    late["agenda"][0]["starts_at"] = "2031-10-15T19:30:00+02:00"  # 01:30 next day in Beijing
    make_plenary(**{k: late[k] for k in ("starts_at", "ends_at", "agenda")})
    body = client.get("/plenaries/test-plenary").get_data(as_text=True)
    item = body.split('class="agenda-item')[1]
    assert "19:30" in item
    assert "16.10.2031, 01:30" in item
    assert "15.10.2031, 19:30" not in item


def test_member_order_follows_each_language(client, demo):
    german = client.get("/members/?lang=de").get_data(as_text=True)
    assert german.index(">Köln<") < german.index(">Kreis Düren<")  # ö files under o, not after z
    chinese = client.get("/members/?lang=zh").get_data(as_text=True)
    # By pinyin: 佛山 fóshān, 湖州 húzhōu … ; provinces: 广东 guǎngdōng before 河北 héběi before 浙江 zhèjiāng.
    assert chinese.index(">佛山<") < chinese.index(">湖州<")
    assert chinese.index("广东省") < chinese.index("河北省") < chinese.index("浙江省")
