"""real-time batch runs (§6.5): the run table and the entry's run and debit

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('realtime_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('operator', sa.String(length=40), nullable=False),
    sa.Column('max_in_flight', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['batch_list.id'], name=op.f('fk_realtime_batch_list_id_batch_list')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realtime_batch'))
    )
    with op.batch_alter_table('realtime_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_realtime_batch_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_realtime_batch_state'), ['state'], unique=False)
    with op.batch_alter_table('batch_list_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('realtime_batch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('debit_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_batch_list_entry_realtime',
                              ['realtime_batch_id', 'state', 'payer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('batch_list_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_list_entry_realtime')
        batch_op.drop_column('debit_id')
        batch_op.drop_column('realtime_batch_id')
    with op.batch_alter_table('realtime_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_realtime_batch_state'))
        batch_op.drop_index(batch_op.f('ix_realtime_batch_list_id'))
    op.drop_table('realtime_batch')
