"""the privacy notice as shown, and each consent's reference to it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 03:00:00

A consent counts only when this conversation was shown the privacy notice of that version before
the consent button was pressed. ``notice_shown`` records each showing (no personal data);
``consent.notice_shown_id`` names the showing a consent was given after. Consents from before
this revision keep an empty reference.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.database

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notice_shown',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('notice_version', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('shown_at', bot.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_shown'))
    )
    with op.batch_alter_table('notice_shown', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_shown_conversation_id'), ['conversation_id'], unique=False)

    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_shown_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consent_notice_shown_id_notice_shown'),
                                    'notice_shown', ['notice_shown_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consent_notice_shown_id_notice_shown'), type_='foreignkey')
        batch_op.drop_column('notice_shown_id')

    with op.batch_alter_table('notice_shown', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_shown_conversation_id'))

    op.drop_table('notice_shown')
