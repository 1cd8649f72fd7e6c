"""Column types that behave the same on SQLite and PostgreSQL."""

from datetime import datetime, timezone

import sqlalchemy as sa

from server import clock


class UtcDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Timestamps must be timezone-aware.")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """Now, from the server clock (server/clock.py)."""
    return clock.now()


#: An integer primary key that auto-increments on both databases.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def enum_type(enum: type) -> sa.Enum:
    """Store a StrEnum as its value in a plain string column."""
    return sa.Enum(enum, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
