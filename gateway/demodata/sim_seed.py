"""The banks' side of the demo data: one simulator account (with its agreement) per agreement the
gateway holds, so that the simulated banks know the payers the demo debits.

Balances are reproducible from the account number: most accounts can pay, a few are short of
money or frozen, so the demo shows refusals as well as successes.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Iterator

from sqlalchemy import Engine, select

from gateway.persistence.records import AgreementRecord, PayerRecord


def _bucket(acct: str) -> int:
    return int(hashlib.sha256(acct.encode()).hexdigest()[:8], 16) % 100


def sim_accounts(engine: Engine) -> Iterator[dict]:
    """Rows for ``Simulator.load_accounts`` (the seed-file format of ``etsgw sim load-accounts``)."""
    stmt = (select(AgreementRecord.pay_bk_code, AgreementRecord.pay_op_bk_code,
                   AgreementRecord.pay_acct, AgreementRecord.hand_org_name,
                   AgreementRecord.protocol_no, AgreementRecord.state, PayerRecord.tax_pay_code,
                   PayerRecord.name)
            .join(PayerRecord, PayerRecord.id == AgreementRecord.payer_id)
            .order_by(AgreementRecord.id))
    with engine.connect() as conn:
        for r in conn.execute(stmt):
            b = _bucket(r.pay_acct)
            yield {
                "pay_bk_code": r.pay_bk_code, "pay_op_bk_code": r.pay_op_bk_code,
                "acct": r.pay_acct, "name": r.hand_org_name, "hand_org_name": r.hand_org_name,
                "tax_pay_code": r.tax_pay_code, "protocol_no": r.protocol_no,
                "agreement_state": "revoked" if r.state == "REVOKED" else "normal",
                "balance": str(Decimal("50.00") if b < 4 else Decimal("5000000.00")),
                "frozen": b in (97, 98),
            }
