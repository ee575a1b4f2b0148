"""Words the verification page uses for every kind of document."""

from flask_babel import lazy_gettext as _l

#: Why a document was withdrawn (``IssuedDocument.withdrawn_reason``), as the verification page says it.
WITHDRAWN_REASONS = {
    "cancelled": _l("The registration was cancelled."),
    "rejected": _l("The registration was rejected."),
    "erased": _l("The holder's data was erased."),
    "replaced": _l("A newer document replaces it."),
    "undone": _l("The attendance it certified was withdrawn."),
    "revoked": _l("The organizers withdrew it."),
    "rescheduled": _l("The plenary's dates or venue changed after it was issued."),
    "online": _l("The holder no longer attends in person."),
}
