"""The back office's words for the survey's audit actions (merged into plenary.admin.audit_labels)."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "survey.settings": _l("Survey settings changed"),
    "survey.question_create": _l("Survey question added"),
    "survey.question_update": _l("Survey question changed"),
    "survey.question_delete": _l("Survey question and its answers deleted"),
    "survey.question_move": _l("Survey question moved"),
    "survey.open": _l("Survey opened"),
    "survey.close": _l("Survey closed"),
}
