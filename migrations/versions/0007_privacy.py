"""privacy: erasures (who was erased, when, by whom) and the upload trash

Revision ID: 0007_privacy
Revises: 0002_console
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0007_privacy"
down_revision = "0002_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"], name=op.f("fk_erasures_actor_id_staff"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_erasures_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_erasures_staff_id")),
    )


    op.create_table(
        "upload_trash",
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stored_name", name=op.f("pk_upload_trash")),
    )


def downgrade() -> None:
    op.drop_table("upload_trash")
    op.drop_table("erasures")
