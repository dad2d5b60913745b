"""the person's plan ("Mein Plan") behind an unguessable link

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 18:00:00

One row per conversation: the token of the link, the language, and the triage answers the page
renders the recommendation from. Deleted with the conversation.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.database

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('created_at', bot.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_plan')),
    sa.UniqueConstraint('conversation_id', name=op.f('uq_plan_conversation_id'))
    )


def downgrade() -> None:
    op.drop_table('plan')
