"""The simulator's hot statements, built once (issue 10).

Building a Core statement (``select(...).where(...)``, ``.values(...)``) and computing its
cache key cost more than running it on SQLite: about a third of the simulator's CPU per debit
went there. These are built at import with bind parameters and executed with parameter dicts,
so SQLAlchemy finds their compiled form by identity. Where-clause parameters are prefixed ``b_``
so that the other keys of an UPDATE's parameters are its SET clause.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select, update

from gateway.simulator import schema as t

_k, _s, _o, _a = t.keys.c, t.seen.c, t.orgs.c, t.accounts.c
_c, _b, _r, _g = t.counters.c, t.bank_debits.c, t.reversals.c, t.agreements.c

STATE = select(t.state).where(t.state.c.id == 1)
BUMP_COUNTER = update(t.counters).where(_c.name == bindparam("b_name")).values(value=_c.value + 1)
# The same in one round trip (SQLite 3.35+, PostgreSQL): the new value.
BUMP_COUNTER_RETURNING = BUMP_COUNTER.returning(_c.value)
COUNTER = select(_c.value).where(_c.name == bindparam("b_name"))

KEY_BY_ID = select(t.keys).where(_k.id == bindparam("b_id"))
KEY_BY_KIND = select(t.keys).where(_k.kind == bindparam("b_kind"), _k.key == bindparam("b_key"))
INSERT_KEY = insert(t.keys)
UPDATE_KEY = update(t.keys).where(_k.id == bindparam("b_id"))

SEEN = select(t.seen).where(_s.src == bindparam("b_src"), _s.msg_id == bindparam("b_msg_id"))
INSERT_SEEN = insert(t.seen)
LINK_SEEN = update(t.seen).where(_s.src == bindparam("b_src"), _s.msg_id == bindparam("b_msg_id"))

ORG = select(t.orgs).where(_o.tax_org_code == bindparam("b_org"))
TREASURY = select(_o.treasury).where(_o.tax_org_code == bindparam("b_org"))
SPECIAL_ACCOUNT = select(t.special_accounts.c.tre_code).where(
    t.special_accounts.c.tre_code == bindparam("b_tre"))
ACCOUNT_FAULT = select(_a.fault, _a.pay_bk_code).where(_a.acct == bindparam("b_acct"))
ACCOUNT_FAULT_AT = ACCOUNT_FAULT.where(_a.pay_bk_code == bindparam("b_bank"))
BANK_HOLDS = tuple(select(table.c.id).where(table.c.pay_bk_code == bindparam("b_bank")).limit(1)
                   for table in (t.accounts, t.agreements))

INSERT_ANSWER = insert(t.answers)
INSERT_SENT = insert(t.sent)

DEBITS_OF = select(t.bank_debits).where(_b.key.in_(bindparam("b_keys", expanding=True)))
REVERSED_OF = select(_r.debit_key).where(_r.debit_key.in_(bindparam("b_keys", expanding=True)))
AGREEMENTS_OF = select(t.agreements).where(_g.acct.in_(bindparam("b_accts", expanding=True)),
                                           _g.state == "normal")
ACCOUNTS_OF = select(t.accounts).where(_a.acct.in_(bindparam("b_accts", expanding=True)))
SET_BALANCE = update(t.accounts).where(_a.id == bindparam("_id")).values(
    balance_fen=bindparam("_balance"))
DELETE_DEBITS = delete(t.bank_debits).where(_b.key.in_(bindparam("b_keys", expanding=True)))
INSERT_DEBIT = insert(t.bank_debits)
# One key or account (a real-time 1001): an expanding IN is re-rendered on every execution,
# which cost more than the look-up itself.
DEBIT_OF = select(t.bank_debits).where(_b.key == bindparam("b_key"))
REVERSED_ONE = select(_r.debit_key).where(_r.debit_key == bindparam("b_key"))
AGREEMENTS_OF_ACCT = select(t.agreements).where(_g.acct == bindparam("b_acct"),
                                                _g.state == "normal")
ACCOUNTS_OF_ACCT = select(t.accounts).where(_a.acct == bindparam("b_acct"))
DELETE_DEBIT = delete(t.bank_debits).where(_b.key == bindparam("b_key"))
INSERT_LEDGER = insert(t.ledger)
