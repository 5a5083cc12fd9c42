"""job schedule

The job store of `etsgw jobs` (APScheduler's SQLAlchemy job store layout), made by the
migrations so that the jobs process needs no right to create tables.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-02 04:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_schedule',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_schedule'))
    )
    with op.batch_alter_table('job_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_schedule_next_run_time'), ['next_run_time'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_schedule_next_run_time'))
    op.drop_table('job_schedule')
