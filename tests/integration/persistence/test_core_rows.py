"""The hot path's Core saves (gateway.persistence.core_rows) and ORM records of the same rows.

The debit, levy and agreement repositories write with prebuilt Core UPDATEs. Other code of the
same unit of work may hold an ORM record of the row; it must see what the Core save wrote, and a
later flush must not write its old values back.
"""

import sqlalchemy as sa

from gateway.domain.levy import LevyState, LockKind, LockOwner
from gateway.persistence import core_rows
from gateway.persistence.records import AgreementRecord, LevyRecord
from gateway.persistence.unit_of_work import SqlUnitOfWork


def test_an_orm_record_held_in_the_unit_sees_a_core_save_and_does_not_undo_it(engine, seeded):
    levy_id = seeded["levies"][0]
    owner = LockOwner(LockKind.DEBIT, "7")
    with SqlUnitOfWork(engine) as uow:
        held = uow.session.get(LevyRecord, levy_id)  # e.g. an operator's action loaded it
        version = held.version
        levy = uow.levies.get_many([levy_id])[0]
        levy.lock(owner, "1001 sent")
        uow.levies.save([levy])
        assert held.state == "LOCKED" and held.lock_ref == "7"
        assert held.version == version + 1  # reloaded after the SQL raised it
        held.declaration_no = "D-1"  # an unrelated change, flushed with the commit
        uow.commit()
    with engine.connect() as conn:
        row = conn.execute(sa.select(core_rows.LEVY).where(core_rows.LEVY.c.id == levy_id)).one()
    assert (row.state, row.lock_ref, row.declaration_no) == ("LOCKED", "7", "D-1")
    assert row.version == version + 1


def test_agreement_saved_by_core_is_seen_by_the_orm_record(engine, seeded):
    with SqlUnitOfWork(engine) as uow:
        agreement = uow.agreements.active_for_payer(seeded["payer"])
        held = uow.session.get(AgreementRecord, agreement.id)
        agreement.suspend("24002", "账户已销户")
        uow.agreements.save(agreement)
        assert held.state == agreement.state.value
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.agreements.active_for_payer(seeded["payer"]) is None


def test_the_remembered_connection_is_dropped_with_its_transaction(engine, seeded):
    with SqlUnitOfWork(engine) as uow:
        first = core_rows.connection(uow.session)
        assert core_rows.connection(uow.session) is first
        levy = uow.levies.get_many([seeded["levies"][0]])[0]
        levy.lock(LockOwner(LockKind.DEBIT, "8"), "1001 sent")
        uow.levies.save([levy])
        uow.rollback()  # a new transaction must not reuse the old one's connection state
        after = uow.levies.get_many([seeded["levies"][0]])[0]
        assert after.state is LevyState.UNPAID
        assert uow.session.get_transaction() is not None
        assert core_rows.connection(uow.session).in_transaction()
