"""Back office: messages to attendees (compose, preview, send, delivery state) and the outbox (admins)."""

import uuid

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from plenary.admin.blueprint import bp
from plenary.admin.language_fields import add_language_fields, check_subject_and_text, language_values
from plenary.auth.access import admin_required, organizer_required, viewer_required
from plenary.broadcasts import compose as messages
from plenary.broadcasts import services as broadcasts
from plenary.broadcasts.models import Broadcast
from plenary.events.models import Plenary
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.form_messages import FlaskForm
from plenary.i18n import HTML_LANG, LANGUAGE_NAMES, LANGUAGES, current_language, localize
from plenary.mail.models import OutboxMessage, OutboxStatus
from plenary.mail.retry import retry_by_hand, retryable
from plenary.members.models import Member
from plenary.registration.filters import RegistrationFilter
from plenary.registration.models import Registration
from plenary.validation import multi_line, one_line

#: flask.session key of the one-time tokens of the compose forms shown (a second submission finds none).
FORM_TOKENS = "broadcast_form_tokens"

def _subject(value):
    """One line (a line break would end the mail header; plenary.validation refuses it), blanks collapsed."""
    value = one_line(value)
    return messages.clean_subject(value) if isinstance(value, str) else value


class BroadcastForm(FlaskForm):
    """Subject and text in German, English and Chinese (at least one language: ``subject_de`` … ``body_zh``, added
    below), the format, and the buttons."""

    markdown = BooleanField(_l("Format with Markdown (**bold**, lists, links)"), default=True)
    form_token = HiddenField()
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))

    def validate(self, extra_validators=None) -> bool:
        """Field limits, then: some text at all, and in each language both a subject and a text or neither."""
        valid = super().validate(extra_validators)
        pairs_valid, written = check_subject_and_text(self, "subject", "body")
        valid = valid and pairs_valid
        if not written:
            self.form_errors.append(gettext("Write the message in at least one language."))
            valid = False
        return valid

    def draft(self, filters: RegistrationFilter) -> messages.Draft:
        """The message as the service takes it."""
        return messages.Draft(
            subject=language_values(self, "subject", keep_empty=True),
            body=language_values(self, "body", keep_empty=True),
            markdown=self.markdown.data,
            filters=filters,
        )


add_language_fields(BroadcastForm, "subject", lambda lang: StringField(_l("Subject"), filters=[_subject],
                    validators=[Length(max=messages.SUBJECT_MAX)]))  # fmt: skip
add_language_fields(BroadcastForm, "body", lambda lang: TextAreaField(_l("Message"), filters=[multi_line],
                    validators=[Length(max=messages.BODY_MAX)]))  # fmt: skip


def _new_form_token() -> str:
    """A one-time token for a compose form, remembered in the session (at most the 20 newest)."""
    token = uuid.uuid4().hex
    session[FORM_TOKENS] = [*session.get(FORM_TOKENS, [])[-19:], token]
    return token


def _take_form_token(token: str | None) -> bool:
    """Use up ``token``: True the first time, False if it was used already (or never given out)."""
    tokens = session.get(FORM_TOKENS, [])
    if not token or token not in tokens:
        return False
    session[FORM_TOKENS] = [t for t in tokens if t != token]
    return True


def _filter_choices(plenary_id: int) -> dict:
    """The countries and member cities among a plenary's registrations (for the recipient filters)."""
    countries = db.session.scalars(
        sa.select(Registration.country).where(Registration.plenary_id == plenary_id, Registration.country.is_not(None))
        .distinct().order_by(Registration.country)
    ).all()  # fmt: skip
    members = db.session.scalars(
        sa.select(Member).where(Member.id.in_(
            sa.select(Registration.member_id).where(Registration.plenary_id == plenary_id)
        ))
    ).all()  # fmt: skip
    return {"countries": countries, "members": members}


def _member_names(broadcasts: list[Broadcast]) -> dict[int, str]:
    """The names (in the page's language) of the member cities the messages were filtered by."""
    ids = {b.filters.get("member") for b in broadcasts if isinstance(b.filters.get("member"), int)}
    if not ids:
        return {}
    language = current_language()
    members = db.session.scalars(sa.select(Member).where(Member.id.in_(ids)))
    return {m.id: localize(m.name, language).text for m in members}


def _compose(plenary, form: BroadcastForm, filters: RegistrationFilter, status: int = 200, preview=None, error=None):
    if not form.form_token.data or form.form_token.data not in session.get(FORM_TOKENS, []):
        form.form_token.data = _new_form_token()
    page = render_template("admin/message_form.html", plenary=plenary, form=form, filters=filters, preview=preview,
                           error=error, languages=LANGUAGE_NAMES, html_langs=HTML_LANG,
                           **_filter_choices(plenary.id))  # fmt: skip
    return page, status


@bp.get("/plenaries/<slug>/messages")
@viewer_required
def messages_list(slug: str):
    """A plenary's messages to attendees with their delivery state."""
    plenary = plenary_or_404(slug)
    rows = broadcasts.broadcasts(plenary.id)
    counts = broadcasts.delivery_counts([b.id for b in rows])
    return render_template("admin/messages.html", plenary=plenary, broadcasts=rows, counts=counts,
                           member_names=_member_names(rows))  # fmt: skip


@bp.get("/plenaries/<slug>/messages/new")
@organizer_required
def message_new(slug: str):
    """The compose form; recipient filters may come in the query (e.g. from the registration list)."""
    plenary = plenary_or_404(slug)
    return _compose(plenary, BroadcastForm(), RegistrationFilter.from_args(request.args))


