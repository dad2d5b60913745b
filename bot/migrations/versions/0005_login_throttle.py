"""failed inbox logins per account and per client address (lockout with back-off)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 03:40:00

One row per ``account:<name>`` or ``address:<ip>``: failures in the current window, lockouts in a
row and the end of the current lockout. No personal data beyond the name typed and the address.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.database

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', bot.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lockouts', sa.Integer(), nullable=False),
    sa.Column('locked_until', bot.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
