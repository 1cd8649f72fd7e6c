"""Stand-in for the integration accounts migration (replaced by the real one on merge)

Revision ID: 0013_integration
Revises: 0012_deliveries
"""

revision = '0013_integration'
down_revision = '0012_deliveries'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
