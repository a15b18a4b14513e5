"""jobs: one row per background job (a background export, for now)

Revision ID: 3b664520a612
Revises: 31de2cbb98ab
Create Date: 2026-11-25 18:20:22.918665

A new table only: nothing existing is rewritten. The downgrade drops it; the job
records go with it (their result files stay in the Storage until removed by hand).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b664520a612'
down_revision = '31de2cbb98ab'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('user_email', sa.String(length=255), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('checkpoint', sa.JSON(), nullable=True),
        sa.Column('result_key', sa.String(length=255), nullable=True),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'cancelled')",
            name=op.f('ck_jobs_state'),
        ),
        sa.CheckConstraint(
            'done >= 0 AND (total IS NULL OR total >= 0)', name=op.f('ck_jobs_progress')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_jobs_user_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    # A staff member's jobs, newest first (the Jobs page); finished jobs by age (clean-up).
    op.create_index('ix_jobs_user_id_created_at', 'jobs', ['user_id', 'created_at'])
    op.create_index('ix_jobs_state_finished_at', 'jobs', ['state', 'finished_at'])


def downgrade():
    op.drop_index('ix_jobs_state_finished_at', table_name='jobs')
    op.drop_index('ix_jobs_user_id_created_at', table_name='jobs')
    op.drop_table('jobs')
