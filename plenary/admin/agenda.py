"""Back office: the agenda editor (items, speakers, signing parties, documents) and its order.

Every change is the plenary's exchange document (``export_plenary(include_private=True)``) with its
"agenda" list changed, saved through ``save_plenary`` — items keep their uid, agenda-only changes
send no mail, and the audit log records before → after.
"""

import json
from datetime import date, timedelta

import sqlalchemy as sa
from babel.dates import format_date
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext

from plenary.admin.blueprint import bp
from plenary.admin.plenaries import apply_errors
from plenary.admin.plenary_forms import (
    AGENDA_ERROR_FIELDS,
    AgendaItemForm,
    ConfirmForm,
    LocalTimeError,
    to_instant,
)
from plenary.admin.problems import readable_errors
from plenary.agenda.models import AgendaItem, Speaker
from plenary.agenda.services import forget_unused_documents
from plenary.auth.access import organizer_required, viewer_required
from plenary.events.documents import DocumentError, new_document_name, public_document_url, read_upload, store_document
from plenary.events.editing import save_plenary
from plenary.events.exchange import ExchangeError, export_plenary, parse_instant
from plenary.events.models import Plenary
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.i18n import current_language, localize_any
from plenary.rows import replace_rows
from plenary.validation import row_index

#: Room for the other form fields around an uploaded document.
FORM_OVERHEAD_BYTES = 1024 * 1024


