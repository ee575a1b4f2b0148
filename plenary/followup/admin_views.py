"""Back office: the documents of the day (add, change, delete, order) and the follow-up messages (texts in three
languages, preview, the "send automatically" switch, when it goes out and how many got which). Every change is
audited; forms are CSRF-protected; errors come back in the organizer's language with everything typed kept."""

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from plenary.admin.blueprint import bp
from plenary.admin.language_fields import (
    add_language_fields,
    check_subject_and_text,
    fill_language_fields,
    language_values,
)
from plenary.admin.messages import MAIL_PREVIEW_CSP
from plenary.admin.plenary_forms import ConfirmForm
from plenary.audit.services import record
from plenary.auth.access import organizer_required, viewer_required
from plenary.broadcasts.compose import clean_subject
from plenary.db import utcnow
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.followup import documents, messages
from plenary.followup.models import DocumentKind, DocumentVisibility, FollowUpMessage, PlenaryDocument
from plenary.form_messages import FlaskForm
from plenary.i18n import HTML_LANG, LANGUAGE_NAMES, LANGUAGES, current_language, localize
from plenary.registration.locking import lock_plenary
from plenary.validation import multi_line, one_line


class DocumentForm(FlaskForm):
    """A document of the day: title per language (``title_de`` …), kind, visibility, agenda item, a PDF or a link."""

    kind = SelectField(_l("Kind"), choices=[(k.value, label) for k, label in documents.KIND_LABELS.items()])
    visibility = SelectField(_l("Who may open it"), choices=list(documents.VISIBILITY_LABELS.items()))
    agenda_item = SelectField(_l("Agenda item"), choices=[], validate_choice=False)  # checked in _document_input
    pdf = FileField(_l("PDF file"))
    url = StringField(_l("Or a link (https://…), e.g. to the recording"), filters=[one_line],
                      validators=[Length(max=documents.URL_MAX)])  # fmt: skip
    save = SubmitField(_l("Save"))


add_language_fields(DocumentForm, "title", lambda lang: StringField(_l("Title"), filters=[one_line],
                    validators=[Length(max=documents.TITLE_MAX)]))  # fmt: skip

LINK_ERRORS = {"scheme": _l("Only http:// and https:// addresses can be linked."),
               "too_long": _l("This address is too long."), "malformed": _l("This is not a web address.")}  # fmt: skip


def _document_input(form: DocumentForm, plenary, new: bool, stored_url: str | None = None,
                    ) -> documents.DocumentInput | None:  # fmt: skip
    """The form's document, or None with the errors put beside the fields.

    ``stored_url``: the edited document's link; a PDF uploaded while the form still shows it replaces the link.
    """
    valid = form.validate()
    title = language_values(form, "title")
    if not title:
        form.title_de.errors = [*form.title_de.errors, gettext("Please give the document a title.")]
        valid = False
    items = {str(item.id): item.id for item in plenary.agenda_items}
    if form.agenda_item.data not in (None, "", "None") and form.agenda_item.data not in items:
        form.agenda_item.errors = [*form.agenda_item.errors, gettext("Choose an item of this plenary's agenda.")]
        valid = False
    upload = request.files.get(form.pdf.name)
    pdf = None
    if upload and upload.filename:
        try:
            pdf = documents.read_pdf(upload.stream)
        except documents.DocumentError as error:
            limit = current_app.config["DOCUMENT_MAX_BYTES"] // (1024 * 1024) or 1
            form.pdf.errors = [*form.pdf.errors, {
                "not_pdf": gettext("Only PDF documents can be uploaded; this file is not a PDF."),
                "too_large": gettext("The file is too large: at most %(num)s MB.", num=limit),
                "empty": gettext("The file is empty."),
            }[error.reason]]  # fmt: skip
            valid = False
    url = form.url.data or None
    if pdf is not None and stored_url is not None and url == stored_url:
        url = None  # the link shown in the form is the one the new PDF replaces
    if url is not None:
        try:
            documents.checked_url(url)
        except documents.LinkError as error:
            form.url.errors = [*form.url.errors, str(LINK_ERRORS[error.reason])]
            valid = False
    if pdf is not None and url is not None:
        form.url.errors = [*form.url.errors, gettext("Give either a PDF or a link, not both.")]
        valid = False
    if new and pdf is None and url is None and valid:
        form.pdf.errors = [*form.pdf.errors, gettext("Upload a PDF or give a link.")]
        valid = False
    if not valid:
        return None
    return documents.DocumentInput(title=title, kind=DocumentKind(form.kind.data),
                                   visibility=DocumentVisibility(form.visibility.data),
                                   agenda_item_id=items.get(form.agenda_item.data), pdf=pdf, url=url)  # fmt: skip


def _prepare(form: DocumentForm, plenary) -> None:
    lang = current_language()
    for code, name in LANGUAGE_NAMES.items():  # "Titel (Deutsch)": three equal labels would not say which is which
        form[f"title_{code}"].label.text = f"{gettext('Title')} ({name})"
    form.agenda_item.choices = [("", "—")] + [(str(i.id), localize(i.title, lang).text) for i in plenary.agenda_items]


