"""What registration tells people: the registrant's messages (with their calendar copy) and the organizers' notice.

Every message a registration action sends is queued here, in the outbox (``plenary.mail.outbox``), in the
same unit of work as the change that caused it. A confirmed person's message carries the calendar
invitation (iTIP REQUEST); the SEQUENCE and METHOD of the last copy each person was queued are kept on
their registration (``calendar_sequence``, ``calendar_method``), so a new invitation after a CANCEL
outranks it without a look at old outbox rows.
"""

import sqlalchemy as sa
from flask import Flask, current_app

from plenary.calendar.invitations import invitation
from plenary.events.models import OrganizerNotice, PlenaryStatus
from plenary.events.services import reply_address
from plenary.extensions import db
from plenary.join.services import gets_join_link
from plenary.mail.deferred import Rendering, install_renderer, queue_deferred
from plenary.mail.models import FinalReason, OutboxMessage
from plenary.mail.outbox import calendar_slot, queue_message
from plenary.registration.models import Registration
from plenary.registration.states import RegistrationStatus
from plenary.registration.waitlist import position
from plenary.urls import public_url

#: Messages that carry the calendar invitation (METHOD:REQUEST) when the person is confirmed.
INVITING_KINDS = ("registration_confirmed", "registration_promoted", "registration_approved", "registration_updated",
                  "registration_link", "registration_link_resent", "registration_email_changed")  # fmt: skip

#: The message that tells a person the status they landed in.
STATUS_MESSAGES = {
    RegistrationStatus.PENDING: "registration_received",
    RegistrationStatus.CONFIRMED: "registration_confirmed",
    RegistrationStatus.WAITLISTED: "registration_waitlisted",
}


def notify(registration: Registration, kind: str, **context) -> OutboxMessage:
    """Queue message ``kind`` to the registrant, in their language, with the invitation if confirmed."""
    plenary = registration.plenary
    invite = (
        kind in INVITING_KINDS
        and registration.status == RegistrationStatus.CONFIRMED
        and plenary.status != PlenaryStatus.CANCELLED  # never a REQUEST for a cancelled plenary
    )
    if kind == "registration_waitlisted":
        # Their place in the queue, said in the mail; later mails only when it changes meaningfully.
        context.setdefault("position", position(registration))
        registration.waitlist_position_told = context["position"]
    if kind == "registration_waitlist_moved":
        # A newer place in the queue makes a move not yet sent obsolete: they read only where they stand now.
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.registration_id == registration.id, OutboxMessage.status == "pending",
                   OutboxMessage.kind == kind, OutboxMessage.locked_until.is_(None))
            .values(status="failed", final_reason=FinalReason.SUPERSEDED, last_error="superseded by a newer position")
        )  # fmt: skip
    if invite and registration.calendar_method == "CANCEL" and registration.calendar_sequence >= plenary.sequence:
        plenary.sequence += 1  # a new REQUEST must outrank the CANCEL they received
    return queue_registration_message(registration, kind, "REQUEST" if invite else None, context=context)


def notify_status(registration: Registration) -> OutboxMessage:
    """Tell the registrant the status they have just landed in (received, confirmed or waitlisted)."""
    return notify(registration, STATUS_MESSAGES[registration.status])


def queue_registration_message(
    registration: Registration, kind: str, calendar_method: str | None, uninvite: bool = False,
    context: dict | None = None,
) -> OutboxMessage:
    """Queue message ``kind`` to the registrant; ``calendar_method`` attaches REQUEST or CANCEL (iMIP).

    ``context``: further template values of that kind, plain JSON values (the delegates someone proposed).
    The worker writes the message when it sends it (``render_registration_message``; ``plenary.mail.deferred``).
    """
    if calendar_method and registration.calendar_method is not None:
        # A newer message of the same kind with an invitation repeats a still-queued older one with its news (a
        # second "plenary changed", "attendance changed", "your link"): the older is no longer needed. An older one
        # of another kind still goes, first (it tells something else: approved, confirmed, moved), and its
        # invitation's lower SEQUENCE makes calendars keep the newer copy whatever arrives last. One to another
        # address (the CANCEL to the old one after an email change) always goes. (A registration never sent an
        # invitation, calendar_method None, has none queued: a new one asks nothing.)
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.registration_id == registration.id, OutboxMessage.status == "pending",
                   OutboxMessage.kind == kind, OutboxMessage.calendar_method.is_not(None),
                   OutboxMessage.recipient == registration.email)
            .values(status="failed", final_reason=FinalReason.SUPERSEDED,
                    last_error="superseded by a newer invitation")
        )  # fmt: skip
    if calendar_method:
        registration.calendar_sequence = registration.plenary.sequence
        registration.calendar_method = calendar_method
    # As of now: the invitation's SEQUENCE and METHOD (what the registration records was sent) and the address.
    args = {"registration": registration.id, "address": registration.email, "calendar_method": calendar_method,
            "uninvite": uninvite, "sequence": registration.plenary.sequence, "context": context or {}}
    return queue_deferred(kind, registration.email, registration.language, "registration", args,
                          registration_id=registration.id, reply_to=reply_address(registration.plenary),
                          calendar_method=calendar_method)  # fmt: skip


