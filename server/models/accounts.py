"""People who sign in, the devices they use, and the tokens those devices hold."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import Role
from server.extensions import db
from server.models.types import UtcDateTime, enum_type, utcnow


class User(db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    role: so.Mapped[Role] = so.mapped_column(enum_type(Role))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    #: Where an engineer's day starts and ends (a depot), for carry-back decisions.
    home_facility_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("facilities.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)

    devices: so.WriteOnlyMapped["Device"] = so.relationship(back_populates="user", foreign_keys="Device.user_id")

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class Device(db.Model):
    """A phone (or a tool) that signs in; its events carry its own sequence numbers."""

    __tablename__ = "devices"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    device_uid: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    label: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    registered_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    revoked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    #: SHA-256 of the secret the phone was given at registration and presents at every sign-in;
    #: None for a device registered before device secrets (docs/sync-protocol.md, "Device secret").
    secret_digest: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    #: When the phone first presented its secret, proving it received it; until then the secret may be
    #: issued again to the device's own user (the answer that carried it may have been lost).
    secret_confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    #: The highest seq the phone said it had numbered, at its last sign-in attempt, and when.
    reported_seq: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    reported_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    #: Every seq up to this one has been received.
    highest_contiguous_seq: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    highest_seq_seen: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    #: Gaps below highest_seq_seen, as [first, last] ranges.
    missing_seq_ranges: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    #: When the oldest current gap was first noticed.
    gap_since: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)

    user: so.Mapped[User] = so.relationship(back_populates="devices", foreign_keys=[user_id])

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_digest: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    device_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("devices.id"), index=True)
    issued_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)

    user: so.Mapped[User] = so.relationship()
    device: so.Mapped[Device] = so.relationship()


class LoginFailure(db.Model):
    """A failed sign-in, counted to slow down password guessing."""

    __tablename__ = "login_failures"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    remote_addr: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, index=True)
