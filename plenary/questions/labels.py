"""The back office's words for the questions' audit actions (merged into plenary.admin.audit_labels)."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "question.create": _l("Question added"),
    "question.update": _l("Question changed"),
    "question.delete": _l("Question and its answers deleted"),
    "question.move": _l("Question moved"),
    "question.deadline": _l("Deadline for answers changed"),
    "question.ask": _l("Follow-up question asked"),
    "question.remind": _l("Reminder of follow-up questions sent"),
}
