"""The back office's words for the reminders' audit actions (merged into plenary.admin.audit_labels)."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "reminder.create": _l("Reminder added"),
    "reminder.update": _l("Reminder changed"),
    "reminder.delete": _l("Reminder deleted"),
}
