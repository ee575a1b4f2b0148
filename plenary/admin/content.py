"""Back office: announcements and members."""

from plenary.admin.views import bp  # noqa: F401
