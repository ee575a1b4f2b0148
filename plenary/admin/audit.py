"""Back office: the audit log (admins only)."""

from plenary.admin.views import bp  # noqa: F401
