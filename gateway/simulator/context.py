"""What every simulator action works with: the wiring (:class:`SimEnv`) and one unit of work
(:class:`Tx`: a database connection, the transport session joined to it, the time).

The simulator's queues and its state are in one database, so a :class:`Tx` commits the get of
a message, the state change and the answers put in one transaction when the transport lets a
session join a connection (the embedded queue manager). Otherwise the state is committed
first and then the transport; a redelivery after a crash in between meets the dedupe store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection, Engine

from gateway.codec import Codec
from gateway.config import Settings
from gateway.simulator import schema as t
from gateway.simulator import statements as q
from gateway.simulator.faults import Faults

Clock = Callable[[], dt.datetime]


def d2s(day: dt.date) -> str:
    return f"{day:%Y%m%d}"


def s2d(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def fen(amount: Decimal) -> int:
    """Integer fen of a two-place Decimal amount (exact; floats are refused)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amounts are Decimal, got {type(amount).__name__}")
    value = amount * 100
    if value != value.to_integral_value():
        raise ValueError(f"more than two decimal places: {amount}")
    return int(value)


def yuan(amount_fen: int) -> Decimal:
    """The Decimal amount of integer fen, with exactly two places."""
    return (Decimal(int(amount_fen)) / 100).quantize(Decimal("0.01"))


@dataclass
class SimEnv:
    """The simulator's wiring, built once by :class:`gateway.simulator.Simulator`."""

    settings: Settings
    codec: Codec
    clock: Clock
    engine: Engine
    reader: Engine  # read-only queries; on SQLite it never takes the write lock
    transport: Any
    joined: bool
    config_faults: Faults
    max_3122_items: int
    log: Any

    @property
    def ets_node(self) -> str:
        return self.settings.gateway.ets_node

    @property
    def gateway_node(self) -> str:
        return self.settings.gateway.node

    def out_queue(self, queue_class: str) -> str:
        """ETS.<node>.ONLINE.OUT / BATCH.OUT: remote queues routed to the gateway (§2.1)."""
        s = self.settings
        return s.online_out_queue if queue_class == "ONLINE" else s.batch_out_queue


