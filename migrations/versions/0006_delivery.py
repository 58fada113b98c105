"""delivery: who wrote each outbox row (pushes counted per source), and whether an attempt's outcome is unknown

Revision ID: 0006_delivery
Revises: 0008_flows
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_delivery"
down_revision = "0008_flows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("source", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("outcome_unknown", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_index(batch.f("ix_outbox_source"), ["source"], unique=False)
    # Rows written before: a reminder's kind heads its dedup key; the rest came from the chat.
    op.execute("UPDATE outbox SET source = 'chat' WHERE dedup_key IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(batch.f("ix_outbox_source"))
        batch.drop_column("outcome_unknown")
        batch.drop_column("source")
