"""Conversions between records and the domain's plain objects. The schema stays as it was
before the aggregates carried their timers: every field an aggregate holds has its column."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gateway.domain.agreement import Agreement, AgreementChannel, AgreementState
from gateway.domain.batch import Package, PackageState
from gateway.domain.debit import Debit, DebitKind, DebitState
from gateway.domain.levy import Levy, LevyState, LockKind, LockOwner
from gateway.domain.reversal import Reversal, ReversalState
from gateway.domain.verification import VcSign, Verification, VerificationState
from gateway.domain.voucher import CounterVoucher, VoucherState
from gateway.persistence.records import (AgreementRecord, CounterVoucherRecord, DebitRecord,
                                         LevyRecord, PackageRecord, ReversalRecord,
                                         VerificationRecord)


def levy_from(r: LevyRecord) -> Levy:
    owner = LockOwner(LockKind(r.lock_kind), r.lock_ref) if r.lock_kind and r.lock_ref else None
    return Levy(id=r.id, payer_id=r.payer_id, tax_org_code=r.tax_org_code,
                insurance_code=r.insurance_code, period_start=r.period_start,
                period_end=r.period_end, amount=r.amount, state=LevyState(r.state),
                lock_owner=owner, lock_reason=r.lock_reason or "", lock_until=r.lock_until,
                paid_by=r.paid_by or "", tax_date=r.tax_date)


def levy_into(levy: Levy, r: LevyRecord) -> None:
    r.state = levy.state.value
    r.lock_kind = levy.lock_owner.kind.value if levy.lock_owner else None
    r.lock_ref = levy.lock_owner.ref if levy.lock_owner else None
    r.lock_reason, r.lock_until = levy.lock_reason, levy.lock_until
    r.paid_by, r.tax_date = levy.paid_by, levy.tax_date
    r.version = (r.version or 0) + 1


def agreement_from(r: AgreementRecord) -> Agreement:
    return Agreement(id=r.id, protocol_no=r.protocol_no, payer_id=r.payer_id,
                     tax_org_code=r.tax_org_code, pay_bk_code=r.pay_bk_code,
                     pay_op_bk_code=r.pay_op_bk_code, pay_acct=r.pay_acct,
                     hand_org_name=r.hand_org_name, channel=AgreementChannel(r.channel),
                     state=AgreementState(r.state), activated_at=r.activated_at,
                     reason=r.reason or "")


def agreement_into(a: Agreement, r: AgreementRecord) -> None:
    for name in ("protocol_no", "payer_id", "tax_org_code", "pay_bk_code", "pay_op_bk_code",
                 "pay_acct", "hand_org_name", "activated_at", "reason"):
        setattr(r, name, getattr(a, name))
    r.channel, r.state = a.channel.value, a.state.value


def debit_from(r: DebitRecord, levies: tuple[tuple[int, Decimal], ...]) -> Debit:
    """A debit from its row and its (levy_id, amount) lines in TaxTypeList order."""
    return Debit(id=r.id, kind=DebitKind(r.kind), tax_org_code=r.tax_org_code,
                 entrust_date=r.entrust_date, tra_no=r.tra_no, tax_vou_no=r.tax_vou_no,
                 payer_id=r.payer_id, amount=r.amount, levy_ids=tuple(i for i, _ in levies),
                 levy_amounts=tuple(a for _, a in levies),
                 state=DebitState(r.state), result_code=r.result_code or "",
                 reason=r.reason or "", tax_date=r.tax_date, resent=bool(r.resent),
                 package_id=r.package_id, originator=r.originator, agreement_id=r.agreement_id,
                 msg_id=r.msg_id or "", sent_at=r.sent_at, next_check_at=r.next_check_at,
                 query_step=r.query_step or 0, chk_date=r.chk_date, resolved_at=r.resolved_at)


def debit_changes(d: Debit) -> dict[str, Any]:
    """Everything of a debit that changes after it was added (its levy lines never do), by
    column (``core_rows.DEBIT_CHANGING``)."""
    return {"state": d.state.value, "result_code": d.result_code, "reason": d.reason,
            "tax_date": d.tax_date, "resent": d.resent, "chk_date": d.chk_date,
            "resolved_at": d.resolved_at, "msg_id": d.msg_id, "sent_at": d.sent_at,
            "next_check_at": d.next_check_at, "query_step": d.query_step}


def debit_into(d: Debit, r: DebitRecord) -> None:
    for name, value in debit_changes(d).items():
        setattr(r, name, value)


def new_debit_row(d: Debit) -> dict[str, Any]:
    """The columns of a new debit's row."""
    return {"kind": d.kind.value, "originator": d.originator, "tax_org_code": d.tax_org_code,
            "entrust_date": d.entrust_date, "tra_no": d.tra_no, "tax_vou_no": d.tax_vou_no,
            "payer_id": d.payer_id, "agreement_id": d.agreement_id, "package_id": d.package_id,
            "amount": d.amount, **debit_changes(d)}


