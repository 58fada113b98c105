"""delegation: stand-ins for approvers, and who decided a step when it was not its approver

Revision ID: 0003_delegation
Revises: 0007_privacy
Create Date: 2026-12-01 21:40:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0003_delegation'
# After main's head (0007_privacy when console-b landed); the lead re-chains as branches land.
down_revision = '0007_privacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=False),
    sa.Column('stand_in_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_delegations_range')),
    sa.CheckConstraint('stand_in_id <> approver_id', name=op.f('ck_delegations_not_self')),
    sa.ForeignKeyConstraint(['approver_id'], ['staff.id'], name=op.f('fk_delegations_approver_id_staff')),
    sa.ForeignKeyConstraint(['stand_in_id'], ['staff.id'], name=op.f('fk_delegations_stand_in_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations'))
    )
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegations_approver_id'), ['approver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegations_stand_in_id'), ['stand_in_id'], unique=False)

    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acting', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_approval_steps_decided_by_id_staff'), 'staff',
                                    ['decided_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_approval_steps_decided_by_id_staff'), type_='foreignkey')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('acting')

    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegations_stand_in_id'))
        batch_op.drop_index(batch_op.f('ix_delegations_approver_id'))

    op.drop_table('delegations')