def _list_page(plenary, form: DocumentForm, status: int = 200):
    rows = documents.documents_of(plenary.id)
    return render_template("followup/documents.html", plenary=plenary, rows=rows, form=form, confirm=ConfirmForm(),
                           kind_labels=documents.KIND_LABELS, visibility_labels=documents.VISIBILITY_LABELS,
                           languages=LANGUAGE_NAMES, html_langs=HTML_LANG), status  # fmt: skip


@bp.get("/plenaries/<slug>/documents-of-the-day")
@viewer_required
def day_documents(slug: str):
    """The plenary's documents of the day, with a form to add one (organizers)."""
    plenary = plenary_or_404(slug)
    form = DocumentForm(formdata=None)
    _prepare(form, plenary)
    return _list_page(plenary, form)


@bp.post("/plenaries/<slug>/documents-of-the-day")
@organizer_required
def day_document_add(slug: str):
    """Add a document of the day."""
    plenary = plenary_or_404(slug)
    form = DocumentForm()
    _prepare(form, plenary)
    data = _document_input(form, plenary, new=True)
    if data is None:
        return _list_page(plenary, form, 400)
    document = documents.add_document(plenary.id, data)
    record("day_document.add", document, summary=localize(document.title, "de").text)
    db.session.commit()
    flash(gettext("The document is published."), "success")
    return redirect(url_for("admin.day_documents", slug=plenary.slug))


def _document_or_404(plenary, document_id: int) -> PlenaryDocument:
    document = db.session.get(PlenaryDocument, document_id)
    if document is None or document.plenary_id != plenary.id:
        abort(404)
    return document


@bp.route("/plenaries/<slug>/documents-of-the-day/<int:document_id>", methods=["GET", "POST"])
@organizer_required
def day_document_edit(slug: str, document_id: int):
    """Change a document of the day (a new PDF or link replaces the old)."""
    plenary = plenary_or_404(slug)
    document = _document_or_404(plenary, document_id)
    form = DocumentForm() if request.method == "POST" else DocumentForm(formdata=None)
    _prepare(form, plenary)
    if request.method == "GET":
        fill_language_fields(form, "title", document.title)
        form.kind.data, form.visibility.data = document.kind.value, document.visibility.value
        form.agenda_item.data = str(document.agenda_item_id or "")
        form.url.data = document.url
    else:
        data = _document_input(form, plenary, new=False, stored_url=document.url)
        if data is not None:
            if data.url == document.url:
                data.url = None  # unchanged link
            before = {"title": document.title, "kind": document.kind.value, "visibility": document.visibility.value,
                      "url": document.url, "file": document.file_name}  # fmt: skip
            replaced = documents.update_document(document, data)
            after = {"title": document.title, "kind": document.kind.value, "visibility": document.visibility.value,
                     "url": document.url, "file": document.file_name}  # fmt: skip
            record("day_document.edit", document, summary=localize(document.title, "de").text,
                   changes={k: [before[k], after[k]] for k in before if before[k] != after[k]})  # fmt: skip
            db.session.commit()
            if replaced and replaced != document.file_name:
                documents.forget_file(replaced)
            flash(gettext("The document is saved."), "success")
            return redirect(url_for("admin.day_documents", slug=plenary.slug))
    status = 400 if form.errors else 200
    return render_template("followup/document_edit.html", plenary=plenary, document=document, form=form,
                           languages=LANGUAGE_NAMES, html_langs=HTML_LANG), status  # fmt: skip


@bp.post("/plenaries/<slug>/documents-of-the-day/<int:document_id>/delete")
@organizer_required
def day_document_delete(slug: str, document_id: int):
    """Delete a document of the day (and its file)."""
    plenary = plenary_or_404(slug)
    document = _document_or_404(plenary, document_id)
    if not ConfirmForm().validate():
        abort(400)
    record("day_document.delete", document, summary=localize(document.title, "de").text)
    name = documents.delete_document(document)
    db.session.commit()
    documents.forget_file(name)
    flash(gettext("The document is deleted."), "success")
    return redirect(url_for("admin.day_documents", slug=plenary.slug))


@bp.post("/plenaries/<slug>/documents-of-the-day/<int:document_id>/move")
@organizer_required
def day_document_move(slug: str, document_id: int):
    """Move a document of the day up or down the list."""
    plenary = plenary_or_404(slug)
    document = _document_or_404(plenary, document_id)
    if not ConfirmForm().validate():
        abort(400)
    step = -1 if request.form.get("direction") == "up" else 1
    if documents.move_document(document, step):
        record("day_document.move", document, summary=localize(document.title, "de").text)
        db.session.commit()
    return redirect(url_for("admin.day_documents", slug=plenary.slug))


