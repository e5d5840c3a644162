"""learner notes, per-criterion comments, due times, cutoffs and extensions

Revision ID: 5c1e0a7b9d21
Revises: 2d7703df6814
Create Date: 2026-12-01 23:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5c1e0a7b9d21'
down_revision = '2d7703df6814'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lms_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('lms_grades', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rubric_comments', sa.JSON(), nullable=True))
    with op.batch_alter_table('lms_courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False, server_default='Asia/Bishkek'))
    with op.batch_alter_table('lms_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cutoff_at', sa.DateTime(), nullable=True))
    op.create_table(
        'lms_extensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('until', sa.DateTime(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['lms_assignments.id'], name=op.f('fk_lms_extensions_assignment_id_lms_assignments')),
        sa.ForeignKeyConstraint(['user_id'], ['lms_users.id'], name=op.f('fk_lms_extensions_user_id_lms_users')),
        sa.ForeignKeyConstraint(['granted_by_id'], ['lms_users.id'], name=op.f('fk_lms_extensions_granted_by_id_lms_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_extensions')),
        sa.UniqueConstraint('assignment_id', 'user_id', name=op.f('uq_lms_extensions_assignment_id')),
    )
    with op.batch_alter_table('lms_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_extensions_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_extensions_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lms_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_extensions_user_id'))
        batch_op.drop_index(batch_op.f('ix_lms_extensions_assignment_id'))
    op.drop_table('lms_extensions')
    with op.batch_alter_table('lms_assignments', schema=None) as batch_op:
        batch_op.drop_column('cutoff_at')
        batch_op.drop_column('due_at')
    with op.batch_alter_table('lms_courses', schema=None) as batch_op:
        batch_op.drop_column('timezone')
    with op.batch_alter_table('lms_grades', schema=None) as batch_op:
        batch_op.drop_column('rubric_comments')
    with op.batch_alter_table('lms_submissions', schema=None) as batch_op:
        batch_op.drop_column('note')
