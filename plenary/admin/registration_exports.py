"""Back office: the export of a plenary's (filtered) registrations as XLSX or CSV, and its form's choices."""

from flask import Response, request

from plenary.admin.blueprint import bp
from plenary.admin.services import RegistrationFilter, filtered_registrations
from plenary.auth.access import viewer_required
from plenary.events.services import plenary_or_404
from plenary.i18n import current_language
from plenary.registration.export import (
    DEFAULT_EXPORT_COLUMNS,
    DEFAULT_FORMAT,
    EXPORT_COLUMNS,
    FORMATS,
    TIME_COLUMNS,
    export_columns,
    export_file,
    export_format,
)


@bp.context_processor
def export_choices() -> dict:
    """What templates/admin/_export_form.html offers: the columns, those ticked at first, the formats."""
    choices = {"columns": EXPORT_COLUMNS, "default_columns": DEFAULT_EXPORT_COLUMNS, "time_columns": TIME_COLUMNS,
               "formats": FORMATS, "default_format": DEFAULT_FORMAT}  # fmt: skip
    return {"export_choices": choices}


@bp.get("/plenaries/<slug>/registrations/export")
@viewer_required
def registrations_export(slug: str):
    """The filtered list, chosen columns, as an Excel workbook (default) or CSV, in the back office's language."""
    plenary = plenary_or_404(slug)
    filters = RegistrationFilter.from_args(request.args)
    columns = export_columns(request.args.getlist("columns"))
    fmt = export_format(request.args.get("format"))
    data, filename, content_type = export_file(
        plenary, filtered_registrations(plenary.id, filters), columns, fmt, current_language()
    )
    # content_type as given: mimetype= would add a second charset.
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
