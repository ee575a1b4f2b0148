"""What only the domain knows about a message's recipient, passed in: the outbox itself knows no registrations.

Stored bodies hold placeholders (``plenary.mail.outbox``); at delivery a *personaliser* that the app
installs (``install``) says what goes in for the message's registration. Template helpers about the
recipient (the greeting, their personal link) are installed the same way. Without either, a message
with a personal link cannot go out and check-in blocks are dropped.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class PersonalValues:
    """What delivery fills in for one registration."""

    #: The personal link's token; None: the person has no working link (erased).
    token: str | None
    #: The join link's token (plenary.join.tokens); None: no working link.
    join_token: str | None = None
    #: The check-in code, if the message's check-in block is to stay (confirmed, in person); else None.
    checkin_code: str | None = None
    #: The QR code of ``checkin_code`` as PNG.
    checkin_png: bytes | None = None


#: (registration id or None, whether the message has a check-in block) → the values, or None if nobody.
Personaliser = Callable[[int | None, bool], PersonalValues | None]
#: (language, the stand-ins of the personal link's and the join link's tokens) → further names for mail templates.
TemplateHelpers = Callable[[str, str, str], dict]


def install(app: Flask, personaliser: Personaliser, template_helpers: TemplateHelpers,
            forget_once_sent: frozenset[str] = frozenset()) -> None:  # fmt: skip
    """Have ``app``'s outbox ask ``personaliser`` at delivery and ``template_helpers`` when rendering.

    ``forget_once_sent``: kinds of message whose address and calendar are deleted as soon as they are
    sent (the address was kept only to send that one message).
    """
    app.extensions["outbox_personaliser"] = personaliser
    app.extensions["outbox_template_helpers"] = template_helpers
    app.extensions["outbox_forget_once_sent"] = forget_once_sent


def forgotten_once_sent(kind: str) -> bool:
    """Whether a sent message of ``kind`` keeps no address (see ``install``)."""
    return kind in current_app.extensions.get("outbox_forget_once_sent", ())


def personal_values(registration_id: int | None, checkin: bool) -> PersonalValues | None:
    """The installed personaliser's answer (None without one)."""
    personaliser = current_app.extensions.get("outbox_personaliser")
    return personaliser(registration_id, checkin) if personaliser else None


def template_helpers(language: str, token_stand_in: str, join_stand_in: str) -> dict:
    """The installed template helpers for a message in ``language`` (none without them)."""
    helpers = current_app.extensions.get("outbox_template_helpers")
    return helpers(language, token_stand_in, join_stand_in) if helpers else {}
