"""flows: a new request after a cancelled one; new courses are announced once

A person may ask again for a course after cancelling: (staff, course) is unique among live
requests only (a partial unique index, on SQLite and PostgreSQL), and the cancelled request
stays as it was, for the audit trail. courses.announced_at records that the staff a course
targets were told about it; courses that exist when this runs count as announced, so an
upgrade does not announce the whole catalogue at once.

Revision ID: 0008_flows
Revises: 0004_plan
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_flows"
down_revision = "0004_plan"
branch_labels = None
depends_on = None

LIVE = sa.text("status != 'cancelled'")


def upgrade() -> None:
    # SQLite cannot drop a constraint in place: batch mode rebuilds the table.
    with op.batch_alter_table("registrations") as batch:
        batch.drop_constraint("uq_registrations_staff_id_course_id", type_="unique")
    op.create_index("uq_registrations_live_staff_course", "registrations", ["staff_id", "course_id"], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE courses SET announced_at = CURRENT_TIMESTAMP"))


def downgrade() -> None:
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("announced_at")
    op.drop_index("uq_registrations_live_staff_course", table_name="registrations")
    # Only the newest request per (staff, course) can stay unique: older cancelled ones must go
    # first, which a downgrade will not do silently.
    with op.batch_alter_table("registrations") as batch:
        batch.create_unique_constraint("uq_registrations_staff_id_course_id", ["staff_id", "course_id"])
