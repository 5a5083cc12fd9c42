"""The banks behind the ETS: agreement verification (§6.1), the debit check order (§6.2 rule 3,
also for package items), reversals (§6.3) and the ledger of money moved.

The bank keeps its own record of every debit key (``sim_bank_debit``) and every reversal, apart
from the ETS key store: the ETS may not hold a key the bank has already debited (a forgotten key,
§6.10 OpStat 98), and then the bank answers 94051 instead of debiting twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from gateway.simulator import schema as t
from gateway.simulator import statements as q
from gateway.simulator.context import Tx, d2s, s2d
from gateway.simulator.faults import first_active

SUCCESS = frozenset({"90000", "94051"})

#: AddWord of each result the banks give (§5), in Chinese as on the wire.
RESULT_TEXT = {
    "90000": "扣款成功",
    "94051": "重复交易，原交易已扣款成功",
    "24001": "账户不存在",
    "24004": "账户已冻结",
    "24007": "账户余额不足",
    "24009": "无此账户的三方协议",
    "24011": "协议验证失败，信息与银行不符",
    "24020": "业务已撤销",
    "99090": "银行处理失败",
}


@dataclass(frozen=True)
class Debit:
    """One debit as the bank sees it; ``key`` is the bank-side key (1001 key or item key)."""

    key: str
    source: str  # 1001 | 1102
    pay_bk_code: str
    acct: str
    protocol_no: str
    hand_org_name: str
    tax_pay_code: str
    amount_fen: int
    tax_org_code: str
    treasury: str | None


@dataclass(frozen=True)
class Outcome:
    result: str
    tax_date: dt.date | None = None

    @property
    def add_word(self) -> str:
        return RESULT_TEXT.get(self.result, "银行处理失败")


def known_bank(tx: Tx, pay_bk_code: str) -> bool:
    """A PayBkCode the ETS can route to: a bank holding accounts or agreements here."""
    cache_key = ("bank", pay_bk_code)  # accounts are loaded in transactions of their own
    if cache_key not in tx.cache:
        tx.cache[cache_key] = any(
            tx.conn.execute(query, {"b_bank": pay_bk_code}).first() is not None
            for query in q.BANK_HOLDS)
    known: bool = tx.cache[cache_key]
    return known


def branches(tx: Tx, pay_bk_code: str) -> set[str]:
    return set(tx.conn.execute(select(t.accounts.c.pay_op_bk_code).where(
        t.accounts.c.pay_bk_code == pay_bk_code).distinct()).scalars())


def verify(tx: Tx, vc_sign: str, protocol_no: str, acct: str, hand_org_name: str,
           tax_pay_code: str) -> tuple[str, str | None]:
    """§6.1 bank rule: (VCResult, AddWord). Verify passes iff the agreement exists for the
    account in normal state with the same holder and payer; revoke iff it is (now) revoked."""
    a = t.agreements.c
    row = tx.conn.execute(select(t.agreements).where(a.protocol_no == protocol_no,
                                                     a.acct == acct)).first()
    if row is None:
        return "1", "无此三方协议"
    if vc_sign == "1":
        if row.state != "revoked":
            tx.conn.execute(update(t.agreements).where(a.id == row.id).values(state="revoked"))
        return "0", None
    if row.state != "normal":
        return "1", "三方协议已撤销"
    if row.hand_org_name != hand_org_name or row.tax_pay_code != tax_pay_code:
        return "1", "协议信息与银行不符"
    return "0", None


def debit(tx: Tx, d: Debit) -> Outcome:
    """One debit through :func:`debit_many`."""
    return debit_many(tx, [d])[0]


def debit_many(tx: Tx, debits: list[Debit]) -> list[Outcome]:
    """§6.2 rule 3 for many debits at once (a package): the records are read in bulk, each
    debit is decided by :func:`decide` in order (an account debited twice sees its first debit),
    and the changes are written in bulk. Account faults come from the accounts read."""
    if not debits:
        return []
    conn = tx.conn
    keys = [d.key for d in debits]
    accts = sorted({d.acct for d in debits})
    if len(debits) == 1:  # a real-time 1001: plain equality look-ups
        one = conn.execute(q.DEBIT_AND_REVERSAL, {"b_key": keys[0]}).one()
        priors = {one.key: one} if one.key is not None else {}
        reversed_ = {keys[0]} if one.reversed_ else set()
        agreement_rows = list(conn.execute(q.AGREEMENTS_OF_ACCT, {"b_acct": accts[0]}))
        account_rows = tx.accounts_of(accts[0])  # read already for the account's faults
    else:
        priors = {row.key: row for part in _chunks(keys)
                  for row in conn.execute(q.DEBITS_OF, {"b_keys": part})}
        reversed_ = {k for part in _chunks(keys)
                     for k in conn.execute(q.REVERSED_OF, {"b_keys": part}).scalars()}
        agreement_rows = [row for part in _chunks(accts)
                          for row in conn.execute(q.AGREEMENTS_OF, {"b_accts": part})]
        account_rows = [row._asdict() for part in _chunks(accts)
                        for row in conn.execute(q.ACCOUNTS_OF, {"b_accts": part})]
    agreements = {(row.protocol_no, row.acct): row for row in agreement_rows}
    accounts = {(row["pay_bk_code"], row["acct"]): row for row in account_rows}
    outcomes: list[Outcome] = []
    records: dict[str, dict[str, Any]] = {}
    ledger_rows: list[dict[str, Any]] = []
    for d in debits:
        account = accounts.get((d.pay_bk_code, d.acct))
        faults = tx.env.config_faults.plus_account(d.pay_bk_code, d.acct,
                                                   account["fault"] if account else None)
        failing = bool(faults.matching("bank_error", bank=d.pay_bk_code)) and \
            first_active(conn, faults, "bank_error", bank=d.pay_bk_code) is not None
        prior = priors.get(d.key)
        result = decide(d, prior, d.key in reversed_, failing,
                        agreements.get((d.protocol_no, d.acct)), account)
        if result == "94051":
            outcomes.append(Outcome(result, s2d(prior.tax_date)))
            continue  # no second debit, and the record of the first stays
        outcome = Outcome(result, tx.work_date if result == "90000" else None)
        outcomes.append(outcome)
        if result == "24020" and prior is not None and prior.result == "90000":
            continue  # made, then reversed: its record (and TaxDate) stays
        if result == "90000" and account is not None:
            account["balance_fen"] -= d.amount_fen
            ledger_rows.append(_ledger_row(tx, "debit", d.source, d.key, d.amount_fen,
                                           tax_pay_code=d.tax_pay_code,
                                           tax_org_code=d.tax_org_code, treasury=d.treasury,
                                           pay_bk_code=d.pay_bk_code, acct=d.acct))
        records[d.key] = dict(key=d.key, result=result, amount_fen=d.amount_fen,
                              pay_bk_code=d.pay_bk_code, acct=d.acct,
                              tax_pay_code=d.tax_pay_code, tax_org_code=d.tax_org_code,
                              treasury=d.treasury,
                              tax_date=d2s(outcome.tax_date) if outcome.tax_date else None)
    _write(tx, accounts, records, ledger_rows, priors)
    return outcomes


def decide(d: Debit, prior: Any, reversed_: bool, bank_error: bool, agreement: Any,
           account: dict[str, Any] | None) -> str:
    """The first check of §6.2 rule 3 that matches (``bank_error``: any other bank fault, after
    the key checks, see contract_choices)."""
    if prior is not None and prior.result == "90000" and not reversed_:
        return "94051"  # (i)
    if reversed_:
        return "24020"  # (ii)
    if bank_error:
        return "99090"
    if agreement is None:
        return "24009"  # (iii): no agreement in normal state for ProtocolNo + PayAcct
    if agreement.hand_org_name != d.hand_org_name or agreement.tax_pay_code != d.tax_pay_code:
        return "24011"  # (iv)
    if account is None or account["closed"]:
        return "24001"  # (v)
    if account["frozen"]:
        return "24004"  # (vi)
    if account["balance_fen"] < d.amount_fen:
        return "24007"  # (vii)
    return "90000"  # (viii)


def _write(tx: Tx, accounts: dict[Any, dict[str, Any]], records: dict[str, dict[str, Any]],
           ledger_rows: list[dict[str, Any]], priors: dict[str, Any]) -> None:
    conn = tx.conn
    touched = {(row["pay_bk_code"], row["acct"]) for row in ledger_rows}
    if touched:
        conn.execute(q.SET_BALANCE, [{"_id": accounts[k]["id"], "_balance": accounts[k]["balance_fen"]}
                      for k in touched])
        for _, acct in touched:
            tx.forget_accounts(acct)
    # A record replaces the bank's earlier one of the key; a first debit (the usual) has none.
    replaced = [key for key in records if key in priors]
    if len(replaced) == 1:
        conn.execute(q.DELETE_DEBIT, {"b_key": replaced[0]})
    else:
        for part in _chunks(replaced):
            conn.execute(q.DELETE_DEBITS, {"b_keys": part})
    if records:
        conn.execute(q.INSERT_DEBIT, list(records.values()))
    for row in ledger_rows:
        tx.defer_insert(q.INSERT_LEDGER, row)


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def made_debit(tx: Tx, key: str) -> str | None:
    """TaxDate (yyyyMMdd) of the bank's successful debit of ``key``, if it made one."""
    b = t.bank_debits.c
    row = tx.conn.execute(select(b.result, b.tax_date).where(b.key == key)).first()
    return row.tax_date if row is not None and row.result == "90000" else None


