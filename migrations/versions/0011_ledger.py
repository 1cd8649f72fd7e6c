"""Part numbers lose the refurbished stock counter: the ledger holds stock

`part_numbers.refurbished_stock` (a global counter that only went up) and
`refurbished_stock_target` are dropped. A part's counter becomes an opening
stocktake movement of refurbished units at the first refurbishment centre (or,
without one, the first facility), and its target a stock target there, so
the disposition engine's need reads the same numbers as before. Downgrade puts
the counters back from the ledger and removes the opening movements.

Revision ID: 0011_ledger
Revises: 0010_swaps
Create Date: 2026-12-01 12:40:00

"""
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_ledger'
down_revision = '0010_swaps'
branch_labels = None
depends_on = None

#: server/logistics/stock.py MOVEMENT_NAMESPACE, copied so that this migration never changes.
MOVEMENT_NAMESPACE = uuid.UUID("5b0c7d1e-3f3a-4e61-9a53-6b1f2c9d4e80")
OPENING_REASON = "Opening balance: the part's refurbished stock counter before the ledger"


def upgrade():
    connection = op.get_bind()
    parts = connection.execute(sa.text(
        "SELECT id, part_number, refurbished_stock, refurbished_stock_target FROM part_numbers "
        "WHERE refurbished_stock > 0 OR refurbished_stock_target > 0 ORDER BY id"
    )).all()
    facility = connection.execute(sa.text(
        "SELECT id, code, name FROM facilities ORDER BY CASE WHEN kind = 'refurbishment_centre' THEN 0 ELSE 1 END, id"
    )).first()
    if parts and facility is not None:
        _open_ledger(connection, parts, facility)
    # In place (SQLite 3.35+ too): rebuilding the table would break the foreign keys that now point at it.
    op.drop_column('part_numbers', 'refurbished_stock_target')
    op.drop_column('part_numbers', 'refurbished_stock')


_movements = sa.table(
    'stock_movements', sa.column('id', sa.Uuid), sa.column('kind', sa.String), sa.column('part_number_id', sa.Integer),
    sa.column('quantity', sa.Integer), sa.column('to_location_id', sa.Integer), sa.column('to_grade', sa.String),
    sa.column('occurred_at', sa.DateTime), sa.column('recorded_at', sa.DateTime), sa.column('reason', sa.String),
    sa.column('left_negative', sa.Boolean),
)
_targets = sa.table(
    'stock_targets', sa.column('facility_id', sa.Integer), sa.column('part_number_id', sa.Integer),
    sa.column('quantity', sa.Integer), sa.column('updated_at', sa.DateTime),
)


def _open_ledger(connection, parts, facility):
    # Stored as the models store timestamps: UTC, naive on SQLite.
    now = datetime.now(timezone.utc)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    location_id = _facility_location(connection, facility)
    for part in parts:
        if part.refurbished_stock > 0:
            connection.execute(_movements.insert().values(
                id=uuid.uuid5(MOVEMENT_NAMESPACE, f"stocktake:opening:{part.part_number}"), kind='stocktake',
                part_number_id=part.id, quantity=part.refurbished_stock, to_location_id=location_id,
                to_grade='refurbished', occurred_at=now, recorded_at=now, reason=OPENING_REASON, left_negative=False,
            ))
        exists = connection.execute(sa.text(
            "SELECT 1 FROM stock_targets WHERE facility_id = :facility AND part_number_id = :part"),
            {"facility": facility.id, "part": part.id}).first()
        if part.refurbished_stock_target > 0 and exists is None:
            connection.execute(_targets.insert().values(
                facility_id=facility.id, part_number_id=part.id, quantity=part.refurbished_stock_target,
                updated_at=now))


def _facility_location(connection, facility) -> int:
    find = sa.text("SELECT id FROM stock_locations WHERE kind = 'facility' AND ref_id = :id")
    location_id = connection.execute(find, {"id": facility.id}).scalar()
    if location_id is None:
        connection.execute(sa.text(
            "INSERT INTO stock_locations (kind, ref_id, code, name) VALUES ('facility', :id, :code, :name)"),
            {"id": facility.id, "code": f"FAC:{facility.code}", "name": facility.name})
        location_id = connection.execute(find, {"id": facility.id}).scalar()
    return location_id


def downgrade():
    op.add_column('part_numbers', sa.Column('refurbished_stock', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('part_numbers',
                  sa.Column('refurbished_stock_target', sa.Integer(), nullable=False, server_default='0'))
    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE part_numbers SET refurbished_stock_target = COALESCE("
        "(SELECT SUM(quantity) FROM stock_targets WHERE part_number_id = part_numbers.id), 0)"))
    greatest = "MAX" if connection.dialect.name == "sqlite" else "GREATEST"
    connection.execute(sa.text(
        f"UPDATE part_numbers SET refurbished_stock = {greatest}(0, COALESCE((SELECT SUM(CASE "
        "WHEN to_grade = 'refurbished' THEN quantity ELSE 0 END) - SUM(CASE WHEN from_grade = 'refurbished' "
        "THEN quantity ELSE 0 END) FROM stock_movements WHERE part_number_id = part_numbers.id), 0))"))
    connection.execute(sa.text("DELETE FROM stock_movements WHERE kind = 'stocktake' AND reason = :reason"),
                       {"reason": OPENING_REASON})
