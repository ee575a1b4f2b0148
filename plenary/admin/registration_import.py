"""Back office: add registrations from a spreadsheet — upload, preview with every problem, confirm, template.

Between preview and confirm the checked rows wait on the server, never in the page: a JSON file in the file
store (``plenary.storage``, key ``imports/<token>.json``, shared by every app server) named by a random token,
bound to the organizer and the plenary, read once (the confirm removes it first, so a second click imports
nothing: the database backend's delete is atomic) and ignored (then removed) after IMPORT_MAX_AGE. Confirming registers
each good row as adding by hand does (``organizer.register_by_hand``: capacity lock, landing, the person's
message in their language), one unit of work per person.
"""

import io
import json
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from plenary import storage
from plenary.admin.blueprint import bp
from plenary.auth.access import organizer_required
from plenary.countries import country_names
from plenary.db import utcnow
from plenary.events.services import plenary_or_404
from plenary.extensions import db
from plenary.i18n import LANGUAGE_NAMES, current_language
from plenary.labels import ATTENDANCE_LABELS
from plenary.registration import errors, importing, organizer, states
from plenary.registration.forms import SALUTATIONS
from plenary.registration.models import Registration
from plenary.registration.seats import capacity, seats_taken
from plenary.sqlite import begin_write

#: How long a previewed upload can be confirmed (seconds).
IMPORT_MAX_AGE = 3600

FILE_ERRORS = {
    "too_big": _l("The file is larger than 5 MB. Please split it or remove images and other sheets."),
    "too_many_rows": _l("The file has more than 2000 rows. Please split it into smaller files."),
    "unreadable": _l("The file could not be read. Please upload an Excel workbook (.xlsx) or a CSV file."),
    "empty": _l("The file contains no rows."),
    "no_titles": _l("The first row must name the columns: at least first name, last name and email (Vorname, "
                    "Nachname, E-Mail / First name, Last name, Email / 名, 姓, 邮箱). Download the template to see "
                    "all titles."),
}  # fmt: skip
PROBLEMS = {
    "missing": _l("missing"),
    "too_long": _l("too long"),
    "control": _l("contains a line break or control character"),
    "formula": _l("looks like a formula (starts with “=”)"),
    "invalid": _l("not understood"),
    "duplicate": _l("the same email address appears earlier in the file"),
    "already_registered": _l("already registered for this plenary"),
    "not_offered": _l("this attendance mode is not offered for this plenary"),
}
COLUMN_LABELS = {
    "salutation": _l("Salutation"), "interpretation": _l("Interpretation"),
    "honorific": _l("Title or honorific"), "first_name": _l("First name"), "last_name": _l("Last name"),
    "name_zh": _l("Chinese name"), "email": _l("Email"), "organisation": _l("Organisation"),
    "position": _l("Position"), "country": _l("Country"), "phone": _l("Phone"), "attendance": _l("Attendance"),
    "language": _l("Language"), "dietary": _l("Dietary needs"), "remarks": _l("Remarks"),
}  # fmt: skip


def _key(token: str) -> str | None:
    return f"imports/{token}.json" if token.isalnum() and len(token) == 32 else None


def _forget_old() -> None:
    """Remove uploads nobody confirmed in time (personal data: kept no longer than needed; commits)."""
    old = storage.older_than("imports/", utcnow() - timedelta(seconds=IMPORT_MAX_AGE))
    if old:
        begin_write(db.session())
        for key in old:
            storage.delete(key)
        db.session.commit()


def _keep(plenary_id: int, rows: list[dict]) -> str:
    """Store the checked rows for this organizer and plenary (commits); their token."""
    token = secrets.token_hex(16)
    kept = {"user": current_user.id, "plenary": plenary_id, "rows": rows}
    begin_write(db.session())
    storage.put(_key(token), json.dumps(kept, ensure_ascii=False).encode())
    db.session.commit()
    return token


def _take(token: str, plenary_id: int) -> list[dict] | None:
    """The rows kept under ``token`` for this organizer and plenary, removed at once; None if gone or not theirs."""
    key = _key(token or "")
    stored = storage.get(key) if key is not None else None
    if stored is None or stored.modified < utcnow() - timedelta(seconds=IMPORT_MAX_AGE):
        return None
    try:
        kept = json.loads(stored.data)
    except ValueError:
        return None
    if kept.get("user") != current_user.id or kept.get("plenary") != plenary_id:
        return None  # someone else's token (or a replayed one) leaves the owner's import as it is
    begin_write(db.session())
    taken = storage.delete(key)  # of two confirms, one deletes it (the database: the other waits, then finds none)
    db.session.commit()
    return kept["rows"] if taken else None


