"""Wire-message bodies the gateway would send, for driving the simulator in tests.

The reference party is the example of ets-interface §10.1: one unit with an agreement at
bank 102581000013, collected by tax office 14401060000 into treasury 4401000000.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gateway.codec.messages import (BatchHead1102, Msg1001, Msg1021, Msg1102, Msg1123, Msg9003,
                                    Msg9005, Msg9114, MsgReturn9005, Payment1001, Payment1102,
                                    ProveInfo9114, RealHead1001, RushApply1021, StopApply1123,
                                    TaxTypeList1001, TaxTypeList1102, TraStatusCheck9003,
                                    TurnAccount1001, TurnAccount1102)

DAY = dt.date(2024, 11, 5)  # a Tuesday and a clearing day
ORG = "14401060000"
TREASURY = "4401000000"
PAYEE = dict(handle_type="1", payee_bank_no="011581000016", payee_org_code=TREASURY,
             payee_acct="4401000000270001", payee_name="国家金库广州市中心支库")
BANK = "102581000013"
BRANCH = "102581002107"
OTHER_BANK = "103581000019"


class Payer:
    """An account holder with an agreement at BANK."""

    def __init__(self, n: int, balance: str = "100000.00", **extra: object) -> None:
        self.acct = f"36020001092001{n:05d}"
        self.name = f"广州市测试单位{n}有限公司"
        self.tax_pay_code = f"91440106MA5CX{n:05d}"
        self.protocol_no = f"44010620240000{n:05d}"
        self.balance = balance
        self.extra = extra

    def seed(self) -> dict[str, object]:
        return {"pay_bk_code": BANK, "pay_op_bk_code": BRANCH, "acct": self.acct,
                "name": self.name, "tax_pay_code": self.tax_pay_code, "balance": self.balance,
                "protocol_no": self.protocol_no, "agreement_state": "normal", **self.extra}


def lines(amount: Decimal, cls: type = TaxTypeList1001) -> tuple:
    return (cls(project_id=1, tax_type_name="企业职工基本养老保险费", tax_start_date=dt.date(2024, 10, 1),
                tax_end_date=dt.date(2024, 10, 31), tax_type_amt=amount),)


def msg_1001(payer: Payer, tra_no: str, amount: str = "123.45", *, day: dt.date = DAY,
             bank: str = BANK, vou: str | None = None, org: str = ORG,
             name: str | None = None) -> Msg1001:
    amt = Decimal(amount)
    return Msg1001(
        RealHead1001(tax_org_code=org, entrust_date=day, tra_no=tra_no),
        TurnAccount1001(**PAYEE, pay_bk_code=bank, pay_op_bk_code=BRANCH),
        Payment1001(pay_acct=payer.acct, hand_org_name=name or payer.name, tra_amt=amt,
                    tax_vou_no=vou or f"3440106{tra_no}", tax_pay_code=payer.tax_pay_code,
                    tax_pay_name=payer.name, protocol_no=payer.protocol_no, budget_type="1",
                    trim_sign="0", remark=None, tax_type_num=1, tax_type_list1001=lines(amt)))


def msg_1021(tra_no: str, cancel_no: str, *, day: dt.date = DAY) -> Msg1021:
    return Msg1021(RushApply1021(tax_org_code=ORG, entrust_date=day, cancel_no=cancel_no,
                                 ori_entrust_date=day, ori_tra_no=tra_no, cancel_reason="操作员撤销"))


def msg_9114(payer: Payer, vc_no: str, vc_sign: str = "0", *, bank: str = BANK,
             name: str | None = None) -> Msg9114:
    return Msg9114(ProveInfo9114(
        send_org_code=ORG, entrust_date=DAY, vc_no=vc_no, vc_sign=vc_sign, tax_org_code=ORG,
        tax_pay_name=payer.name, tax_pay_code=payer.tax_pay_code, pay_op_bk_code=BRANCH,
        pay_bk_code=bank, pay_acct=payer.acct, hand_org_name=name or payer.name,
        protocol_no=payer.protocol_no))


def msg_9003(serial: str, package: bool = False, *, day: dt.date = DAY) -> Msg9003:
    return Msg9003(TraStatusCheck9003(
        send_org_code=ORG, search_type="1" if package else "0",
        ori_msg_no="1102" if package else "1001", ori_entrust_date=day,
        ori_pack_no=serial if package else "00000000", ori_tra_no="00000000" if package else serial))


def msg_9005() -> Msg9005:
    return Msg9005(MsgReturn9005(information=None))


def msg_1102(pack_no: str, items: list[tuple[Payer, str, str]], *, bank: str = BANK,
             branch: str = BRANCH) -> Msg1102:
    """``items``: (payer, TraNo, amount)."""
    payments = tuple(Payment1102(
        tra_no=tra_no, pay_op_bk_code=branch, pay_acct=p.acct, hand_org_name=p.name,
        tra_amt=Decimal(amount), tax_vou_no=f"3440106{tra_no}", tax_pay_code=p.tax_pay_code,
        tax_pay_name=p.name, protocol_no=p.protocol_no, tax_type_num=1,
        tax_type_list1102=lines(Decimal(amount), TaxTypeList1102)) for p, tra_no, amount in items)
    total = sum((i.tra_amt for i in payments), Decimal("0.00"))
    return Msg1102(
        BatchHead1102(tax_org_code=ORG, entrust_date=DAY, pack_no=pack_no, return_term=1,
                      all_num=len(payments), all_amt=total),
        TurnAccount1102(**PAYEE, pay_bk_code=bank), payments)


def msg_1123(stop_no: str, pack_no: str, tra_no: str = "00000000") -> Msg1123:
    return Msg1123(StopApply1123(
        tax_org_code=ORG, entrust_date=DAY, stop_no=stop_no,
        stop_type="1" if tra_no == "00000000" else "0", ori_entrust_date=DAY,
        ori_pack_no=pack_no, ori_tra_no=tra_no, stop_reason="操作员止付"))
