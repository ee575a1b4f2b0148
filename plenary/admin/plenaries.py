"""Back office: creating, editing, previewing, publishing and cancelling plenaries."""

from plenary.admin.views import bp  # noqa: F401
