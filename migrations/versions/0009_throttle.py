"""throttle: LINE's latest 429 pause, shared by the senders of every process

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


def downgrade() -> None:
    op.drop_table("line_throttle")