def _item_or_404(plenary: Plenary, item_id: int) -> AgendaItem:
    item = next((item for item in plenary.agenda_items if item.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _save_agenda(plenary: Plenary, agenda: list[dict], action: str) -> list[str] | None:
    """Save the plenary with ``agenda``; None on success, else the document's errors (rolled back)."""
    doc = export_plenary(plenary, include_private=True)
    doc["agenda"] = agenda
    try:
        save_plenary(doc, action=action)
    except ExchangeError as error:
        db.session.rollback()
        return error.errors
    return None


#: Load the agenda and its speakers with the plenary (a constant number of queries, however long the agenda).
WITH_AGENDA = (sa.orm.selectinload(Plenary.agenda_items).selectinload(AgendaItem.speakers),)


@bp.get("/plenaries/<slug>/agenda")
@viewer_required
def agenda(slug: str):
    """The agenda of a plenary, with buttons to add, edit, move and delete items (organizers)."""
    plenary = plenary_or_404(slug, *WITH_AGENDA)
    return render_template("admin/agenda.html", plenary=plenary, form=ConfirmForm())


def _days(plenary: Plenary, extra: date | None = None) -> list[date]:
    """The plenary's local days (at most 31), and ``extra`` (an item's day outside them) if given."""
    first, last = plenary.local_start.date(), plenary.local_end.date()
    days = [first + timedelta(days=n) for n in range(min((last - first).days, 30) + 1)]
    if extra and extra not in days:
        days = sorted([*days, extra])
    return days


def known_speakers() -> list[Speaker]:
    """Speakers known from any agenda, one per name and organisation (the latest entry)."""
    seen, people = set(), []
    for speaker in db.session.scalars(db.select(Speaker).where(Speaker.name.is_not(None)).order_by(Speaker.id.desc())):
        key = (speaker.name, json.dumps(speaker.organisation, sort_keys=True, ensure_ascii=False))
        if key not in seen:
            seen.add(key)
            people.append(speaker)
    lang = current_language()
    return sorted(people, key=lambda s: (s.name.casefold(), localize_any(s.organisation, lang).text))


def _speaker_dict(speaker: Speaker) -> dict:
    return {"name": speaker.name, "name_zh": speaker.name_zh, "honorific": speaker.honorific,
            "position": speaker.position or {}, "organisation": speaker.organisation}  # fmt: skip


def _prepare(form: AgendaItemForm, plenary: Plenary, item_day: date | None) -> None:
    """Choices that depend on the plenary and the database."""
    lang = current_language()
    form.day.choices = [(d.isoformat(), format_date(d, "full", locale=get_locale())) for d in _days(plenary, item_day)]
    people = [("", "—")]
    for s in known_speakers():
        org = localize_any(s.organisation, lang).text
        people.append((str(s.id), gettext("%(name)s (%(organisation)s)", name=s.name, organisation=org) if org
                       else s.name))  # fmt: skip
    form.known_speaker.choices = people


def _rebuild(field_list, values: list) -> None:
    """Replace the rows of ``field_list`` by ``values`` (each filled through the row form's ``set_value``)."""
    replace_rows(field_list, values, fill=lambda form, value: form.set_value(value or {}))


def _change_rows(form: AgendaItemForm) -> bool:
    """Add/remove speaker and party rows, or add a known speaker (no JavaScript needed); True if pressed."""
    if form.add_speaker.data:
        form.speakers.append_entry()
        return True
    if form.add_known_speaker.data:
        choice = form.known_speaker.data or ""
        speaker = db.session.get(Speaker, int(choice)) if choice.isdecimal() and len(choice) < 10 else None
        if speaker is not None and len(form.speakers.entries) < 50:
            form.speakers.append_entry()
            form.speakers.entries[-1].form.set_value(_speaker_dict(speaker))
        form.known_speaker.data = ""
        return True
    if form.add_party.data:
        if len(form.parties.entries) < 20:
            form.parties.append_entry()
        return True
    for name, field_list in (("remove_speaker", form.speakers), ("remove_party", form.parties)):
        index = request.form.get(name)
        if index is not None:
            position = row_index(index, len(field_list.entries))
            if position is not None:
                values = [entry.form.value() for entry in field_list.entries]
                del values[position]
                if field_list is form.parties:  # a ShortTexts row: back to its per-language shape
                    values = [v if isinstance(v, dict) else ({"de": v} if v else {}) for v in values]
                _rebuild(field_list, values)
            return True
    for name, field_list in (("speaker_up", form.speakers), ("speaker_down", form.speakers)):
        index = request.form.get(name)
        i = row_index(index, len(field_list.entries))
        if i is not None:
            j = i - 1 if name == "speaker_up" else i + 1
            if 0 <= i < len(field_list.entries) and 0 <= j < len(field_list.entries):
                values = [entry.form.value() for entry in field_list.entries]
                values[i], values[j] = values[j], values[i]
                _rebuild(field_list, values)
            return True
    return False


def _fill(form: AgendaItemForm, data: dict, plenary: Plenary) -> None:
    """Show an exported agenda item in the form."""
    form.kind.data = data["kind"]
    form.title.set_value(data["title"])
    form.description.set_value(data.get("description"))
    if data.get("starts_at"):
        local = parse_instant(data["starts_at"]).astimezone(plenary.zone)
        form.day.data, form.start_time.data = local.date().isoformat(), local.time().replace(tzinfo=None)
    form.duration_minutes.data = data.get("duration_minutes")
    _rebuild(form.speakers, data.get("speakers") or [])
    _rebuild(form.parties, [p if isinstance(p, dict) else {"de": p} for p in data.get("parties") or []])
    form.document_title.set_value(data.get("document_title"))
    form.document_url.data = data.get("document_url") or ""


def _local_instant(form: AgendaItemForm, plenary: Plenary):
    """The item's start from the day and time fields (None without a time).

    Raises ``LocalTimeError`` for a time the clocks skip, ``ValueError`` for a day that is no date.
    """
    if form.start_time.data is None:
        return None
    day = form.day.data or plenary.local_start.date().isoformat()
    return to_instant(date.fromisoformat(day), form.start_time.data, plenary.timezone)


def _render_item(form, plenary, item, problems=()):
    try:
        instant = _local_instant(form, plenary)
    except ValueError:
        instant = None
    return render_template("admin/agenda_item.html", form=form, plenary=plenary, item=item, problems=problems,
                           instant=instant, single_day=len(form.day.choices) == 1)  # fmt: skip


def _item_form(plenary: Plenary, item: AgendaItem | None):
    """Show and save the form of a new (``item`` None) or an existing agenda item."""
    doc_agenda = export_plenary(plenary, include_private=True)["agenda"]
    index = next((i for i, d in enumerate(doc_agenda) if item is not None and d["uid"] == item.uid), None)
    document_before = item.document_name if item is not None else None
    if request.method == "POST":
        # An upload may be up to DOCUMENT_MAX_BYTES; anything far larger is refused before it is read (413).
        request.max_content_length = current_app.config["DOCUMENT_MAX_BYTES"] + FORM_OVERHEAD_BYTES
    form = AgendaItemForm()
    item_day = item.starts_at.astimezone(plenary.zone).date() if item is not None and item.starts_at else None
    _prepare(form, plenary, item_day)
    if request.method == "GET":
        if index is not None:
            _fill(form, doc_agenda[index], plenary)
        else:
            form.day.data = plenary.local_start.date().isoformat()
        return _render_item(form, plenary, item)
    if _change_rows(form):
        return _render_item(form, plenary, item)
    valid = form.validate()
    starts_at = None
    try:
        starts_at = _local_instant(form, plenary)
    except LocalTimeError:
        form.start_time.errors = [*form.start_time.errors, gettext(
            "This time does not exist in %(zone)s on that day: the clocks go forward then. Please choose "
            "another time.", zone=plenary.timezone)]  # fmt: skip
        valid = False
    except ValueError:
        form.day.errors = [*form.day.errors, gettext("Please choose one of the plenary's days.")]
        valid = False
    upload, document_url = form.document_file.data, form.document_url.data or None
    data = None
    if upload is not None and getattr(upload, "filename", ""):
        try:
            data = read_upload(upload.stream)
        except DocumentError as error:
            limit = current_app.config["DOCUMENT_MAX_BYTES"] // (1024 * 1024) or 1
            form.document_file.errors = [*form.document_file.errors, {
                "not_pdf": gettext("Only PDF documents can be uploaded; this file is not a PDF."),
                "too_large": gettext("The file is too large: at most %(num)s MB.", num=limit),
                "empty": gettext("The file is empty."),
            }[error.reason]]  # fmt: skip
            valid = False
    if not valid:
        return _render_item(form, plenary, item), 400
    document_name = new_document_name() if data is not None else None
    if document_name:
        document_url = public_document_url(document_name)
    new = {
        "kind": form.kind.data, "title": form.title.value(), "description": form.description.value(),
        "starts_at": starts_at.isoformat(timespec="seconds") if starts_at else None,
        "duration_minutes": form.duration_minutes.data,
        "speakers": [s for s in (entry.form.value() for entry in form.speakers.entries) if s],
        "parties": [p for p in (entry.form.value() for entry in form.parties.entries) if p],
        "document_title": form.document_title.value(), "document_url": document_url,
    }  # fmt: skip
    if index is None:
        doc_agenda.append(new)
        position, action = len(doc_agenda) - 1, "agenda.create"
    else:
        doc_agenda[index] = {"uid": doc_agenda[index]["uid"], **new}
        position, action = index, "agenda.update"
    errors = _save_agenda(plenary, doc_agenda, action)
    if errors:
        if data is not None:
            form.document_file.errors = [*form.document_file.errors,
                                         gettext("Please choose the file again.")]  # fmt: skip
        problems = apply_errors(form, errors, AGENDA_ERROR_FIELDS, prefix=f"agenda[{position}]")
        plenary = plenary_or_404(plenary.slug, *WITH_AGENDA)
        return _render_item(form, plenary, item, problems), 400
    if document_name:
        store_document(data, document_name)  # only once the item is valid: no orphaned files
    db.session.commit()
    if item is not None:  # a replaced upload is no longer served
        forget_unused_documents([document_before])
    flash(gettext("Saved."), "success")
    return redirect(url_for("admin.agenda", slug=plenary.slug))


@bp.route("/plenaries/<slug>/agenda/new", methods=["GET", "POST"])
@organizer_required
def agenda_new(slug: str):
    """Add an item at the end of the agenda."""
    return _item_form(plenary_or_404(slug, *WITH_AGENDA), None)


@bp.route("/plenaries/<slug>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@organizer_required
def agenda_edit(slug: str, item_id: int):
    """Edit one agenda item."""
    plenary = plenary_or_404(slug, *WITH_AGENDA)
    return _item_form(plenary, _item_or_404(plenary, item_id))


def _done(plenary: Plenary, errors: list[str] | None, message: str):
    if errors:
        flash(gettext("The agenda could not be saved: %(errors)s", errors="; ".join(readable_errors(errors))),
              "warning")  # fmt: skip
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("admin.agenda", slug=plenary.slug))


@bp.post("/plenaries/<slug>/agenda/<int:item_id>/move")
@organizer_required
def agenda_move(slug: str, item_id: int):
    """Move an item one place up or down (direction=up|down)."""
    plenary = plenary_or_404(slug, *WITH_AGENDA)
    item = _item_or_404(plenary, item_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down") or not ConfirmForm().validate_on_submit():
        abort(400)
    agenda = export_plenary(plenary, include_private=True)["agenda"]
    i = next(n for n, d in enumerate(agenda) if d["uid"] == item.uid)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(agenda):
        return redirect(url_for("admin.agenda", slug=slug))
    agenda[i], agenda[j] = agenda[j], agenda[i]
    return _done(plenary, _save_agenda(plenary, agenda, "agenda.reorder"), gettext("The agenda's order is saved."))


@bp.post("/plenaries/<slug>/agenda/order")
@organizer_required
def agenda_order(slug: str):
    """Put the items in the order of the posted ids (``item``, repeated; from drag and drop)."""
    plenary = plenary_or_404(slug, *WITH_AGENDA)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ids = request.form.getlist("item")
    current = {str(item.id): item.uid for item in plenary.agenda_items}
    if sorted(ids) != sorted(current) or len(set(ids)) != len(ids):
        abort(400)
    agenda = {d["uid"]: d for d in export_plenary(plenary, include_private=True)["agenda"]}
    ordered = [agenda[current[i]] for i in ids]
    if [d["uid"] for d in ordered] == [item.uid for item in plenary.agenda_items]:
        if request.accept_mimetypes.best == "application/json":
            return {"ok": True}
        return redirect(url_for("admin.agenda", slug=slug))
    errors = _save_agenda(plenary, ordered, "agenda.reorder")
    if request.accept_mimetypes.best == "application/json":
        if errors:
            return {"ok": False, "errors": readable_errors(errors)}, 400
        db.session.commit()
        return {"ok": True}
    return _done(plenary, errors, gettext("The agenda's order is saved."))


@bp.route("/plenaries/<slug>/agenda/<int:item_id>/delete", methods=["GET", "POST"])
@organizer_required
def agenda_delete(slug: str, item_id: int):
    """Ask, then delete an agenda item."""
    plenary = plenary_or_404(slug, *WITH_AGENDA)
    item = _item_or_404(plenary, item_id)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("admin/agenda_delete.html", plenary=plenary, item=item, form=form)
    if not form.validate_on_submit():
        abort(400)
    agenda = [d for d in export_plenary(plenary, include_private=True)["agenda"] if d["uid"] != item.uid]
    document_name = item.document_name
    errors = _save_agenda(plenary, agenda, "agenda.delete")
    response = _done(plenary, errors, gettext("The item was deleted."))
    if not errors:
        forget_unused_documents([document_name])  # its uploaded PDF goes with it (once nothing links it)
    return response
