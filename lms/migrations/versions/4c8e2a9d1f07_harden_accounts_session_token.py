"""harden-accounts: users' session token (logout and password changes end every session)

Revision ID: 4c8e2a9d1f07
Revises: 5c1e0a7b9d21
Create Date: 2026-12-01 23:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '4c8e2a9d1f07'
down_revision = '5c1e0a7b9d21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lms_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lms_users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
