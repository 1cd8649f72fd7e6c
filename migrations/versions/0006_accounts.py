"""Accounts: usernames unique regardless of case, forced password changes, console session generations

``users.username_key`` holds the case-folded username under a unique
constraint. Usernames that already collide once folded ("ENG.AMY" beside
"eng.amy") cannot both keep their names: the oldest account (lowest id) keeps
its name and every later one is renamed with a suffix ("ENG.AMY-2"), each
rename logged as a warning with the user's id, so an admin can tell the person
their new username. Renaming rather than refusing, because the records view
cannot edit usernames: a refusal would stop the upgrade until someone edited
the table by hand, while a rename loses no account, password, device or history.

Revision ID: 0006_accounts
Revises: 0005_review
Create Date: 2026-12-01 09:10:00

"""
import logging

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006_accounts'
down_revision = '0005_review'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

USERNAME_LENGTH = 80


def _fold(username: str) -> str:
    # The same rule as server.models.accounts.username_key, frozen here as a migration must be.
    return username.strip().casefold()


def _unique_names(rows) -> dict[int, tuple[str, str]]:
    """For each user id, its (username, folded username) once colliding names are renamed."""
    taken = {_fold(name) for _, name in rows}
    seen: set[str] = set()
    result = {}
    for user_id, name in rows:
        key = _fold(name)
        if key in seen:
            number = 2
            while True:
                suffix = f"-{number}"
                candidate = name[:USERNAME_LENGTH - len(suffix)] + suffix
                if _fold(candidate) not in taken:
                    break
                number += 1
            log.warning("User %s %r is renamed %r: another account is already named %r regardless of case.",
                        user_id, name, candidate, key)
            name, key = candidate, _fold(candidate)
            taken.add(key)
        seen.add(key)
        result[user_id] = (name, key)
    return result


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    users = sa.table('users', sa.column('id', sa.Integer), sa.column('username', sa.String),
                     sa.column('username_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.username).order_by(users.c.id)).all()
    for user_id, (name, key) in _unique_names(rows).items():
        connection.execute(users.update().where(users.c.id == user_id).values(username=name, username_key=key))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('username_key', existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_username_key'), ['username_key'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_username_key'), type_='unique')
        batch_op.drop_column('session_generation')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('username_key')
