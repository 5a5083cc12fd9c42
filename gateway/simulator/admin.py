"""Reference data and reports on the simulator's database: accounts and agreements (the seed
file), TaxOrgCodes and special accounts, the ledger totals and the status summary.

These work on a connection of the simulator's database directly; they put no messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from gateway.simulator import schema as t
from gateway.simulator.context import fen, yuan
from gateway.simulator.faults import parse_faults

#: Keys of one seed line (JSON); the first five are required.
SEED_KEYS = ("pay_bk_code", "pay_op_bk_code", "acct", "name", "tax_pay_code", "balance",
             "protocol_no", "agreement_state", "frozen", "fault", "closed", "hand_org_name")


class AdminError(ValueError):
    """Bad reference data (unknown account, malformed seed line)."""


def to_fen(value: Any) -> int:
    """Fen of a seed or command-line amount: Decimal, int or str, never float."""
    if isinstance(value, (float, bool)):
        raise AdminError(f"amounts are never float: {value!r}")
    try:
        return fen(value if isinstance(value, Decimal) else Decimal(str(value)))
    except (ArithmeticError, ValueError) as exc:
        raise AdminError(f"not an amount: {value!r} ({exc})") from None


def load_accounts(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update accounts and their agreements (idempotent, set-based); returns the
    number of seed rows."""
    accounts: dict[tuple[str, str], dict[str, Any]] = {}
    agreements: dict[tuple[str, str], dict[str, Any]] = {}
    count = 0
    for number, row in enumerate(rows, 1):
        unknown = set(row) - set(SEED_KEYS)
        missing = [k for k in SEED_KEYS[:5] if not row.get(k)]
        if unknown or missing:
            raise AdminError(f"seed row {number}: unknown keys {sorted(unknown)}, "
                             f"missing {missing}")
        try:
            parse_faults(row.get("fault") or None)  # refuse a typo now, not at a message
        except ValueError as exc:
            raise AdminError(f"seed row {number}: {exc}") from None
        bank, acct = str(row["pay_bk_code"]), str(row["acct"])
        accounts[(bank, acct)] = dict(
            pay_bk_code=bank, acct=acct, pay_op_bk_code=str(row["pay_op_bk_code"]),
            name=row["name"], tax_pay_code=str(row["tax_pay_code"]),
            balance_fen=to_fen(row.get("balance", 0)), frozen=bool(row.get("frozen", False)),
            closed=bool(row.get("closed", False)), fault=row.get("fault") or None)
        if row.get("protocol_no"):
            state = row.get("agreement_state") or "normal"
            if state not in ("normal", "revoked"):
                raise AdminError(f"seed row {number}: agreement_state must be normal or revoked")
            agreements[(str(row["protocol_no"]), acct)] = dict(
                protocol_no=str(row["protocol_no"]), acct=acct, pay_bk_code=bank,
                hand_org_name=row.get("hand_org_name") or row["name"],
                tax_pay_code=str(row["tax_pay_code"]), state=state)
        count += 1
    a, g = t.accounts.c, t.agreements.c
    _upsert(conn, t.accounts, accounts, (a.pay_bk_code, a.acct))
    _upsert(conn, t.agreements, agreements, (g.protocol_no, g.acct))
    return count


def _upsert(conn: Connection, table: Any, rows: dict[tuple[str, str], dict[str, Any]],
            key: tuple[Any, Any]) -> None:
    """Update the rows whose key exists, insert the others, in two set-based statements."""
    if not rows:
        return
    existing = {tuple(r) for r in conn.execute(select(*key))}
    new = [v for k, v in rows.items() if k not in existing]
    old = [v for k, v in rows.items() if k in existing]
    if new:
        conn.execute(insert(table), new)
    if old:
        names = [c.name for c in key]
        values = {c: bindparam(f"v_{c}") for c in old[0] if c not in names}
        conn.execute(update(table).where(*(c == bindparam(f"k_{c.name}") for c in key))
                     .values(**values),
                     [{**{f"k_{n}": v[n] for n in names},
                       **{f"v_{c}": v[c] for c in values}} for v in old])


def add_account(conn: Connection, pay_bk_code: str, pay_op_bk_code: str, acct: str, name: str,
                tax_pay_code: str, balance: Any = 0, frozen: bool = False, closed: bool = False,
                fault: str | None = None) -> None:
    parse_faults(fault)  # refuse a typo now, not when a message needs it
    values = dict(pay_op_bk_code=pay_op_bk_code, name=name, tax_pay_code=tax_pay_code,
                  balance_fen=to_fen(balance), frozen=frozen, closed=closed, fault=fault)
    a = t.accounts.c
    done = conn.execute(update(t.accounts).where(a.pay_bk_code == pay_bk_code, a.acct == acct)
                        .values(**values)).rowcount
    if not done:
        conn.execute(insert(t.accounts).values(pay_bk_code=pay_bk_code, acct=acct, **values))


