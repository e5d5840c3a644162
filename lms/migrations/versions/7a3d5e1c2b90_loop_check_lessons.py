"""courses name the lesson that teaches each model check

Revision ID: 7a3d5e1c2b90
Revises: 4c8e2a9d1f07
Create Date: 2026-12-02 00:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7a3d5e1c2b90'
down_revision = '4c8e2a9d1f07'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lms_courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_lessons', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lms_courses', schema=None) as batch_op:
        batch_op.drop_column('check_lessons')
