"""outbox rows without a lead: redacting a sent card after erasure or retention

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 07:00:00

A lead card already in the counsellors' Telegram chat carries the person's first name. When the
lead is erased ("delete my data") or purged, an outbox row of kind ``redact`` (no lead, only the
Telegram message id) tells the notifier to overwrite that card.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('lead_id', existing_type=sa.String(length=36), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM outbox_message WHERE lead_id IS NULL")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('lead_id', existing_type=sa.String(length=36), nullable=False)
