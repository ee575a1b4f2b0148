"""Database base class, the UTC datetime and enumeration column types, and time helpers."""

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints get stable names (needed for batch migrations)."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """An instant stored as naive UTC and always returned as aware UTC.

    SQLite silently drops the offset of ``DateTime(timezone=True)``, so every
    instant is normalised to UTC on the way in and marked UTC on the way out;
    the IANA zone of an event lives in a column of its own.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes and store the UTC wall time."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Attach UTC to the stored wall time."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def enum_values(enum_class: type[StrEnum]) -> list[str]:
    """The stored values of ``enum_class``'s members ("draft"), not their Python names ("DRAFT")."""
    return [member.value for member in enum_class]


def enum_type(enum_class: type[StrEnum], name: str, length: int = 16) -> sa.Enum:
    """A column type holding one of ``enum_class``'s values, checked by the database.

    A plain ``VARCHAR(length)`` with a CHECK constraint named ``ck_<table>_<name>`` (no native
    PostgreSQL enum: adding a value is then a change of one constraint on every database). Rows read
    back as members of ``enum_class``, which compare equal to their strings.
    """
    return sa.Enum(enum_class, native_enum=False, create_constraint=True, values_callable=enum_values,
                   name=name, length=length)  # fmt: skip
