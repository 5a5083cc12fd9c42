"""slim state indexes

Packaging a month's batch changes the state of every levy and list entry it takes, and each
index that holds a changed column is rewritten for every row (1,000,000 levies: ≈ 30 s of a
100 s run went to the entries' and levies' UPDATEs). Indexes that only find rows by their key
no longer carry the state (the few rows of a levy or payer are filtered after the look-up),
and indexes on columns that are NULL for most rows are partial (a row outside them costs
nothing when it changes). ``ix_levy_payer_state`` goes: ``uq_levy_payer_type_period`` starts
with the payer.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _partial(condition: str) -> dict:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    with op.batch_alter_table('batch_list_entry', schema=None) as batch_op:
        for name in ('ix_batch_list_entry_levy', 'ix_batch_list_entry_payer',
                     'ix_batch_list_entry_package', 'ix_batch_list_entry_realtime'):
            batch_op.drop_index(name)
        batch_op.create_index('ix_batch_list_entry_levy', ['levy_id'], unique=False)
        batch_op.create_index('ix_batch_list_entry_payer', ['payer_id'], unique=False)
        batch_op.create_index('ix_batch_list_entry_package', ['package_id'], unique=False,
                              **_partial('package_id IS NOT NULL'))
        batch_op.create_index('ix_batch_list_entry_realtime',
                              ['realtime_batch_id', 'state', 'payer_id'], unique=False,
                              **_partial('realtime_batch_id IS NOT NULL'))
    with op.batch_alter_table('levy', schema=None) as batch_op:
        for name in ('ix_levy_payer_state', 'ix_levy_lock', 'ix_levy_lock_until'):
            batch_op.drop_index(name)
        batch_op.create_index('ix_levy_lock', ['lock_kind', 'lock_ref'], unique=False,
                              **_partial('lock_kind IS NOT NULL'))
        batch_op.create_index('ix_levy_lock_until', ['lock_until'], unique=False,
                              **_partial('lock_until IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('levy', schema=None) as batch_op:
        for name in ('ix_levy_lock', 'ix_levy_lock_until'):
            batch_op.drop_index(name)
        batch_op.create_index('ix_levy_lock_until', ['lock_until'], unique=False)
        batch_op.create_index('ix_levy_lock', ['lock_kind', 'lock_ref'], unique=False)
        batch_op.create_index('ix_levy_payer_state', ['payer_id', 'state'], unique=False)
    with op.batch_alter_table('batch_list_entry', schema=None) as batch_op:
        for name in ('ix_batch_list_entry_levy', 'ix_batch_list_entry_payer',
                     'ix_batch_list_entry_package', 'ix_batch_list_entry_realtime'):
            batch_op.drop_index(name)
        batch_op.create_index('ix_batch_list_entry_realtime',
                              ['realtime_batch_id', 'state', 'payer_id'], unique=False)
        batch_op.create_index('ix_batch_list_entry_package', ['package_id'], unique=False)
        batch_op.create_index('ix_batch_list_entry_payer', ['payer_id', 'state'], unique=False)
        batch_op.create_index('ix_batch_list_entry_levy', ['levy_id', 'state'], unique=False)
