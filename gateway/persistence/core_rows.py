"""Prebuilt Core statements of the real-time hot path, and keeping the ORM's identity map true.

The debit, levy, payer, agreement and route repositories read and write their rows with
SQLAlchemy Core statements built once here with bind parameters. Building an ORM query, loading
objects and flushing them cost several times the SQL itself on SQLite, and on the real-time path
that work ran inside the write transaction (docs/performance.md, issue 10).

Other code of the same unit of work may still hold ORM records of the same rows (an operator's
action, a report of the same transaction). :func:`sync_loaded` sets the values a Core UPDATE
wrote on such a record without marking it dirty, so it neither reads stale values nor writes
them back.
"""

from __future__ import annotations

from typing import Any, Mapping, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.persistence.records import (AgreementRecord, DebitLevyRecord, DebitRecord,
                                         LevyRecord, PayerRecord, TaxOfficeRecord, TreasuryRecord)

DEBIT = cast(Table, DebitRecord.__table__)
DEBIT_LEVY = cast(Table, DebitLevyRecord.__table__)
LEVY = cast(Table, LevyRecord.__table__)
PAYER = cast(Table, PayerRecord.__table__)
AGREEMENT = cast(Table, AgreementRecord.__table__)
TREASURY = cast(Table, TreasuryRecord.__table__)
OFFICE = cast(Table, TaxOfficeRecord.__table__)

#: What a debit changes after it was added (its key, amounts and levy lines never do).
DEBIT_CHANGING = ("state", "result_code", "reason", "tax_date", "resent", "chk_date",
                  "resolved_at", "msg_id", "sent_at", "next_check_at", "query_step")
LEVY_CHANGING = ("state", "lock_kind", "lock_ref", "lock_reason", "lock_until", "paid_by",
                 "tax_date")
AGREEMENT_CHANGING = ("protocol_no", "payer_id", "tax_org_code", "pay_bk_code",
                      "pay_op_bk_code", "pay_acct", "hand_org_name", "activated_at", "reason",
                      "channel", "state")


def _locked(stmt: Any) -> dict[bool, Any]:
    """{postgres: statement}: a read that precedes a change takes the row lock on PostgreSQL
    (SQLite's BEGIN IMMEDIATE already serialises writers)."""
    return {False: stmt, True: stmt.with_for_update()}


d = DEBIT.c
DEBIT_BY_ID = _locked(select(DEBIT).where(d.id == bindparam("id")))
DEBIT_BY_KEY = _locked(select(DEBIT).where(
    d.originator == bindparam("originator"), d.entrust_date == bindparam("entrust_date"),
    d.tra_no == bindparam("tra_no")))
DEBIT_BY_MSG_ID = _locked(select(DEBIT).where(d.msg_id == bindparam("msg_id")).limit(1))
DEBIT_LINES = select(DEBIT_LEVY.c.levy_id, DEBIT_LEVY.c.amount).where(
    DEBIT_LEVY.c.debit_id == bindparam("id")).order_by(DEBIT_LEVY.c.line_no)
INSERT_DEBIT = insert(DEBIT)
INSERT_DEBIT_LEVY = insert(DEBIT_LEVY)
UPDATE_DEBIT = update(DEBIT).where(d.id == bindparam("b_id")).values(
    {name: bindparam(f"v_{name}") for name in DEBIT_CHANGING})

lv = LEVY.c
LEVIES_BY_ID = _locked(select(LEVY).where(lv.id.in_(bindparam("ids", expanding=True))))
UPDATE_LEVY = update(LEVY).where(lv.id == bindparam("b_id")).values(
    {**{name: bindparam(f"v_{name}") for name in LEVY_CHANGING}, "version": lv.version + 1})

PAYER_BY_ID = select(PAYER.c.id, PAYER.c.kind, PAYER.c.tax_pay_code, PAYER.c.name,
                     PAYER.c.tax_org_code, PAYER.c.social_security_no).where(
    PAYER.c.id == bindparam("id"))

a = AGREEMENT.c
AGREEMENT_BY_ID = select(AGREEMENT).where(a.id == bindparam("id"))
ACTIVE_AGREEMENT = select(AGREEMENT).where(
    a.payer_id == bindparam("payer_id"), a.state == "ACTIVE"
).order_by(a.activated_at.desc(), a.id.desc()).limit(1)
UPDATE_AGREEMENT = update(AGREEMENT).where(a.id == bindparam("b_id")).values(
    {name: bindparam(f"v_{name}") for name in AGREEMENT_CHANGING})

TREASURY_BY_CODE = select(TREASURY).where(TREASURY.c.tax_org_code == bindparam("code"))
OFFICE_PARENT = select(OFFICE.c.parent_code).where(OFFICE.c.code == bindparam("code"))
del d, lv, a


def is_postgres(session: Session) -> bool:
    return connection(session).dialect.name == "postgresql"


def connection(session: Session) -> Connection:
    """The session's connection, remembered for its outermost transaction: ``Session.connection()``
    costs more than a prebuilt statement's execution on SQLite, and savepoints stay on the same
    connection. A new transaction (after a commit or a rollback) looks it up afresh."""
    root = session.get_transaction()
    cached = session.info.get("core_rows.connection")
    if root is not None and cached is not None and cached[0] is root and root.is_active:
        return cast(Connection, cached[1])
    conn = session.connection()
    session.info["core_rows.connection"] = (session.get_transaction(), conn)
    return conn


def update_params(pk: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """The bind parameters of an ``UPDATE_*`` statement for one row."""
    params = {f"v_{name}": value for name, value in values.items()}
    params["b_id"] = pk
    return params


def sync_loaded(session: Session, record: type, pk: int, values: Mapping[str, Any],
                expire: tuple[str, ...] = ()) -> None:
    """Keep an ORM record of the same row, if this session holds one, in step with a Core
    UPDATE: the values as committed (not dirty), ``expire``'d attributes reloaded on access."""
    obj = session.identity_map.get(Session.identity_key(record, pk))
    if obj is None:
        return
    for name, value in values.items():
        set_committed_value(obj, name, value)
    if expire:
        session.expire(obj, list(expire))
