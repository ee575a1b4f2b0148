"""Back office: accounts of the back office (admins only)."""

from plenary.admin.views import bp  # noqa: F401
