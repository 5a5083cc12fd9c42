"""The bodies of the batch flow's requests: a 1102 from a package, its items and their drafts,
and a 1123 from a stop request. Plain construction, no I/O (the messenger puts them)."""

from __future__ import annotations

from typing import Any, Sequence, cast

from gateway.codec.messages import (BatchHead1102, Msg1102, Msg1123, Payment1102, StopApply1123,
                                    TaxTypeList1102, TurnAccount1102)
from gateway.domain.batch import Package
from gateway.domain.debit import Debit
from gateway.domain.package import ItemDraft, StopRequest
from gateway.domain.parties import INSURANCE_BY_CODE, TreasuryRoute
from gateway.domain.text import wire_text


def package_body(package: Package, items: Sequence[Debit], drafts: Sequence[ItemDraft],
                 route: TreasuryRoute) -> Msg1102:
    names = {code: t.name for code, t in INSURANCE_BY_CODE.items()}
    payments = tuple(Payment1102(
        tra_no=d.tra_no, pay_op_bk_code=dr.pay_op_bk_code, pay_acct=dr.pay_acct,
        hand_org_name=dr.hand_org_name, tra_amt=d.amount, tax_vou_no=d.tax_vou_no,
        tax_pay_code=dr.tax_pay_code, tax_pay_name=dr.tax_pay_name, protocol_no=dr.protocol_no,
        tax_type_num=len(dr.lines), tax_type_list1102=tuple(TaxTypeList1102(
            i + 1, names[ln.insurance_code], ln.period_start, ln.period_end, ln.amount)
            for i, ln in enumerate(dr.lines)))
        for d, dr in zip(items, drafts, strict=True))
    return Msg1102(
        BatchHead1102(tax_org_code=package.tax_org_code, entrust_date=package.entrust_date,
                      pack_no=package.pack_no, return_term=package.return_term,
                      all_num=len(payments), all_amt=package.total_amount),
        TurnAccount1102(handle_type=cast(Any, route.handle_type), payee_bank_no=route.payee_bank_no,
                        payee_org_code=route.payee_org_code, payee_acct=route.payee_acct,
                        payee_name=route.payee_name, pay_bk_code=package.pay_bk_code),
        payments)


def stop_body(stop: StopRequest) -> Msg1123:
    return Msg1123(StopApply1123(
        tax_org_code=stop.tax_org_code, entrust_date=stop.entrust_date, stop_no=stop.stop_no,
        stop_type=stop.stop_type.value, ori_entrust_date=stop.ori_entrust_date,
        ori_pack_no=stop.ori_pack_no, ori_tra_no=stop.ori_tra_no,
        stop_reason=wire_text(stop.reason, 60) or "税务机关止付"))