def reverse(tx: Tx, debit_key: str, cancel_key: str, ori_entrust_date: dt.date
            ) -> tuple[str, str | None, bool]:
    """§6.3 bank rule: (CancelAnswer, AddWord, money returned). Recorded even for a debit the
    bank never saw, so that it is refused with 24020 if it arrives later."""
    if tx.work_date != ori_entrust_date:
        return "2", "非当日交易，不能撤销", False
    r = t.reversals.c
    if tx.conn.execute(select(r.debit_key).where(r.debit_key == debit_key)).first() is not None:
        return "1", None, False
    prior = tx.conn.execute(select(t.bank_debits).where(
        t.bank_debits.c.key == debit_key)).first()
    returned = 0
    if prior is not None and prior.result == "90000":
        c = t.accounts.c
        tx.conn.execute(update(t.accounts).where(
            c.pay_bk_code == prior.pay_bk_code, c.acct == prior.acct).values(
            balance_fen=c.balance_fen + prior.amount_fen))
        tx.forget_accounts(prior.acct)
        ledger(tx, "return", "1001", debit_key, prior.amount_fen,
               tax_pay_code=prior.tax_pay_code, tax_org_code=prior.tax_org_code,
               treasury=prior.treasury, pay_bk_code=prior.pay_bk_code, acct=prior.acct)
        returned = prior.amount_fen
    tx.conn.execute(insert(t.reversals).values(debit_key=debit_key, cancel_key=cancel_key,
                                               returned_fen=returned, created_at=tx.now))
    return "1", None, returned > 0


def ledger(tx: Tx, kind: str, source: str, key: str, amount_fen: int, **fields: str | None
           ) -> None:
    """One money movement: ``debit`` from a payer or ``return`` to one."""
    # Only appended to, and read by reports in transactions of their own: written at flush.
    tx.defer_insert(q.INSERT_LEDGER, _ledger_row(tx, kind, source, key, amount_fen, **fields))


#: The optional columns of a ledger row: every row names all of them (one executemany).
_LEDGER_FIELDS = ("tax_pay_code", "tax_org_code", "treasury", "pay_bk_code", "acct")


def _ledger_row(tx: Tx, kind: str, source: str, key: str, amount_fen: int,
                **fields: str | None) -> dict[str, Any]:
    unknown = set(fields) - set(_LEDGER_FIELDS)
    if unknown:
        raise TypeError(f"not ledger columns: {sorted(unknown)}")
    return dict(kind=kind, source=source, key=key, amount_fen=amount_fen,
                work_date=d2s(tx.work_date), created_at=tx.now,
                **{name: fields.get(name) for name in _LEDGER_FIELDS})
