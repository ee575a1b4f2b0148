"""Messages the worker writes: the request stores what a message is about, its first delivery attempt renders it.

Rendering a registration's two mails and its calendar invitation took about half of a web worker's CPU per
registration (issue 14's profile, docs/benchmarks.md). ``queue_deferred`` stores instead, in the same unit of
work as the change, the message's kind, recipient and language, and the name of a *renderer* that the domain
installed (``install_renderer``) with its arguments (ids and plain values, as JSON) in ``render_context``.
Delivery (``plenary.mail.delivery``) calls ``rendered_texts`` at the message's first attempt: the renderer
turns its arguments into the template values and the calendar, ``render_message`` renders exactly what
``queue_message`` would have stored, and the texts are recorded before the message is sent (retries send
those same texts; the back office shows them).

What the message says as of the moment it was queued (which status it announces, a waiting-list position,
the invitation's SEQUENCE) travels in the arguments; what the renderer reads (names, the plenary's details)
is as it stands when the message goes out, like the personal link and the check-in block always were.
``OUTBOX_RENDER_AT_DELIVERY`` off renders at once, in the request, through the same renderer.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from plenary.mail.models import FinalReason, OutboxMessage
from plenary.mail.outbox import queue_message, render_message, seal_calendar, store_message
from plenary.mail.retry import PermanentDeliveryError


@dataclass(frozen=True)
class Rendering:
    """What a renderer gives for one message: its template values, and its calendar invitation if any."""

    context: dict
    #: (METHOD, iCalendar text), the text holding ``join_slot`` where the recipient's join token belongs.
    calendar: tuple[str, str] | None = None
    join_slot: str | None = None


#: The stored arguments → the message's rendering; None when what it was about is gone (then never sent).
Renderer = Callable[[dict], Rendering | None]


def install_renderer(app: Flask, name: str, renderer: Renderer) -> None:
    """Have ``app``'s outbox write messages queued for ``name`` with ``renderer``."""
    app.extensions.setdefault("outbox_renderers", {})[name] = renderer


def queue_deferred(kind: str, recipient: str, language: str, renderer: str, args: dict, *,
                   registration_id: int | None = None, reply_to: str | None = None,
                   calendar_method: str | None = None) -> OutboxMessage:  # fmt: skip
    """Queue message ``kind`` to be written by ``renderer`` from ``args`` (JSON values) when it is first sent.

    ``calendar_method``: the invitation's METHOD, known now (a newer invitation supersedes a queued one by it).
    With OUTBOX_RENDER_AT_DELIVERY off, the renderer runs now and the message is stored written.
    """
    encoded = json.dumps({"renderer": renderer, "args": args}, ensure_ascii=False, sort_keys=True)
    if not current_app.config["OUTBOX_RENDER_AT_DELIVERY"]:
        rendering = _rendering(json.loads(encoded))
        return queue_message(kind, recipient, language, rendering.context, registration_id=registration_id,
                             reply_to=reply_to, calendar=rendering.calendar, join_slot=rendering.join_slot)
    return store_message(OutboxMessage(
        kind=kind, recipient=recipient, language=language, subject="", body_text="", body_html="",
        render_context=encoded, registration_id=registration_id, reply_to=reply_to, calendar_method=calendar_method,
    ))  # fmt: skip


def rendered_texts(message: OutboxMessage) -> dict:
    """The columns a message described by ``render_context`` gets once written (PermanentDeliveryError if its
    subject is gone or no renderer of its name is installed)."""
    rendering = _rendering(json.loads(message.render_context))
    subject, text, html = render_message(message.kind, message.language, rendering.context)
    values = {"subject": subject, "body_text": text, "body_html": html, "render_context": None,
              "calendar_method": None, "calendar_ics": None}  # fmt: skip
    if rendering.calendar:  # the renderer may drop an invitation that no longer holds
        values["calendar_method"] = rendering.calendar[0]
        values["calendar_ics"] = seal_calendar(rendering.calendar[1], rendering.join_slot)
    return values


def _rendering(stored: dict) -> Rendering:
    """The installed renderer's rendering of the stored arguments."""
    renderer = current_app.extensions.get("outbox_renderers", {}).get(stored["renderer"])
    if renderer is None:
        raise PermanentDeliveryError(f"no renderer {stored['renderer']!r} is installed", FinalReason.UNDELIVERABLE)
    rendering = renderer(stored["args"])
    if rendering is None:
        raise PermanentDeliveryError("what this message was about no longer exists", FinalReason.UNDELIVERABLE)
    return rendering
