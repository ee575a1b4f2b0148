"""Browser test: the plenary page's first view is light (≤ 60 KB in ≤ 4 requests) and a repeat view is one request.

Counted with Chromium's own network events (CDP): bytes are ``encodedDataLength`` (headers and body as sent,
compressed), requests are those that went to the server (not a data: URI, not answered from the browser's cache).
The times over a slow link are measured by bench/first_view.py, not here.
"""

PLENARY = "/plenaries/10th-plenary"


def network_of(page, cdp, url: str) -> tuple[list[str], int]:
    """Navigate ``page`` to ``url``; the URLs that went to the network and the bytes they moved."""
    sent, cached, sizes = {}, set(), {}
    handlers = {
        "Network.requestWillBeSent": lambda e: sent.setdefault(e["requestId"], e["request"]["url"]),
        "Network.requestServedFromCache": lambda e: cached.add(e["requestId"]),
        "Network.responseReceived": lambda e: (
            cached.add(e["requestId"]) if e["response"].get("fromDiskCache") else None
        ),
        "Network.loadingFinished": lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    }
    for event, handler in handlers.items():
        cdp.on(event, handler)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # an icon requested after load still counts
    for event, handler in handlers.items():
        cdp.remove_listener(event, handler)
    network = [rid for rid, u in sent.items() if not u.startswith("data:") and rid not in cached]
    return [sent[rid] for rid in network], sum(sizes.get(rid, 0) for rid in network)


def test_plenary_page_first_view_is_light_and_a_repeat_view_one_request(new_page, site):
    for lang in ("de", "zh"):
        page = new_page(locale="zh-CN" if lang == "zh" else "de-DE")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        urls, moved = network_of(page, cdp, site(f"{PLENARY}?lang={lang}"))
        assert len(urls) <= 4, urls
        assert moved <= 60 * 1024, f"{moved} bytes: {urls}"
        assert all(u.startswith(site.url) for u in urls), "nothing from another host"
        assert any("/static/dist/site.css?v=" in u for u in urls) and any("/static/dist/site.js?v=" in u for u in urls)
        again, _ = network_of(page, cdp, site(f"{PLENARY}?lang={lang}"))
        assert again == [site(f"{PLENARY}?lang={lang}")], again


def test_the_phone_menu_opens_with_the_bundled_collapse(new_page, site):
    from tests.e2e.conftest import PHONE

    page = new_page(viewport=PHONE)
    page.goto(site(PLENARY))
    menu = page.locator("#main-nav")
    assert not menu.is_visible()
    page.click(".navbar-toggler")
    menu.wait_for(state="visible")
    assert page.locator(".navbar-toggler").get_attribute("aria-expanded") == "true"
