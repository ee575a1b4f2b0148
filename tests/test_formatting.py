"""Times in both partner countries' zones, across DST changes, and Markdown sanitising."""

import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from plenary.formatting import dual_times, ordinal, partner_zones, render_markdown
from plenary.i18n import BABEL_LOCALES


def _shown(moment: datetime, zone: str, lang: str) -> list[str]:
    with force_locale(BABEL_LOCALES[lang]):
        return [f"{t.time()} {t.label}" for t in dual_times(moment, zone)]


@pytest.mark.parametrize(
    ("utc", "lang", "expected"),
    [
        # Summer time in Berlin: 6 hours to Beijing.
        (datetime(2021, 10, 15, 7, 0, tzinfo=UTC), "de", ["09:00 MESZ", "15:00 Beijing"]),
        # Winter time: 7 hours.
        (datetime(2021, 12, 15, 8, 0, tzinfo=UTC), "de", ["09:00 MEZ", "16:00 Beijing"]),
        (datetime(2021, 10, 15, 7, 0, tzinfo=UTC), "en", ["09:00 CEST", "15:00 Beijing"]),
        (datetime(2021, 12, 15, 8, 0, tzinfo=UTC), "zh", ["09:00 柏林时间", "16:00 北京时间"]),
        # Sunday 31 October 2021: Berlin leaves summer time at 01:00 UTC.
        (datetime(2021, 10, 31, 0, 30, tzinfo=UTC), "de", ["02:30 MESZ", "08:30 Beijing"]),
        (datetime(2021, 10, 31, 1, 30, tzinfo=UTC), "de", ["02:30 MEZ", "09:30 Beijing"]),
        # Sunday 28 March 2021: Berlin enters summer time at 01:00 UTC.
        (datetime(2021, 3, 28, 0, 30, tzinfo=UTC), "de", ["01:30 MEZ", "08:30 Beijing"]),
        (datetime(2021, 3, 28, 1, 30, tzinfo=UTC), "de", ["03:30 MESZ", "09:30 Beijing"]),
    ],
)
def test_berlin_plenary_shows_beijing_time(plain_app, utc, lang, expected):
    assert _shown(utc, "Europe/Berlin", lang) == expected


def test_beijing_plenary_shows_its_own_zone_first(plain_app):
    moment = datetime(2027, 1, 20, 7, 0, tzinfo=UTC)
    assert _shown(moment, "Asia/Shanghai", "de") == ["15:00 Beijing", "08:00 MEZ"]


def test_dates_differ_across_midnight(plain_app):
    # 18:00 in Berlin is already the next day in Beijing.
    moment = datetime(2021, 10, 13, 16, 0, tzinfo=UTC)
    with force_locale("de"):
        berlin, beijing = dual_times(moment, "Europe/Berlin")
        assert berlin.date("medium") == "13.10.2021"
        assert beijing.date("medium") == "14.10.2021"
        assert beijing.iso() == "2021-10-14T00:00+08:00"


def test_other_zones_show_both_partner_zones():
    assert partner_zones("America/New_York") == ["America/New_York", "Europe/Berlin", "Asia/Shanghai"]
    assert partner_zones("Europe/Berlin") == ["Europe/Berlin", "Asia/Shanghai"]


@pytest.mark.parametrize(
    ("number", "lang", "expected"),
    [(10, "de", "10."), (1, "en", "1st"), (2, "en", "2nd"), (3, "en", "3rd"), (11, "en", "11th"),
     (12, "en", "12th"), (21, "en", "21st"), (10, "zh", "第十届"), (11, "zh", "第十一届"), (9, "zh", "第九届"),
     (21, "zh", "第二十一届"), (100, "zh", "第100届")],
)  # fmt: skip
def test_ordinal(number, lang, expected):
    assert ordinal(number, lang) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_markdown_makes_html_inert(hostile):
    html = str(render_markdown(f"Text\n\n{hostile}\n"))
    # Only our own tags survive; anything hostile is either removed or shown as text.
    assert set(re.findall(r"<([a-z0-9]+)", html)) <= {"p", "a"}
    assert not re.search(r"<a\s[^>]*href=\"javascript", html)
    assert not re.search(r"<[^>]*\son[a-z]+=", html)


def test_markdown_keeps_formatting_and_safe_links():
    html = str(render_markdown("# Titel\n\n**fett** und [Link](https://isa.example/)\n\n- eins\n- zwei"))
    assert "<h2>Titel</h2>" in html
    assert "<strong>fett</strong>" in html
    assert 'href="https://isa.example/"' in html and 'rel="noopener noreferrer"' in html
    assert "<li>eins</li>" in html
