"""appointments a counsellor proposes to the person, and the outbox rows about them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:30:00

``appointment`` holds an appointment proposed with the ready-made reply "📅 Termin vorschlagen":
its start (an instant, with the office's time zone it was proposed in), place and status
(proposed, confirmed, declined, cancelled), when the person answered and when the reminder the
day before reached them; it goes with its lead. An outbox row may be about an appointment (its
calendar file, its reminder, the person's answer in the counsellors' chat).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.database

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'appointment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('lead_id', sa.String(length=36), nullable=False),
        sa.Column('relay_message_id', sa.Integer(), nullable=True),
        sa.Column('counsellor_id', sa.Integer(), nullable=True),
        sa.Column('starts_at', bot.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('place', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('answered_at', bot.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('reminder_sent_at', bot.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', bot.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['counsellor_id'], ['counsellor.id'], name=op.f('fk_appointment_counsellor_id_counsellor'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_appointment_lead_id_lead'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['relay_message_id'], ['relay_message.id'], name=op.f('fk_appointment_relay_message_id_relay_message'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment')),
        sa.UniqueConstraint('token', name=op.f('uq_appointment_token')),
    )
    with op.batch_alter_table('appointment') as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index('ix_appointment_status_starts_at', ['status', 'starts_at'], unique=False)
    with op.batch_alter_table('outbox_message') as batch_op:
        batch_op.add_column(sa.Column('appointment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_appointment_id_appointment'), 'appointment', ['appointment_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('outbox_message') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_appointment_id_appointment'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_message_appointment_id'))
        batch_op.drop_column('appointment_id')
    with op.batch_alter_table('appointment') as batch_op:
        batch_op.drop_index('ix_appointment_status_starts_at')
        batch_op.drop_index(batch_op.f('ix_appointment_lead_id'))
    op.drop_table('appointment')