def levy_changes(levy: Levy) -> dict[str, Any]:
    """What a levy's payment and locking change, by column (``core_rows.LEVY_CHANGING``)."""
    owner = levy.lock_owner
    return {"state": levy.state.value, "lock_kind": owner.kind.value if owner else None,
            "lock_ref": owner.ref if owner else None, "lock_reason": levy.lock_reason,
            "lock_until": levy.lock_until, "paid_by": levy.paid_by, "tax_date": levy.tax_date}


def agreement_changes(a: Agreement) -> dict[str, Any]:
    return {"protocol_no": a.protocol_no, "payer_id": a.payer_id,
            "tax_org_code": a.tax_org_code, "pay_bk_code": a.pay_bk_code,
            "pay_op_bk_code": a.pay_op_bk_code, "pay_acct": a.pay_acct,
            "hand_org_name": a.hand_org_name, "activated_at": a.activated_at,
            "reason": a.reason, "channel": a.channel.value, "state": a.state.value}


def new_debit_record(d: Debit) -> DebitRecord:
    r = DebitRecord(kind=d.kind.value, originator=d.originator, tax_org_code=d.tax_org_code,
                    entrust_date=d.entrust_date, tra_no=d.tra_no, tax_vou_no=d.tax_vou_no,
                    payer_id=d.payer_id, agreement_id=d.agreement_id, package_id=d.package_id,
                    amount=d.amount)
    debit_into(d, r)
    return r


def reversal_from(r: ReversalRecord) -> Reversal:
    return Reversal(id=r.id, debit_id=r.debit_id, tax_org_code=r.tax_org_code,
                    entrust_date=r.entrust_date, cancel_no=r.cancel_no, reason=r.reason,
                    state=ReversalState(r.state), answer=r.answer or "", add_word=r.add_word or "",
                    msg_id=r.msg_id or "", next_check_at=r.next_check_at,
                    query_step=r.query_step or 0)


def reversal_into(v: Reversal, r: ReversalRecord) -> None:
    for name in ("debit_id", "tax_org_code", "entrust_date", "cancel_no", "reason", "answer",
                 "add_word", "msg_id", "next_check_at", "query_step"):
        setattr(r, name, getattr(v, name))
    r.state = v.state.value


def verification_from(r: VerificationRecord) -> Verification:
    return Verification(id=r.id, agreement_id=r.agreement_id, tax_org_code=r.tax_org_code,
                        entrust_date=r.entrust_date, vc_no=r.vc_no, vc_sign=VcSign(r.vc_sign),
                        msg_id=r.msg_id or "", deadline=r.deadline,
                        state=VerificationState(r.state), result=r.result or "")


def verification_into(v: Verification, r: VerificationRecord) -> None:
    for name in ("agreement_id", "tax_org_code", "entrust_date", "vc_no", "msg_id", "deadline",
                 "result"):
        setattr(r, name, getattr(v, name))
    r.vc_sign, r.state = v.vc_sign.value, v.state.value


def voucher_from(r: CounterVoucherRecord, levy_ids: tuple[int, ...]) -> CounterVoucher:
    return CounterVoucher(id=r.id, tax_vou_no=r.tax_vou_no, tax_org_code=r.tax_org_code,
                          payer_id=r.payer_id, levy_ids=levy_ids, total=r.total_amount,
                          state=VoucherState(r.state), reserved_until=r.reserved_until)


def voucher_into(v: CounterVoucher, r: CounterVoucherRecord) -> None:
    r.tax_vou_no, r.tax_org_code, r.payer_id = v.tax_vou_no, v.tax_org_code, v.payer_id
    r.total_amount, r.state, r.reserved_until = v.total, v.state.value, v.reserved_until


def package_from(r: PackageRecord) -> Package:
    return Package(id=r.id, tax_org_code=r.tax_org_code, entrust_date=r.entrust_date,
                   pack_no=r.pack_no, pay_bk_code=r.pay_bk_code, item_count=r.item_count,
                   return_term=r.return_term, state=PackageState(r.state), resent=bool(r.resent))
