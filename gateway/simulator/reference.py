"""The reference-data and report half of :class:`gateway.simulator.Simulator`: accounts and
agreements, TaxOrgCodes and special accounts, and what tests and ``etsgw sim`` read back (the
ledger totals, the status, a key, the messages sent). No messages are put here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from gateway.config import Settings
from gateway.simulator import admin
from gateway.simulator import schema as t
from gateway.simulator.context import SimEnv


class ReferenceData:
    """Mixed into :class:`Simulator`, which provides ``settings``, ``env`` and ``engine``."""

    settings: Settings
    env: SimEnv

    @property
    def engine(self) -> Engine:
        return self.env.engine

    def load_accounts(self, rows: Iterable[Mapping[str, Any]]) -> int:
        with self.engine.begin() as conn:
            return admin.load_accounts(conn, rows)

    def add_account(self, pay_bk_code: str, pay_op_bk_code: str, acct: str, name: str,
                    tax_pay_code: str, balance: Any = 0, *, protocol_no: str | None = None,
                    agreement_state: str = "normal", frozen: bool = False, closed: bool = False,
                    fault: str | None = None, hand_org_name: str | None = None) -> None:
        """One account and, with ``protocol_no``, its agreement (as one seed line)."""
        row: dict[str, Any] = dict(pay_bk_code=pay_bk_code, pay_op_bk_code=pay_op_bk_code,
                                   acct=acct, name=name, tax_pay_code=tax_pay_code,
                                   balance=balance, protocol_no=protocol_no,
                                   agreement_state=agreement_state, frozen=frozen,
                                   closed=closed, fault=fault, hand_org_name=hand_org_name)
        self.load_accounts([row])

    def add_agreement(self, protocol_no: str, pay_bk_code: str, acct: str, hand_org_name: str,
                      tax_pay_code: str, state: str = "normal") -> None:
        with self.engine.begin() as conn:
            admin.add_agreement(conn, protocol_no, pay_bk_code, acct, hand_org_name,
                                tax_pay_code, state)

    def account(self, acct: str, pay_bk_code: str | None = None) -> list[dict[str, Any]]:
        with self.env.reader.connect() as conn:
            return admin.accounts(conn, acct, pay_bk_code)

    def change_account(self, acct: str, pay_bk_code: str | None = None, **values: Any) -> None:
        """``balance=``, ``frozen=``, ``closed=``, ``fault=`` (see :func:`admin.change_account`)."""
        with self.engine.begin() as conn:
            admin.change_account(conn, acct, pay_bk_code, **values)

    def configure_org(self, tax_org_code: str, treasury: str | None = None) -> None:
        with self.engine.begin() as conn:
            admin.configure_org(conn, self.settings.gateway.node, tax_org_code, treasury)

    def configure_special_account(self, tre_code: str, acct_code: str, acct_name: str,
                                  balance: Any = 0, today_pay: Any = 0) -> None:
        with self.engine.begin() as conn:
            admin.configure_special_account(conn, tre_code, acct_code, acct_name, balance,
                                            today_pay)

    def ledger_totals(self, tax_pay_code: str | None = None) -> dict[str, Decimal]:
        with self.env.reader.connect() as conn:
            return admin.ledger_totals(conn, tax_pay_code)

    def status(self) -> dict[str, Any]:
        with self.env.reader.connect() as conn:
            return admin.status(conn)

    def key(self, kind: str, key: str) -> dict[str, Any] | None:
        """What the ETS holds for a business key (e.g. ``("1001", "144...|20241105|00000123")``)."""
        with self.env.reader.connect() as conn:
            row = conn.execute(select(t.keys).where(t.keys.c.kind == kind,
                                                    t.keys.c.key == key)).first()
        return dict(row._mapping) if row is not None else None

    def sent(self, msg_no: str | None = None) -> list[dict[str, Any]]:
        """Messages the simulator put (oldest first), with the gateway's answers."""
        query = select(t.sent).order_by(t.sent.c.created_at, t.sent.c.msg_id)
        if msg_no:
            query = query.where(t.sent.c.msg_no == msg_no)
        with self.env.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

