"""course content in several languages: lesson and brief translations, a course's complete languages

Revision ID: 8a41c2e7f0b3
Revises: 5c3e9a1f7b20
Create Date: 2026-12-01 23:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '8a41c2e7f0b3'
down_revision = '5c3e9a1f7b20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lms_courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('languages', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('lms_lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bodies', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('lms_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('briefs', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('lms_assignments', schema=None) as batch_op:
        batch_op.drop_column('briefs')
    with op.batch_alter_table('lms_lessons', schema=None) as batch_op:
        batch_op.drop_column('bodies')
    with op.batch_alter_table('lms_courses', schema=None) as batch_op:
        batch_op.drop_column('languages')
