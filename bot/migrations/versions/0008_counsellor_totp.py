"""an optional TOTP second factor per counsellor

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:00:00

Empty for every existing account: ``bot.cli counsellor-add <username> --name … --totp`` sets it up.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('counsellor') as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('counsellor') as batch_op:
        batch_op.drop_column('totp_secret')
