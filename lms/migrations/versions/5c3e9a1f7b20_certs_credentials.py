"""certificates: Open Badges credential and its status-list index

Revision ID: 5c3e9a1f7b20
Revises: 7a3d5e1c2b90
Create Date: 2026-12-01 23:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5c3e9a1f7b20'
down_revision = '7a3d5e1c2b90'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lms_certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential_jwt', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_lms_certificates_status_index'), ['status_index'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('lms_certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_certificates_status_index'))
        batch_op.drop_column('status_index')
        batch_op.drop_column('credential_jwt')
