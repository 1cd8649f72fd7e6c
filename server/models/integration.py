"""Other systems that use the API: an integration account (a User of role integration) and its API keys."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from server.extensions import db
from server.models.accounts import User
from server.models.types import UtcDateTime, utcnow


class Integration(db.Model):
    """A source system (an ERP, a CRM): what it sends is marked with its `source`, what it changes is by its user."""

    __tablename__ = "integrations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    #: The value put in the `source` of every record this integration sends.
    source: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    #: The account its changes are attributed to; it has no usable password.
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), unique=True)
    webhook_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    webhook_secret: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    #: While set, none of its keys is accepted.
    disabled_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    disabled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])
    keys: so.Mapped[list["IntegrationKey"]] = so.relationship(
        back_populates="integration", order_by="IntegrationKey.id")

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


class IntegrationKey(db.Model):
    """An API key of an integration; only its SHA-256 digest is stored, and its prefix to tell keys apart."""

    __tablename__ = "integration_keys"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    integration_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("integrations.id"), index=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(120))
    #: The public part of the key (flk_<prefix>_...), shown in lists.
    prefix: so.Mapped[str] = so.mapped_column(sa.String(12), unique=True)
    key_digest: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    revoked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    #: The rate limit's current one-minute window and the requests counted in it, in the database so that
    #: every server process counts against the same limit.
    rate_window_start: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    rate_window_requests: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    integration: so.Mapped[Integration] = so.relationship(back_populates="keys")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