def add_agreement(conn: Connection, protocol_no: str, pay_bk_code: str, acct: str,
                  hand_org_name: str, tax_pay_code: str, state: str = "normal") -> None:
    if state not in ("normal", "revoked"):
        raise AdminError(f"agreement state must be normal or revoked, got {state!r}")
    g = t.agreements.c
    values = dict(pay_bk_code=pay_bk_code, hand_org_name=hand_org_name,
                  tax_pay_code=tax_pay_code, state=state)
    done = conn.execute(update(t.agreements).where(g.protocol_no == protocol_no, g.acct == acct)
                        .values(**values)).rowcount
    if not done:
        conn.execute(insert(t.agreements).values(protocol_no=protocol_no, acct=acct, **values))


def accounts(conn: Connection, acct: str, pay_bk_code: str | None = None) -> list[dict[str, Any]]:
    """The account(s) with this number, with balance as Decimal and their agreements."""
    a, g = t.accounts.c, t.agreements.c
    query = select(t.accounts).where(a.acct == acct)
    if pay_bk_code:
        query = query.where(a.pay_bk_code == pay_bk_code)
    out = []
    for row in conn.execute(query):
        item = dict(row._mapping)
        item["balance"] = yuan(item.pop("balance_fen"))
        item["agreements"] = [dict(r._mapping) for r in conn.execute(
            select(g.protocol_no, g.state, g.hand_org_name, g.tax_pay_code).where(g.acct == acct))]
        out.append(item)
    return out


def change_account(conn: Connection, acct: str, pay_bk_code: str | None = None,
                   **values: Any) -> int:
    """Set ``balance`` (amount), ``frozen``, ``closed`` or ``fault``; returns rows changed."""
    if "balance" in values:
        values["balance_fen"] = to_fen(values.pop("balance"))
    if "fault" in values:
        parse_faults(values["fault"])
    a = t.accounts.c
    query = update(t.accounts).where(a.acct == acct)
    if pay_bk_code:
        query = query.where(a.pay_bk_code == pay_bk_code)
    changed = conn.execute(query.values(**values)).rowcount
    if not changed:
        raise AdminError(f"no account {acct}")
    return int(changed)


def configure_org(conn: Connection, node: str, tax_org_code: str, treasury: str | None) -> None:
    """A TaxOrgCode configured for the gateway's node, with its treasury (PayeeOrgCode)."""
    o = t.orgs.c
    done = conn.execute(update(t.orgs).where(o.tax_org_code == tax_org_code).values(
        node=node, treasury=treasury, configured=True)).rowcount
    if not done:
        conn.execute(insert(t.orgs).values(tax_org_code=tax_org_code, node=node,
                                           treasury=treasury, configured=True))


def configure_special_account(conn: Connection, tre_code: str, acct_code: str, acct_name: str,
                              balance: Any = 0, today_pay: Any = 0) -> None:
    """A fee special account listed in the 3128 (configured ones replace learned ones)."""
    s = t.special_accounts.c
    values = dict(acct_code=acct_code, acct_name=acct_name, balance_fen=to_fen(balance),
                  today_pay_fen=to_fen(today_pay), configured=True)
    if not conn.execute(update(t.special_accounts).where(s.tre_code == tre_code)
                        .values(**values)).rowcount:
        conn.execute(insert(t.special_accounts).values(tre_code=tre_code, **values))


def ledger_totals(conn: Connection, tax_pay_code: str | None = None) -> dict[str, Decimal]:
    """Money debited from payers and returned to them (Decimal), optionally for one payer."""
    g = t.ledger.c
    query = select(g.kind, func.coalesce(func.sum(g.amount_fen), 0)).group_by(g.kind)
    if tax_pay_code:
        query = query.where(g.tax_pay_code == tax_pay_code)
    sums = {kind: int(total) for kind, total in conn.execute(query)}
    debited, returned = sums.get("debit", 0), sums.get("return", 0)
    return {"debited": yuan(debited), "returned": yuan(returned),
            "net": yuan(debited - returned)}


def status(conn: Connection) -> dict[str, Any]:
    """Work date, SysStat and key counts by kind and OpStat."""
    state = conn.execute(select(t.state)).first()
    k = t.keys.c
    counts: dict[str, dict[str, int]] = {}
    for kind, op_stat, n in conn.execute(select(k.kind, k.op_stat, func.count())
                                         .group_by(k.kind, k.op_stat)):
        if kind != "MSG":
            counts.setdefault(kind, {})[op_stat or "-"] = int(n)
    pending = conn.execute(select(func.count()).select_from(t.jobs)).scalar_one()
    errors = conn.execute(select(func.count()).select_from(t.errors)).scalar_one()
    return {"work_date": state.work_date if state else None,
            "sys_stat": state.sys_stat if state else None,
            "keys": counts, "pending_jobs": int(pending), "error_store": int(errors)}
