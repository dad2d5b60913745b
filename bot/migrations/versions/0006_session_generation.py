"""a counsellor's session generation ("log out everywhere")

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 03:50:00

Login cookies carry the generation they were made in; logging out everywhere moves it on, and
older cookies are refused. Existing accounts start at 0.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('counsellor') as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('counsellor') as batch_op:
        batch_op.drop_column('session_generation')
