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
        value = self.conn.execute(q.BUMP_COUNTER_RETURNING, {"b_name": name}).scalar()
        if value is None:
            self.conn.execute(insert(t.counters).values(name=name, value=1))
            return 1
        return int(value)

    def next_msg_id(self) -> str:
        """yyyyMMddHHmmss + a 6-digit sequence from a database counter: never reused."""
        seq = self.next_value("msgid") % 1_000_000
        return f"{self.env.clock():%Y%m%d%H%M%S}{seq:06d}"

    def bank_serial(self, bank: str, day: dt.date) -> str:
        """One counter per (bank, EntrustDate) for QueryNo, 2108 TraNo and 2102 PackNo (§11 4.2)."""
        return f"{self.next_value(f'bank:{bank}:{d2s(day)}'):08d}"

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
        row = (self.conn.execute(q.ACCOUNT_FAULT_AT, {"b_acct": acct, "b_bank": pay_bk_code})
               if pay_bk_code else self.conn.execute(q.ACCOUNT_FAULT, {"b_acct": acct})).first()
        return faults.plus_account(row.pay_bk_code, acct, row.fault) if row else faults

    def learn_org(self, tax_org_code: str, treasury: str | None = None,
                  payee_acct: str | None = None, payee_name: str | None = None) -> None:
        """Remember a TaxOrgCode of the gateway's node and its treasury (3122/3128)."""
        o = t.orgs.c
        row = self.conn.execute(q.ORG, {"b_org": tax_org_code}).first()
        if row is None:
            self.conn.execute(insert(t.orgs).values(tax_org_code=tax_org_code,
                                                    node=self.env.gateway_node,
                                                    treasury=treasury, configured=False))
        elif row.treasury is None and treasury:
            self.conn.execute(update(t.orgs).where(o.tax_org_code == tax_org_code)
                              .values(treasury=treasury))
        if treasury and payee_acct and payee_name:
            if self.conn.execute(q.SPECIAL_ACCOUNT, {"b_tre": treasury}).first() is None:
                self.conn.execute(insert(t.special_accounts).values(
                    tre_code=treasury, acct_code=payee_acct, acct_name=payee_name,
                    balance_fen=0, today_pay_fen=0, configured=False))

    def treasury_of(self, tax_org_code: str | None) -> str | None:
        if not tax_org_code:
            return None
        return self.conn.execute(q.TREASURY, {"b_org": tax_org_code}).scalar()

    def store_error(self, queue: str, reason: str, body: bytes, msg_no: str | None = None,
                    msg_id: str | None = None) -> None:
        """§3.1 rule 8 / §3.2: into the error store, with an alert (a warning log line)."""
        self.conn.execute(insert(t.errors).values(
            received_at=self.now, queue=queue, msg_no=msg_no, msg_id=msg_id, reason=reason,
            body=body))
        self.env.log.warning("sim.error_store", queue=queue, msg_no=msg_no, msg_id=msg_id,
                             reason=reason[:300])
