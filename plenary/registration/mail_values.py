"""What the outbox fills in for a registration's messages (installed with ``plenary.mail.personal.install``).

The outbox knows no registrations: at delivery it asks ``personal_values`` for the personal link's
token and the check-in code; when rendering, ``template_helpers`` give the mail templates the greeting
(``salutation``) and the personal link (``personal_url``).
"""

from flask import Flask

from plenary.checkin.services import checkin_code, qr_png, wants_checkin_qr
from plenary.chinese_names import split_han_name
from plenary.extensions import db
from plenary.formatting import ordinal
from plenary.join.services import gets_join_link
from plenary.join.tokens import join_token_for
from plenary.mail.personal import PersonalValues, install
from plenary.registration import availability
from plenary.registration.models import Registration
from plenary.registration.notifications import install_renderers
from plenary.registration.tokens import token_for
from plenary.urls import public_url

#: Messages to a person whose data was erased (their calendar's CANCEL): the address goes once they are out.
FORGET_ONCE_SENT = frozenset({"registration_erased"})


def install_mail_values(app: Flask) -> None:
    """Have ``app``'s outbox take its personal values and greetings from registrations."""
    install(app, personal_values, template_helpers, FORGET_ONCE_SENT)
    install_renderers(app)  # the worker writes a registration's messages (plenary.mail.deferred)


def personal_values(registration_id: int | None, checkin: bool) -> PersonalValues | None:
    """The registration's current token and (``checkin``: if it still admits) check-in code; None if gone."""
    registration = db.session.get(Registration, registration_id) if registration_id else None
    if registration is None:
        return None
    linked = registration.token_hash is not None
    token = token_for(registration) if linked else None
    code = checkin_code(registration) if checkin and wants_checkin_qr(registration) else None
    return PersonalValues(token=token, join_token=join_token_for(registration) if linked else None,
                          checkin_code=code, checkin_png=qr_png(registration) if code else None)  # fmt: skip


def template_helpers(language: str, token_stand_in: str, join_stand_in: str) -> dict:
    """``salutation(registration)``, ``ordinal(number)``, ``personal_url(endpoint=…)``, ``join_url()`` for a message
    in ``language``."""
    return {
        "salutation": lambda person: salutation(person, language),
        # "11." / "11th" / "第十一届" in the message's language (the site's ``ordinal`` follows the request's).
        "ordinal": lambda number: ordinal(number, language),
        "head_salutation": head_salutation,
        "room_elsewhere": room_elsewhere,
        # The link opens the page in the language of the message.
        # Further values go into the address (``personal_url("registration.personal_document", document_id=7)``).
        "personal_url": lambda endpoint="registration.personal", **values: public_url(
            endpoint, token=token_stand_in, lang=language, **values
        ),
        # The personal join link (plenary.join): the meeting's address itself is never written into a mail.
        "join_url": lambda: public_url("join.open", token=join_stand_in, lang=language),
        # Whether ``join_url()`` belongs into this person's message (plenary.join.services: the one rule).
        "gets_join_link": gets_join_link,
    }


def salutation(person: Registration, language: str) -> tuple[str, str]:
    """How a letter greets ``person`` (a registration): ("ms" | "mr" | "", the name to put in the greeting).

    Formal with a known salutation ("Frau Dr. Schmidt"; in Chinese the family name of name_zh: "张", "欧阳"),
    else the whole name (name_zh in Chinese messages, if given).
    """
    chinese = language == "zh" and person.name_zh
    if person.salutation in ("ms", "mr"):
        family = split_han_name(person.name_zh)[0] if chinese else person.last_name
        return person.salutation, f"{person.honorific} {family}" if person.honorific and language != "zh" else family
    return "", person.name_zh if chinese else person.display_name


def head_salutation(person: Registration) -> str:
    """"ms" | "mr" for the head of delegation who registered ``person``, "" if unknown or erased (neutral wording)."""
    head = person.delegation_head
    if head is None or head.anonymised_at is not None or person.registered_by_erased:
        return ""
    return head.salutation if head.salutation in ("ms", "mr") else ""


def room_elsewhere(person: Registration) -> str | None:
    """The other attendance mode, if it has a free seat now (a waiting person can switch to it), else None."""
    modes = availability.seats(person.plenary)
    return next((mode for mode, seat in modes.items() if mode != person.attendance and not seat.full), None)
