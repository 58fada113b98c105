"""inbox: webhook events are stored on arrival and handled by the workers (replaces processed_events)

Revision ID: 0010_inbox
Revises: 0006_delivery
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_inbox"
down_revision = "0006_delivery"
branch_labels = None
depends_on = None

WAITING = sa.text("done_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_event_id", sa.String(length=64), nullable=True),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("line_user_id", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_events")),
        sa.UniqueConstraint("webhook_event_id", name=op.f("uq_inbound_events_webhook_event_id")),
    )
    with op.batch_alter_table("inbound_events") as batch:
        batch.create_index(batch.f("ix_inbound_events_received_at"), ["received_at"], unique=False)
        batch.create_index("ix_inbound_events_waiting", ["id"], unique=False,
                           sqlite_where=WAITING, postgresql_where=WAITING)
        batch.create_index("ix_inbound_events_waiting_user", ["line_user_id", "id"], unique=False,
                           sqlite_where=WAITING, postgresql_where=WAITING)
    # Events handled before stay known for a while, so their redeliveries are still dropped.
    op.execute("INSERT INTO inbound_events (webhook_event_id, event_type, received_at, claims, handled_at, done_at) "
               "SELECT webhook_event_id, event_type, received_at, 1, received_at, received_at FROM processed_events")
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_index(batch.f("ix_processed_events_received_at"))
    op.drop_table("processed_events")


def downgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("webhook_event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("webhook_event_id", name=op.f("pk_processed_events")),
    )
    with op.batch_alter_table("processed_events") as batch:
        batch.create_index(batch.f("ix_processed_events_received_at"), ["received_at"], unique=False)
    op.execute("INSERT INTO processed_events (webhook_event_id, event_type, received_at) "
               "SELECT webhook_event_id, event_type, received_at FROM inbound_events "
               "WHERE webhook_event_id IS NOT NULL AND done_at IS NOT NULL")
    with op.batch_alter_table("inbound_events") as batch:
        batch.drop_index("ix_inbound_events_waiting_user")
        batch.drop_index("ix_inbound_events_waiting")
        batch.drop_index(batch.f("ix_inbound_events_received_at"))
    op.drop_table("inbound_events")