class FollowUpForm(FlaskForm):
    """The two follow-up messages in three languages (``attended_subject_de`` …, added below) and the switches."""

    send_automatically = BooleanField(_l("Send the follow-up automatically"), default=True)
    markdown = BooleanField(_l("Format with Markdown (**bold**, lists, links)"), default=True)
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))

    def validate(self, extra_validators=None) -> bool:
        """Field limits; in each language a subject and a text, or neither."""
        valid = super().validate(extra_validators)
        for audience in messages.AUDIENCES:
            valid = check_subject_and_text(self, f"{audience}_subject", f"{audience}_body")[0] and valid
        return valid

    def texts(self) -> dict:
        """{audience: (subjects, bodies)} as the service takes them."""
        return {audience: (language_values(self, f"{audience}_subject", keep_empty=True),
                           language_values(self, f"{audience}_body", keep_empty=True))
                for audience in messages.AUDIENCES}  # fmt: skip


def _subject(value):
    value = one_line(value)
    return clean_subject(value) if isinstance(value, str) else value


for _audience in messages.AUDIENCES:
    add_language_fields(FollowUpForm, f"{_audience}_subject", lambda lang: StringField(
        _l("Subject"), filters=[_subject], validators=[Length(max=messages.SUBJECT_MAX)]))  # fmt: skip
    add_language_fields(FollowUpForm, f"{_audience}_body", lambda lang: TextAreaField(
        _l("Message"), filters=[multi_line], validators=[Length(max=messages.BODY_MAX)]))  # fmt: skip


def _fill(form: FollowUpForm, plenary) -> None:
    """The stored texts, or the default texts in each language."""
    stored = messages.settings(plenary.id)
    form.send_automatically.data = stored.send_automatically if stored else True
    form.markdown.data = stored.markdown if stored else False
    for audience in messages.AUDIENCES:
        subjects, bodies = messages.written(stored, audience)
        for lang in LANGUAGES:
            if stored is None:
                subject, body = messages.default_texts(plenary, audience, lang)
            else:
                subject, body = subjects.get(lang), bodies.get(lang)
            form[f"{audience}_subject_{lang}"].data = subject
            form[f"{audience}_body_{lang}"].data = body


def _draft(plenary, form: FollowUpForm):
    """An unsaved FollowUpMessage with the form's texts (for the preview)."""

    draft = FollowUpMessage(plenary_id=plenary.id, send_automatically=form.send_automatically.data,
                            markdown=form.markdown.data)  # fmt: skip
    for audience, (subjects, bodies) in form.texts().items():
        setattr(draft, f"{audience}_subject", {k: v for k, v in subjects.items() if v})
        setattr(draft, f"{audience}_body", {k: v for k, v in bodies.items() if v})
    return draft


def _follow_up_page(plenary, form: FollowUpForm, status: int = 200, preview=None):
    stored = messages.settings(plenary.id)
    held = stored is not None and not stored.send_automatically
    page = render_template("followup/messages.html", plenary=plenary, form=form, preview=preview,
                           due_at=messages.due_at(plenary), last_chance=messages.last_chance(plenary), now=utcnow(),
                           held=held, counts=messages.counts(plenary.id),
                           languages=LANGUAGE_NAMES, html_langs=HTML_LANG)  # fmt: skip
    return page, status


@bp.get("/plenaries/<slug>/follow-up")
@viewer_required
def follow_up_messages(slug: str):
    """The follow-up: when it goes out, how many got which, and the two messages (organizers edit them)."""
    plenary = plenary_or_404(slug)
    form = FollowUpForm(formdata=None)
    _fill(form, plenary)
    return _follow_up_page(plenary, form)


@bp.post("/plenaries/<slug>/follow-up")
@organizer_required
def follow_up_save(slug: str):
    """Preview the two messages, or save them and the switch."""
    plenary = plenary_or_404(slug)
    form = FollowUpForm()
    if not form.validate():
        return _follow_up_page(plenary, form, 400)
    if form.preview.data:
        return _follow_up_page(plenary, form, preview=messages.preview(plenary, _draft(plenary, form)))
    lock_plenary(plenary.id)  # the job reads the switch and the texts under the same lock
    before = messages.settings(plenary.id)
    was = None if before is None else before.send_automatically
    saved = messages.save(plenary.id, form.send_automatically.data, form.markdown.data, form.texts())
    changes = {"send_automatically": [was, saved.send_automatically]} if was != saved.send_automatically else {}
    record("follow_up.save", plenary, summary=messages.first_subject(saved), changes=changes)
    db.session.commit()
    flash(gettext("The follow-up is saved."), "success")
    return redirect(url_for("admin.follow_up_messages", slug=plenary.slug))


@bp.post("/plenaries/<slug>/follow-up/mail/<audience>/<lang>")
@organizer_required
def follow_up_mail_preview(slug: str, audience: str, lang: str):
    """The whole HTML mail to ``audience`` as a reader of ``lang`` gets it (opened in a new tab)."""
    plenary = plenary_or_404(slug)
    if audience not in messages.AUDIENCES or lang not in LANGUAGES:
        abort(404)
    form = FollowUpForm()
    if not form.validate():
        abort(400)
    mail = messages.preview(plenary, _draft(plenary, form))[audience][lang]
    response = make_response(mail.html)
    response.headers["Content-Security-Policy"] = MAIL_PREVIEW_CSP
    return response