def _page(plenary, status=200, **values):
    # Codes the file's cells were read as, shown as the organizer reads them ("Vor Ort", "中文", "China").
    shown = {"attendance": {k: str(v) for k, v in ATTENDANCE_LABELS.items()}, "language": dict(LANGUAGE_NAMES),
             "country": dict(country_names(current_language())),
             "salutation": {c.value: str(c.label) for c in SALUTATIONS if c.value},
             "interpretation": {True: gettext("Yes"), False: gettext("No")}}  # fmt: skip
    return render_template("admin/registration_import.html", plenary=plenary, problems=PROBLEMS,
                           column_labels=COLUMN_LABELS, shown=shown, **values), status  # fmt: skip


@bp.get("/plenaries/<slug>/registrations/import")
@organizer_required
def registration_import(slug: str):
    """The upload form."""
    return _page(plenary_or_404(slug))


@bp.get("/plenaries/<slug>/registrations/import/template.xlsx")
@organizer_required
def registration_import_template(slug: str):
    """An empty workbook with the column titles in German, English and Chinese."""
    from openpyxl import Workbook  # only this download writes a workbook (a heavy import)

    plenary_or_404(slug)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Registrations"
    for row in importing.template_rows():
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 28
    out = io.BytesIO()
    workbook.save(out)
    response = Response(out.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
    response.headers["Content-Disposition"] = 'attachment; filename="registrations-template.xlsx"'
    return response


@bp.post("/plenaries/<slug>/registrations/import")
@organizer_required
def registration_import_preview(slug: str):
    """Read the uploaded file and show every row with its problems and where each person would land."""
    plenary = plenary_or_404(slug)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(plenary, 400, error=gettext("Please choose a file."))
    modes = states.attendance_modes(plenary)
    if not modes or not states.takes_registrations_by_hand(plenary):
        return _page(plenary, 400, error=gettext("This plenary takes no registrations."))
    default_language = request.form.get("language") if request.form.get("language") in ("de", "en", "zh") else "de"
    try:
        table = importing.read_table(upload.filename, upload.read(importing.MAX_BYTES + 1))
        known = set(db.session.scalars(sa.select(Registration.email).where(Registration.plenary_id == plenary.id,
                                                                           Registration.email.is_not(None))))
        header, rows = importing.parse(table, modes, default_language, known)
    except importing.ImportFileError as exc:
        return _page(plenary, 400, error=str(FILE_ERRORS[exc.code]))
    free = {}
    for mode in modes:
        limit = capacity(plenary, mode)
        free[mode] = None if limit is None else max(limit - seats_taken(plenary.id, mode), 0)
    importing.plan(rows, free, plenary.waitlist, str(states.seat_status(plenary)))
    _forget_old()
    good = [row.data for row in rows if row.ok]
    db.session.rollback()  # only reads: end the snapshot
    token = _keep(plenary.id, good) if good else None
    return _page(plenary, rows=rows, columns=list(header.values()), token=token, good=len(good),
                 default_language=default_language)


@bp.post("/plenaries/<slug>/registrations/import/confirm")
@organizer_required
def registration_import_confirm(slug: str):
    """Register the previewed good rows, each in its own unit of work; say how many and who could not be."""
    plenary = plenary_or_404(slug)
    rows = _take(request.form.get("token", ""), plenary.id)
    if rows is None:
        flash(gettext("This import was already done or has expired. Please upload the file again."), "warning")
        return redirect(url_for("admin.registration_import", slug=slug))
    db.session.rollback()
    done, refused = 0, []
    for data in rows:
        person = {name: data.get(name) for name in importing.TEMPLATE_COLUMNS} | {"consent_listing": False}
        person["interpretation"] = bool(person["interpretation"])
        try:
            organizer.register_by_hand(plenary.id, person, send_messages=True)
        except errors.RegistrationError as exc:
            db.session.rollback()
            refused.append((f"{data.get('first_name')} {data.get('last_name')}", exc))
        else:
            db.session.commit()
            done += 1
    if done:
        flash(ngettext("%(num)s registration added from the file.", "%(num)s registrations added from the file.",
                       done), "success")  # fmt: skip
    if refused:
        names = "; ".join(f"{name} ({_refusal(exc)})" for name, exc in refused)
        flash(ngettext("%(num)s not added:", "%(num)s not added:", len(refused)) + " " + names, "warning")
    return redirect(url_for("admin.registrations", slug=slug))


def _refusal(exc: errors.RegistrationError) -> str:
    if isinstance(exc, errors.EmailTaken):
        return gettext("already registered for this plenary")
    if isinstance(exc, errors.CapacityReached):
        return gettext("no seat left and no waiting list")
    return gettext("not possible")
