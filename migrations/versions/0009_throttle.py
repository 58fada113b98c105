"""throttle: LINE's latest 429 pause, shared by the senders of every process; the unsent outbox rows indexed

Revision ID: 0009_throttle
Revises: 0006_delivery
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_throttle"
down_revision = "0006_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "line_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_throttle")),
    )
    # A claim walks the rows still to send in id order (models.outbox.claimable).
    unsent = sa.text("status IN ('pending', 'sending')")
    op.create_index("ix_outbox_unsent", "outbox", ["id"], unique=False, sqlite_where=unsent, postgresql_where=unsent)


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent", table_name="outbox")
    op.drop_table("line_throttle")