@dataclass
class Tx:
    """One unit of work: ``conn`` (sim state and, when joined, the queues) and ``session``."""

    env: SimEnv
    conn: Connection
    session: Any
    now: dt.datetime
    _work: tuple[dt.date, str] | None = field(default=None, repr=False)
    # Per unit of work, so that a batch of messages costs fewer statements (issue 10): what
    # it has read (nothing else writes those rows while it holds the store's write lock) ...
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    # ... counter values taken (bumped in the database once, then here) ...
    _counters: dict[str, int] = field(default_factory=dict, repr=False)
    _counters_due: set[str] = field(default_factory=set, repr=False)
    # ... and rows of append-only tables, inserted by flush() in one executemany each; those
    # that a later message of the unit may look up are also in ``deferred``, by a key.
    _pending: dict[Any, list[dict[str, Any]]] = field(default_factory=dict, repr=False)
    deferred: dict[Any, dict[str, Any]] = field(default_factory=dict, repr=False)

    # --- work date and system state -------------------------------------------------------

    def _state(self) -> tuple[dt.date, str]:
        if self._work is None:
            row = self.conn.execute(q.STATE).first()
            if row is None:
                raise RuntimeError("simulator schema not initialised: call ensure_schema()")
            self._work = (s2d(row.work_date), row.sys_stat)
        return self._work

    @property
    def work_date(self) -> dt.date:
        return self._state()[0]

    @property
    def sys_stat(self) -> str:
        return self._state()[1]

    def set_state(self, work_date: dt.date, sys_stat: str) -> None:
        self.conn.execute(update(t.state).where(t.state.c.id == 1).values(
            work_date=d2s(work_date), sys_stat=sys_stat))
        self._work = (work_date, sys_stat)

    # --- counters --------------------------------------------------------------------------

    def next_value(self, name: str) -> int:
        """The next value of counter ``name``; the first use in a unit bumps it in the database
        (creating it), later ones count here and :meth:`flush` writes the last value."""
        if name in self._counters:
            self._counters[name] += 1
            self._counters_due.add(name)
            return self._counters[name]
        value = self.conn.execute(q.BUMP_COUNTER_RETURNING, {"b_name": name}).scalar()
        if value is None:
            self.conn.execute(insert(t.counters).values(name=name, value=1))
            value = 1
        self._counters[name] = int(value)
        return int(value)

    def next_msg_id(self) -> str:
        """yyyyMMddHHmmss + a 6-digit sequence from a database counter: never reused."""
        seq = self.next_value("msgid") % 1_000_000
        return f"{self.env.clock():%Y%m%d%H%M%S}{seq:06d}"

    def bank_serial(self, bank: str, day: dt.date) -> str:
        """One counter per (bank, EntrustDate) for QueryNo, 2108 TraNo and 2102 PackNo (§11 4.2)."""
        return f"{self.next_value(f'bank:{bank}:{d2s(day)}'):08d}"

    # --- deferred writes ---------------------------------------------------------------------

    def defer_insert(self, statement: Any, row: dict[str, Any], key: Any = None) -> None:
        """Insert ``row`` at the next :meth:`flush` (rows of one statement need the same keys);
        with ``key``, it can be found (and changed) in :attr:`deferred` until then."""
        self._pending.setdefault(statement, []).append(row)
        if key is not None:
            self.deferred[key] = row

    def flush(self) -> None:
        """Write what this unit holds back: before a read of a deferred table and at commit."""
        if self._counters_due:
            self.conn.execute(q.SET_COUNTER, [{"b_name": name, "value": self._counters[name]}
                                              for name in sorted(self._counters_due)])
            self._counters_due.clear()
        pending, self._pending = self._pending, {}
        self.deferred.clear()
        for statement, rows in pending.items():
            self.conn.execute(statement, rows)

    def schedule(self, kind: str, delay_s: float, key_id: int | None = None,
                 attempt: int = 0) -> None:
        """Work for the loop once ``delay_s`` has passed on the simulator's clock."""
        self.conn.execute(insert(t.jobs).values(
            kind=kind, due_at=self.now + dt.timedelta(seconds=delay_s), key_id=key_id,
            attempt=attempt))

    # --- reference data ------------------------------------------------------------------

    def account_faults(self, pay_bk_code: str | None, acct: str | None) -> Faults:
        """Configured faults plus those of the account (if the bank holds it)."""
        faults = self.env.config_faults
        if not acct:
            return faults
        rows = self.accounts_of(acct)
        row = (next((r for r in rows if r["pay_bk_code"] == pay_bk_code), None) if pay_bk_code
               else (rows[0] if rows else None))
        return faults.plus_account(row["pay_bk_code"], acct, row["fault"]) if row else faults

    def accounts_of(self, acct: str) -> list[dict[str, Any]]:
        """The bank accounts numbered ``acct`` (at any bank), read once per unit until a balance
        of one is written (:meth:`forget_accounts`). A 1001 asks for its account's faults three
        times and the bank checks the account; faults, holders and states are changed only by
        the admin functions, in transactions of their own."""
        cache_key = ("accounts", acct)
        if cache_key not in self.cache:
            self.cache[cache_key] = [row._asdict() for row in
                                     self.conn.execute(q.ACCOUNTS_OF_ACCT, {"b_acct": acct})]
        rows: list[dict[str, Any]] = self.cache[cache_key]
        return rows

    def forget_accounts(self, acct: str | None) -> None:
        """After a balance of ``acct`` was written: read it again when next asked."""
        self.cache.pop(("accounts", acct), None)

    def learn_org(self, tax_org_code: str, treasury: str | None = None,
                  payee_acct: str | None = None, payee_name: str | None = None) -> None:
        """Remember a TaxOrgCode of the gateway's node and its treasury (3122/3128)."""
        known, treasury_known = self._org(tax_org_code)
        if not known:
            self.conn.execute(insert(t.orgs).values(tax_org_code=tax_org_code,
                                                    node=self.env.gateway_node,
                                                    treasury=treasury, configured=False))
            self.cache[("org", tax_org_code)] = (True, treasury)
        elif treasury_known is None and treasury:
            self.conn.execute(update(t.orgs).where(t.orgs.c.tax_org_code == tax_org_code)
                              .values(treasury=treasury))
            self.cache[("org", tax_org_code)] = (True, treasury)
        if treasury and payee_acct and payee_name and ("special", treasury) not in self.cache:
            if self.conn.execute(q.SPECIAL_ACCOUNT, {"b_tre": treasury}).first() is None:
                self.conn.execute(insert(t.special_accounts).values(
                    tre_code=treasury, acct_code=payee_acct, acct_name=payee_name,
                    balance_fen=0, today_pay_fen=0, configured=False))
            self.cache[("special", treasury)] = True

    def treasury_of(self, tax_org_code: str | None) -> str | None:
        if not tax_org_code:
            return None
        return self._org(tax_org_code)[1]

    def _org(self, tax_org_code: str) -> tuple[bool, str | None]:
        """(whether ``sim_org`` has the code, its treasury), read once per unit."""
        cache_key = ("org", tax_org_code)
        if cache_key not in self.cache:
            row = self.conn.execute(q.ORG, {"b_org": tax_org_code}).first()
            self.cache[cache_key] = (row is not None, row.treasury if row is not None else None)
        known: tuple[bool, str | None] = self.cache[cache_key]
        return known

    def store_error(self, queue: str, reason: str, body: bytes, msg_no: str | None = None,
                    msg_id: str | None = None) -> None:
        """§3.1 rule 8 / §3.2: into the error store, with an alert (a warning log line)."""
        self.conn.execute(insert(t.errors).values(
            received_at=self.now, queue=queue, msg_no=msg_no, msg_id=msg_id, reason=reason,
            body=body))
        self.env.log.warning("sim.error_store", queue=queue, msg_no=msg_no, msg_id=msg_id,
                             reason=reason[:300])
