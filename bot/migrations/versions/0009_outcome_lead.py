"""the outcome a counsellor closes a lead with

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 06:00:00

Empty for every existing lead (closed ones too: their outcome was never asked).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lead') as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lead') as batch_op:
        batch_op.drop_column('outcome')
