"""Bulk inserts below Core (gateway.persistence.bulk_rows) store what the ORM would have stored.

The batch's items and levy lines are written as positional tuples straight to the driver
(``executemany`` on SQLite, ``COPY`` on PostgreSQL). Read back through the ORM, every value must
come back as written: exact money, dates, times, booleans and NULLs, inside the caller's
transaction (a rollback leaves nothing).
"""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from gateway.persistence.bulk_rows import insert_rows
from gateway.persistence.core_rows import DEBIT, DEBIT_LEVY, connection
from gateway.persistence.records import DebitLevyRecord, DebitRecord
from gateway.persistence.unit_of_work import SqlUnitOfWork

COLUMNS = ("kind", "originator", "tax_org_code", "entrust_date", "tra_no", "tax_vou_no",
           "payer_id", "agreement_id", "package_id", "amount", "state", "result_code", "reason",
           "resent", "msg_id", "sent_at", "query_step", "settled")
SENT_AT = dt.datetime(2024, 11, 5, 9, 30, 15, 123456)


def _rows(payer_id, n):
    return [("BATCH_ITEM", "14401060000", "14401060000", dt.date(2024, 11, 5), f"{i + 1:08d}",
             f"3440106241105{i + 1:05d}", payer_id, None, None, Decimal("1234567.89") + i,
             "SENT", "", "", i % 2 == 0, f"MSG{i}", SENT_AT if i else None, 0, False)
            for i in range(n)]


def test_rows_read_back_through_the_orm_as_written(engine, seeded):
    with SqlUnitOfWork(engine) as uow:
        conn = connection(uow.session)
        assert insert_rows(conn, DEBIT, COLUMNS, _rows(seeded["payer"], 3)) == 3
        ids = {r.tra_no: r.id for r in conn.execute(sa.select(DEBIT.c.id, DEBIT.c.tra_no))}
        lines = [(ids["00000001"], 1, seeded["levies"][0], Decimal("0.01")),
                 (ids["00000001"], 2, seeded["levies"][1], Decimal("-0.05")),
                 (ids["00000002"], 1, seeded["levies"][2], Decimal("999999999999.99"))]
        assert insert_rows(conn, DEBIT_LEVY, ("debit_id", "line_no", "levy_id", "amount"),
                           lines) == 3
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        got = {r.tra_no: r for r in uow.session.scalars(sa.select(DebitRecord))}
        first, second = got["00000001"], got["00000002"]
        assert first.amount == Decimal("1234567.89") and str(second.amount) == "1234568.89"
        assert first.entrust_date == dt.date(2024, 11, 5)
        assert first.sent_at is None and second.sent_at == SENT_AT
        assert (first.resent, second.resent) == (True, False)
        assert first.agreement_id is None and first.msg_id == "MSG0"
        amounts = sorted(str(r.amount) for r in uow.session.scalars(sa.select(DebitLevyRecord)))
        assert amounts == ["-0.05", "0.01", "999999999999.99"]


def test_a_rollback_leaves_nothing(engine, seeded):
    with SqlUnitOfWork(engine) as uow:
        insert_rows(connection(uow.session), DEBIT, COLUMNS, _rows(seeded["payer"], 2))
        uow.rollback()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(DEBIT)).scalar_one() == 0


def test_no_rows_is_no_statement(engine, seeded):
    with SqlUnitOfWork(engine) as uow:
        assert insert_rows(connection(uow.session), DEBIT, COLUMNS, []) == 0
