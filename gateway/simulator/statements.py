"""The simulator's hot statements, built once (issue 10).

Building a Core statement (``select(...).where(...)``, ``.values(...)``) and computing its
cache key cost more than running it on SQLite: about a third of the simulator's CPU per debit
went there. These are built at import with bind parameters and executed with parameter dicts,
so SQLAlchemy finds their compiled form by identity. Where-clause parameters are prefixed ``b_``
so that the other keys of an UPDATE's parameters are its SET clause.
"""

from __future__ import annotations

from sqlalchemy import String, bindparam, cast, delete, exists, insert, select, update

from gateway.simulator import schema as t

_k, _s, _o, _a = t.keys.c, t.seen.c, t.orgs.c, t.accounts.c
_c, _b, _r, _g = t.counters.c, t.bank_debits.c, t.reversals.c, t.agreements.c

STATE = select(t.state).where(t.state.c.id == 1)
BUMP_COUNTER = update(t.counters).where(_c.name == bindparam("b_name")).values(value=_c.value + 1)
# The same in one round trip (SQLite 3.35+, PostgreSQL): the new value.
BUMP_COUNTER_RETURNING = BUMP_COUNTER.returning(_c.value)
COUNTER = select(_c.value).where(_c.name == bindparam("b_name"))
# The last value a unit of work took (Tx.flush); the first bump created the row.
SET_COUNTER = update(t.counters).where(_c.name == bindparam("b_name"))

KEY_BY_ID = select(t.keys).where(_k.id == bindparam("b_id"))
KEY_BY_KIND = select(t.keys).where(_k.kind == bindparam("b_kind"), _k.key == bindparam("b_key"))
INSERT_KEY = insert(t.keys)
UPDATE_KEY = update(t.keys).where(_k.id == bindparam("b_id"))

SEEN = select(t.seen).where(_s.src == bindparam("b_src"), _s.msg_id == bindparam("b_msg_id"))
INSERT_SEEN = insert(t.seen)
LINK_SEEN = update(t.seen).where(_s.src == bindparam("b_src"), _s.msg_id == bindparam("b_msg_id"))

ORG = select(t.orgs).where(_o.tax_org_code == bindparam("b_org"))
SPECIAL_ACCOUNT = select(t.special_accounts.c.tre_code).where(
    t.special_accounts.c.tre_code == bindparam("b_tre"))
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
# One key's bank record (its columns all None if there is none) and whether a reversal of it
# is recorded, in one round trip: the key as a one-row select, outer-joined to the records.
_ONE_KEY = select(cast(bindparam("b_key"), String).label("k")).subquery("one_key")
DEBIT_AND_REVERSAL = select(
    t.bank_debits, exists().where(_r.debit_key == _ONE_KEY.c.k).label("reversed_")
).select_from(_ONE_KEY.outerjoin(t.bank_debits, _b.key == _ONE_KEY.c.k))
AGREEMENTS_OF_ACCT = select(t.agreements).where(_g.acct == bindparam("b_acct"),
                                                _g.state == "normal")
ACCOUNTS_OF_ACCT = select(t.accounts).where(_a.acct == bindparam("b_acct"))
DELETE_DEBIT = delete(t.bank_debits).where(_b.key == bindparam("b_key"))
INSERT_LEDGER = insert(t.ledger)

_j = t.jobs.c
JOBS_DUE = select(_j.id).where(_j.due_at <= bindparam("b_now")).order_by(
    _j.due_at, _j.id).limit(bindparam("b_limit"))
NEXT_DUE = select(_j.due_at).order_by(_j.due_at).limit(1)
