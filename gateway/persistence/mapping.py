"""Conversions between records and the domain's plain objects."""

from __future__ import annotations

from gateway.domain.agreement import Agreement, AgreementChannel, AgreementState
from gateway.domain.batch import Package, PackageState
from gateway.domain.debit import Debit, DebitKind, DebitState
from gateway.domain.levy import Levy, LevyState, LockKind, LockOwner
from gateway.persistence.records import AgreementRecord, DebitRecord, LevyRecord, PackageRecord


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


def debit_from(r: DebitRecord, levy_ids: tuple[int, ...]) -> Debit:
    return Debit(id=r.id, kind=DebitKind(r.kind), tax_org_code=r.tax_org_code,
                 entrust_date=r.entrust_date, tra_no=r.tra_no, tax_vou_no=r.tax_vou_no,
                 payer_id=r.payer_id, amount=r.amount, levy_ids=levy_ids,
                 state=DebitState(r.state), result_code=r.result_code or "",
                 reason=r.reason or "", tax_date=r.tax_date, resent=bool(r.resent),
                 package_id=r.package_id)


def debit_into(d: Debit, r: DebitRecord) -> None:
    r.state, r.result_code, r.reason = d.state.value, d.result_code, d.reason
    r.tax_date, r.resent = d.tax_date, d.resent


def package_from(r: PackageRecord) -> Package:
    return Package(id=r.id, tax_org_code=r.tax_org_code, entrust_date=r.entrust_date,
                   pack_no=r.pack_no, pay_bk_code=r.pay_bk_code, item_count=r.item_count,
                   return_term=r.return_term, state=PackageState(r.state), resent=bool(r.resent))
