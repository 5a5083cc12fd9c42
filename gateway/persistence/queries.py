"""Read-side queries for the front-ends (CLI, console, portal): plain rows, no domain objects."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from gateway.domain.agreement import mask_account
from gateway.persistence.records import (AgreementRecord, DebitLevyRecord, DebitRecord,
                                         InboxRecord, LevyRecord, OutboxRecord)


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


def counter_voucher_print(conn: Connection, tax_vou_no: str, payer_id: int | None = None) -> dict | None:
    """The data of a printable 银行端查询缴款凭证 (§6.4): voucher number, office, payer, levies and
    total. ``payer_id`` scopes the look-up to the payer of a portal session (None for staff)."""
    from gateway.domain.parties import INSURANCE_BY_CODE
    from gateway.persistence.records import (CounterVoucherLevyRecord, CounterVoucherRecord,
                                             PayerRecord, TaxOfficeRecord)

    stmt = select(CounterVoucherRecord).where(CounterVoucherRecord.tax_vou_no == tax_vou_no)
    if payer_id is not None:
        stmt = stmt.where(CounterVoucherRecord.payer_id == payer_id)
    v = conn.execute(stmt).first()
    if v is None:
        return None
    payer = conn.execute(select(PayerRecord).where(PayerRecord.id == v.payer_id)).one()
    office = conn.execute(select(TaxOfficeRecord.name)
                          .where(TaxOfficeRecord.code == v.tax_org_code)).scalar() or ""
    lines = conn.execute(select(LevyRecord.insurance_code, LevyRecord.period_start,
                                LevyRecord.period_end, LevyRecord.amount)
                         .join(CounterVoucherLevyRecord, CounterVoucherLevyRecord.levy_id == LevyRecord.id)
                         .where(CounterVoucherLevyRecord.voucher_id == v.id)
                         .order_by(CounterVoucherLevyRecord.line_no)).all()
    return {
        "title": "银行端查询缴款凭证",
        "tax_vou_no": v.tax_vou_no, "tax_org_code": v.tax_org_code, "tax_org_name": office,
        "tax_pay_code": payer.tax_pay_code, "tax_pay_name": payer.name,
        "lines": [{"no": i + 1, "insurance": INSURANCE_BY_CODE[code].name,
                   "period": f"{start:%Y%m%d}-{end:%Y%m%d}", "amount": amount}
                  for i, (code, start, end, amount) in enumerate(lines)],
        "total": v.total_amount, "issued_at": v.created_at, "state": v.state,
        "note": "请持本凭证到银行柜台缴款；凭证号码即缴款凭证号。",
    }


def debits_by_state(conn: Connection, states: tuple[str, ...], tax_org_code: str | None = None,
                    limit: int = 200, offset: int = 0) -> list[dict]:
    """Debits in the given states, oldest first (e.g. the IN_DOUBT list for staff); accounts
    masked. ``tax_org_code`` scopes the list to one office."""
    d = DebitRecord
    stmt = (select(d.id, d.kind, d.originator, d.entrust_date, d.tra_no, d.amount, d.state,
                   d.sent_at, d.reason, AgreementRecord.pay_acct)
            .join(AgreementRecord, AgreementRecord.id == d.agreement_id, isouter=True)
            .where(d.state.in_(states)).order_by(d.id).limit(limit).offset(offset))
    if tax_org_code:
        stmt = stmt.where(d.tax_org_code == tax_org_code)
    out = []
    for r in conn.execute(stmt):
        out.append({"id": r.id, "kind": r.kind, "key": f"{r.originator}/{r.entrust_date:%Y%m%d}/{r.tra_no}",
                    "amount": r.amount, "state": r.state, "sent_at": r.sent_at, "reason": r.reason,
                    "account": mask_account(r.pay_acct) if r.pay_acct else ""})
    return out


def last_inbox_id(conn: Connection) -> int:
    """The newest inbox row's id (0 when empty): later answers have larger ids."""
    return conn.execute(select(func.max(InboxRecord.id))).scalar() or 0


def outbox_entry(conn: Connection, msg_id: str) -> dict | None:
    """Key and send time of one message we wrote to the outbox."""
    o = OutboxRecord
    r = conn.execute(select(o.msg_no, o.business_key, o.sent_at).where(o.msg_id == msg_id)).first()
    return r._asdict() if r is not None else None


def answer_received(conn: Connection, msg_no: str, request_key: str, after_id: int) -> bool:
    """Whether a reply ``msg_no`` to the request keyed ``request_key`` arrived after inbox row
    ``after_id`` (e.g. the 9004 to a 9003: its inbox row carries the 9003's key)."""
    i = InboxRecord
    return conn.execute(select(i.id).where(i.msg_no == msg_no, i.business_key == request_key,
                                           i.id > after_id).limit(1)).first() is not None
