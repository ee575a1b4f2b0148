"""Problems of a saved document (plenary.events.checks) as the back office shows them: in the organizer's language.

The CLI and the API keep the English "path: message"; a page shows a ``Problem``'s own sentence, its
instants formatted with Babel in the plenary's zone and the zone named ("Mittwoch, 15. Oktober 2031,
09:00 MESZ"), never as ISO text.
"""

from datetime import datetime

from flask_babel import gettext

from plenary.events.checks import Problem
from plenary.formatting import zoned


def shown_instant(moment: datetime, zone: str) -> str:
    """``moment`` in ``zone``, in the current language, the zone named: "Mi., 15.10.2031, 09:00 MESZ"."""
    local = zoned(moment, zone)
    return f"{gettext('%(date)s, %(time)s', date=local.date('medium'), time=local.time())} {local.label}"


def readable(error: str) -> str:
    """``error`` as a page says it: a Problem's sentence in the current language, any other error as it is."""
    if not isinstance(error, Problem):
        return error
    zone = error.zone or "UTC"
    values = {name: shown_instant(value, zone) if isinstance(value, datetime) else value
              for name, value in error.values.items()}  # fmt: skip
    return gettext(error.text, **values)


def readable_errors(errors: list[str]) -> list[str]:
    """Each of ``errors`` as a page says it."""
    return [readable(error) for error in errors]
