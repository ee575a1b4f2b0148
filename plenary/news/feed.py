"""The Atom feed of announcements."""

from feedgen.feed import FeedGenerator
from flask import current_app
from flask_babel import gettext

from plenary.formatting import render_markdown
from plenary.i18n import HTML_LANG, localize
from plenary.news.models import Announcement
from plenary.urls import public_url


def build_atom_feed(announcements: list[Announcement], lang: str) -> bytes:
    """Return an Atom 1.0 document of ``announcements`` in ``lang`` (with fallbacks)."""
    feed = FeedGenerator()
    feed.id(public_url("news.feed", lang=lang))
    feed.title(gettext("ISA announcements"))
    feed.subtitle(gettext("Press releases and greetings of the Sino-German Industrial Cities Alliance"))
    feed.author({"name": current_app.config["ORGANIZATION_NAME"]})
    feed.link(href=public_url("news.feed", lang=lang), rel="self", type="application/atom+xml")
    feed.link(href=public_url("news.index", lang=lang), rel="alternate", type="text/html")
    feed.language(HTML_LANG[lang])
    updated = [a.updated_at for a in announcements if a.updated_at] + [
        a.published_at for a in announcements if a.published_at
    ]
    if updated:
        feed.updated(max(updated))
    # feedgen prepends entries: add oldest first so the feed reads newest first.
    for item in reversed(announcements):
        entry = feed.add_entry()
        url = public_url("news.detail", slug=item.slug, lang=lang)
        # The id must not change with the language or host path parameters.
        entry.id(public_url("news.detail", slug=item.slug))
        entry.title(localize(item.title, lang).text)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(item.published_at)
        entry.updated(max(filter(None, [item.updated_at, item.published_at])))
        lead = localize(item.lead, lang).text
        if lead:
            entry.summary(lead)
        body = localize(item.body, lang)
        content = render_markdown(body.text)
        entry.content(str(content), type="html")
    return feed.atom_str(pretty=True)
