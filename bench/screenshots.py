"""Screenshots of the public pages and the back office, de and zh, phone (390×844) and desktop (1366×900),
full page; the phone's menu opened on the plenary page and the registrations list. For comparing a change.

Usage: .venv/bin/python bench/screenshots.py BASE_URL EMAIL PASSWORD OUT_PREFIX   (ONLY=plenary,door to narrow)
(the site running the demo content, e.g. scripts/run; its organizer's login is what `flask demo` prints).
Compare two runs pixel by pixel with Pillow's ImageChops.difference; look at what differs.
"""

import os
import sys

from playwright.sync_api import sync_playwright

base, email, password, out = sys.argv[1:5]
pages = {
    "plenary": "/plenaries/10th-plenary",
    "register": "/plenaries/11th-plenary/register",
    "list": "/admin/plenaries/10th-plenary/registrations",
    "door": "/admin/plenaries/10th-plenary/checkin",
    "home": "/",
    "news": "/news/",
    "members": "/members/",
    "index": "/plenaries/",
    "p9": "/plenaries/9th-plenary",
    "imprint": "/impressum",
    "privacy": "/privacy",
    "dash": "/admin/",
    "phome": "/admin/plenaries/10th-plenary",
    "pform": "/admin/plenaries/10th-plenary/edit",
    "stats": "/admin/plenaries/10th-plenary/statistics",
    "outbox": "/admin/outbox",
    "audit": "/admin/audit",
    "accounts": "/admin/accounts",
    "agenda": "/admin/plenaries/10th-plenary/agenda",
    "msgs": "/admin/messages",
    "annc": "/admin/announcements",
    "membersadm": "/admin/members",
    "badges": "/admin/plenaries/10th-plenary/badges",
    "questions": "/admin/plenaries/10th-plenary/questions",
    "survey": "/admin/plenaries/10th-plenary/survey",
    "import": "/admin/plenaries/10th-plenary/registrations/import",
    "reg1": "/admin/registrations/1",
    "nf": "/nothing-here",
}

if os.environ.get("ONLY"):
    pages = {k: v for k, v in pages.items() if k in os.environ["ONLY"].split(",")}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    for size in ((390, 844), (1366, 900)):
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = ctx.new_page()
        page.goto(base + "/admin/login?lang=en")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("form [type=submit]")
        for lang in ("de", "zh"):
            for name, path in pages.items():
                page.goto(f"{base}{path}?lang={lang}")
                page.screenshot(path=f"{out}-{name}-{lang}-{size[0]}.png", full_page=True)
                if size[0] == 390 and name in ("plenary", "list"):
                    page.click(".navbar-toggler")
                    page.wait_for_timeout(600)
                    page.screenshot(path=f"{out}-{name}menu-{lang}-{size[0]}.png", full_page=True)
        ctx.close()
    browser.close()
