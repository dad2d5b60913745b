"""counsellor roles: counsellor (sees and changes leads) or admin (also exports and deletes)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:00:00

Existing accounts become ``counsellor``, the safe choice: nobody gains export or deletion by the
upgrade. Whoever should keep them is made an admin with
``python -m bot.cli counsellor-add <username> --name … --role admin``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('counsellor') as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), server_default='counsellor', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('counsellor') as batch_op:
        batch_op.drop_column('role')
