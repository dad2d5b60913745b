"""messages between a counsellor and the person (the relay), a lead's forum topic

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:00:00

``relay_message`` holds what a counsellor and the person wrote to each other through Lotse; it goes
with its lead. ``lead.relay_since``/``relay_last_at`` say whether a counsellor holds the
conversation now, ``lead.topic_id`` is the lead's topic in a forum chat of the counsellors, and an
outbox row may carry a relay message.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.database

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'relay_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lead_id', sa.String(length=36), nullable=False),
        sa.Column('direction', sa.String(length=16), nullable=False),
        sa.Column('counsellor_id', sa.Integer(), nullable=True),
        sa.Column('author', sa.String(length=80), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('template', sa.String(length=32), nullable=True),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.Column('chat_message_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', bot.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['counsellor_id'], ['counsellor.id'], name=op.f('fk_relay_message_counsellor_id_counsellor'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_relay_message_lead_id_lead'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_relay_message')),
    )
    op.create_index(op.f('ix_relay_message_lead_id'), 'relay_message', ['lead_id'], unique=False)
    with op.batch_alter_table('lead') as batch_op:
        batch_op.add_column(sa.Column('relay_since', bot.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('relay_last_at', bot.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('topic_id', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('outbox_message') as batch_op:
        batch_op.add_column(sa.Column('relay_message_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_relay_message_id'), ['relay_message_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_relay_message_id_relay_message'), 'relay_message', ['relay_message_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('outbox_message') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_relay_message_id_relay_message'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_message_relay_message_id'))
        batch_op.drop_column('relay_message_id')
    with op.batch_alter_table('lead') as batch_op:
        batch_op.drop_column('topic_id')
        batch_op.drop_column('relay_last_at')
        batch_op.drop_column('relay_since')
    op.drop_index(op.f('ix_relay_message_lead_id'), table_name='relay_message')
    op.drop_table('relay_message')
