"""Device secrets, and what a phone reports of its own entries

A device id alone no longer admits a sign-in: the phone presents the secret
the server issued at registration, of which only a SHA-256 digest is kept.
Devices registered before this revision have none (NULL) and are given one at
their next sign-in by the same user (docs/sync-protocol.md, "Device secret");
secret_confirmed_at says when the phone first presented it.
reported_seq / reported_at keep the highest seq a phone said it had numbered,
so the console can count the entries waiting on a revoked phone.

Revision ID: 0004_devices
Revises: 0003_sync_and_engine_indexes
Create Date: 2026-12-01 09:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_devices'
down_revision = '0003_sync_and_engine_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('secret_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reported_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('reported_at')
        batch_op.drop_column('reported_seq')
        batch_op.drop_column('secret_confirmed_at')
        batch_op.drop_column('secret_digest')