def render_registration_message(args: dict) -> Rendering | None:
    """The template values and invitation of a message ``queue_registration_message`` queued (None: it is gone)."""
    registration = db.session.get(Registration, args["registration"])
    if registration is None:
        return None
    method, calendar, slot = args["calendar_method"], None, None
    if method == "REQUEST" and registration.status != RegistrationStatus.CONFIRMED:
        method = None  # cancelled (or waiting again) since it was queued: no invitation into their calendar now
    if method:
        # An online attendee's invitation carries their join link, its token filled in at delivery (never the
        # meeting's address: that can change without a new invitation, and must not travel in calendars).
        if method == "REQUEST" and gets_join_link(registration):
            slot = calendar_slot()
            link = public_url("join.open", token=slot, lang=registration.language)
        else:
            link = None
        calendar = (method, invitation(registration, method, args["uninvite"], address=args["address"],
                                       join_link=link, sequence=args["sequence"]))  # fmt: skip
    context = {"registration": registration, "plenary": registration.plenary, "calendar_method": method,
               **args["context"]}  # fmt: skip
    return Rendering(context, calendar, slot)


def notify_organizers(registrations: list[Registration]) -> OutboxMessage | None:
    """Tell the plenary's contact address about new registrations of one submission (a delegation: one notice).

    In FLASK_ORGANIZER_MAIL_LANGUAGE; only if the plenary's organizers chose a mail per registration (the
    daily digest, ``plenary.registration.digest``, tells the others). The worker writes it when it sends it.
    """
    if not registrations:
        return None
    plenary = registrations[0].plenary
    if not plenary.contact_email or plenary.organizer_notice != OrganizerNotice.EACH:
        return None
    first = registrations[0]
    return queue_deferred(
        "organizer_new_registration",
        plenary.contact_email,
        current_app.config["ORGANIZER_MAIL_LANGUAGE"],
        "organizer_notice",
        # The status and attendance each landed in: what the notice announces, whatever happens before it is written.
        {"registrations": [registration.id for registration in registrations],
         "as_registered": [[r.id, r.status, r.attendance] for r in registrations]},
        registration_id=first.id,  # so that erasure scrubs it too (a delegate's erasure: see privacy.py)
        reply_to=first.email,
    )


def render_organizer_notice(args: dict) -> Rendering | None:
    """The template values of a notice ``notify_organizers`` queued: the registrations still there (None: none)."""
    ids = args["registrations"]
    # One query for a whole delegation (those already in the session, as when written in the request, need none).
    loaded = {r.id: r for r in db.session.identity_map.values() if isinstance(r, Registration) and r.id in ids}
    missing = [i for i in ids if i not in loaded]
    if missing:
        query = sa.select(Registration).where(Registration.id.in_(missing))
        loaded.update((r.id, r) for r in db.session.scalars(query))
    registrations = [loaded[i] for i in ids if i in loaded]
    if not registrations:
        return None
    told = {id_: {"status": status, "attendance": attendance} for id_, status, attendance in args["as_registered"]}
    return Rendering({"registrations": registrations, "plenary": registrations[0].plenary, "as_registered": told})


def install_renderers(app: Flask) -> None:
    """Have ``app``'s outbox write the messages queued here (``plenary.mail.deferred``)."""
    install_renderer(app, "registration", render_registration_message)
    install_renderer(app, "organizer_notice", render_organizer_notice)


def farewell(registration: Registration, address: str) -> OutboxMessage:
    """The erased person's last message (it names nobody; delivery forgets the address once it is out)."""
    plenary = registration.plenary
    plenary.sequence += 1  # the CANCEL must outrank their invitation
    registration.calendar_sequence, registration.calendar_method = plenary.sequence, "CANCEL"
    return queue_message("registration_erased", address, registration.language, {"plenary": plenary},
                         registration_id=registration.id, reply_to=reply_address(plenary),
                         calendar=("CANCEL", invitation(registration, "CANCEL", uninvite=True, address=address)))
