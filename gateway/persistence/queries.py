"""Read-side queries for the front-ends (CLI, console, portal): plain rows, no domain objects."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from gateway.domain.agreement import mask_account
from gateway.persistence.records import AgreementRecord, DebitLevyRecord, DebitRecord, LevyRecord


def debit_detail(conn: Connection, debit_id: int) -> dict | None:
    d = conn.execute(select(DebitRecord).where(DebitRecord.id == debit_id)).first()
    if d is None:
        return None
    acct = None
    if d.agreement_id:
        acct = conn.execute(select(AgreementRecord.pay_acct)
                            .where(AgreementRecord.id == d.agreement_id)).scalar()
    levies = conn.execute(select(LevyRecord.id, LevyRecord.insurance_code, LevyRecord.state)
                          .join(DebitLevyRecord, DebitLevyRecord.levy_id == LevyRecord.id)
                          .where(DebitLevyRecord.debit_id == debit_id)
                          .order_by(DebitLevyRecord.line_no)).all()
    return {
        "id": d.id, "kind": d.kind, "key": f"{d.originator}/{d.entrust_date:%Y%m%d}/{d.tra_no}",
        "voucher": d.tax_vou_no, "amount": d.amount, "state": d.state,
        "result": f"{d.result_code} {d.reason}".strip(), "tax_date": d.tax_date,
        "account": mask_account(acct) if acct else "", "msg_id": d.msg_id,
        "levies": ", ".join(f"{lid}:{code}:{state}" for lid, code, state in levies),
    }
