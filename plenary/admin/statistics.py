"""Back office: statistics per plenary."""

from plenary.admin.views import bp  # noqa: F401
