"""Back office: the agenda editor."""

from plenary.admin.views import bp  # noqa: F401