@bp.post("/plenaries/<slug>/messages/new")
@organizer_required
def message_compose(slug: str):
    """Preview (the form again with the message in each language and its recipients) or send (stored for the worker)."""
    plenary = plenary_or_404(slug)
    form = BroadcastForm()
    filters = RegistrationFilter.from_args(request.form)
    if not form.validate():
        return _compose(plenary, form, filters, 400)
    draft = form.draft(filters)
    if not form.send.data:
        return _compose(plenary, form, filters, preview=messages.preview(plenary, draft))
    token = form.form_token.data
    if not _take_form_token(token):
        flash(gettext("This message has already been sent."), "warning")
        return redirect(url_for("admin.messages_list", slug=plenary.slug))
    author = current_user.email
    try:
        sent = broadcasts.send(plenary.id, draft, author, form_token=token)
    except broadcasts.BroadcastError as exc:
        db.session.rollback()
        if exc.code == "duplicate":
            flash(gettext("This message has already been sent."), "warning")
            return redirect(url_for("admin.messages_list", slug=plenary.slug))
        form.form_token.data = _new_form_token()
        return _compose(plenary, form, filters, 400, error=gettext("Nobody matches these recipient filters."))
    broadcast_id, count = sent.id, sent.recipient_count
    db.session.commit()
    flash(ngettext("The message is on its way to %(num)s recipient.",
                   "The message is on its way to %(num)s recipients.", count), "success")
    return redirect(url_for("admin.message", broadcast_id=broadcast_id))


#: The full-mail preview is our own mail HTML (inline styles) and the organizer's sanitised text: it
#: may use inline styles, nothing else, and may not be framed.
MAIL_PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " \
                   "form-action 'none'; frame-ancestors 'none'"  # fmt: skip


@bp.post("/plenaries/<slug>/messages/new/mail/<lang>")
@organizer_required
def message_mail_preview(slug: str, lang: str):
    """The HTML mail as a recipient reading ``lang`` gets it (opened in a new tab from the compose form)."""
    plenary = plenary_or_404(slug)
    if lang not in LANGUAGES:
        abort(404)
    form = BroadcastForm()
    if not form.validate():
        abort(400)
    preview = messages.preview(plenary, form.draft(RegistrationFilter.from_args(request.form)), sample_size=50)
    if lang not in preview.messages:
        abort(404)
    response = make_response(preview.messages[lang].html)
    response.headers["Content-Security-Policy"] = MAIL_PREVIEW_CSP
    return response


@bp.get("/messages/<int:broadcast_id>")
@viewer_required
def message(broadcast_id: int):
    """One message: its texts, recipients and each delivery's state."""
    broadcast = db.get_or_404(Broadcast, broadcast_id)
    rows = broadcasts.deliveries(broadcast.id)
    counts = broadcasts.delivery_counts([broadcast.id])[broadcast.id]
    plenary, names = db.session.get(Plenary, broadcast.plenary_id), _member_names([broadcast])
    rendered = broadcast.recipient_count if broadcast.rendered_at else broadcasts.rendered_count(broadcast.id)
    return render_template("admin/message_detail.html", broadcast=broadcast, plenary=plenary, rows=rows, counts=counts,
                           languages=LANGUAGE_NAMES, html_langs=HTML_LANG, member_names=names,
                           rendered=rendered)  # fmt: skip


@bp.post("/messages/<int:broadcast_id>/retry")
@organizer_required
def message_retry(broadcast_id: int):
    """Queue the failed deliveries of a message again (never those of erased people)."""
    broadcast = db.get_or_404(Broadcast, broadcast_id)
    ids = broadcasts.retry_broadcast(broadcast)
    db.session.commit()
    _flash_retried(len(ids))
    return redirect(url_for("admin.message", broadcast_id=broadcast_id))


def _flash_retried(count: int) -> None:
    if count:
        flash(ngettext("%(num)s message will be sent again.", "%(num)s messages will be sent again.", count),
              "success")
    else:
        flash(gettext("There was nothing to send again."), "info")


OUTBOX_PER_PAGE = 50


@bp.get("/outbox")
@admin_required
def outbox():
    """Every message of the outbox, newest first, by delivery state (admins)."""
    status = request.args.get("status", "")
    status = status if status in OutboxStatus.__members__.values() else ""
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    query = sa.select(OutboxMessage)
    if status:
        query = query.where(OutboxMessage.status == status)
    pagination = db.paginate(query.order_by(OutboxMessage.id.desc()), page=page, per_page=OUTBOX_PER_PAGE,
                             error_out=False)  # fmt: skip
    counts = dict(db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    ).all())  # fmt: skip
    retryable_ids = set(db.session.scalars(
        sa.select(OutboxMessage.id).where(retryable(), OutboxMessage.id.in_([m.id for m in pagination.items]))
    ))  # fmt: skip
    retryable_count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(retryable()))
    return render_template("admin/outbox.html", pagination=pagination, status=status, counts=counts,
                           retryable_ids=retryable_ids, retryable_count=retryable_count,
                           statuses=[s.value for s in OutboxStatus])  # fmt: skip


@bp.post("/outbox/<int:message_id>/retry")
@admin_required
def outbox_retry(message_id: int):
    """Send one failed message again (not if its person was erased)."""
    message = db.get_or_404(OutboxMessage, message_id)
    ids = retry_by_hand([message.id])
    db.session.commit()
    _flash_retried(len(ids))
    return redirect(url_for("admin.outbox", status=request.form.get("status") or None))


@bp.post("/outbox/retry-failed")
@admin_required
def outbox_retry_failed():
    """Send every failed message again (not those of erased people, nor superseded invitations)."""
    ids = retry_by_hand()
    db.session.commit()
    _flash_retried(len(ids))
    return redirect(url_for("admin.outbox", status=request.form.get("status") or None))
