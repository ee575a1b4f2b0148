"""Back office: messages to attendees and the outbox."""

from plenary.admin.views import bp  # noqa: F401
