"""Organizer accounts for the back office."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from plenary.db import UTCDateTime, enum_type, utcnow
from plenary.extensions import db
from plenary.personal import NOT_PERSONAL, PERSONAL, SECRET


class Role(StrEnum):
    """What an account may do."""

    ADMIN = "admin"
    ORGANIZER = "organizer"
    VIEWER = "viewer"


#: Who may do what: each role includes the ones after it.
ROLE_RANK = {Role.VIEWER: 1, Role.ORGANIZER: 2, Role.ADMIN: 3}


class User(UserMixin, db.Model):
    """An organizer account; passwords are stored as scrypt hashes only."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True, info=NOT_PERSONAL)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, info=PERSONAL)
    name: Mapped[str | None] = mapped_column(sa.String(200), info=PERSONAL)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role_known"), default=Role.ORGANIZER, info=NOT_PERSONAL)
    password_hash: Mapped[str] = mapped_column(sa.String(255), info=SECRET)
    is_active: Mapped[bool] = mapped_column(default=True, info=NOT_PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)

    # Addresses are compared as typed in lower case (login, uniqueness): the database refuses any other.
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower_case"),)

    def set_password(self, password: str) -> None:
        """Hash and store ``password``."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def has_role(self, role: str) -> bool:
        """True if this account's role includes ``role`` (admin ⊃ organizer ⊃ viewer)."""
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[role]

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class UserSession(db.Model):
    """One login to the back office, held on the server so that it can end before its cookie does.

    The signed session cookie carries a random token; this row is keyed by the token's SHA-256, so that a copy
    of the database holds no usable session. A session ends at logout (``revoked_at``), when its account's
    password, role or active flag changes (all its sessions), after ``SESSION_IDLE_TIMEOUT`` without a request
    and ``PERMANENT_SESSION_LIFETIME`` after the login, however active.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True, info=NOT_PERSONAL)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True, info=NOT_PERSONAL
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=NOT_PERSONAL)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=NOT_PERSONAL)
