"""银行端查询缴款凭证: the voucher a unit prints to pay unpaid levies at a bank counter. The bank
looks the voucher up by its number (the 2091 query, answered with a 1009) and takes the money; the
levies stay unlocked until then."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from webapp.documents.pdf import Column, capital_yuan, new_page, yuan


@dataclass(frozen=True)
class VoucherLine:
    insurance: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal


@dataclass(frozen=True)
class CounterVoucherDoc:
    tax_vou_no: str  # what the bank keys in
    payer_name: str
    payer_code: str  # masked for individuals
    tax_office: str
    tax_org_code: str
    printed_on: dt.date
    lines: Sequence[VoucherLine]
    social_security_no: str = ""  # masked

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0.00"))


_COLUMNS = [Column("序号", 14, "center"), Column("征收项目", 28), Column("征收品目", 50),
            Column("费款所属期", 50, "center"), Column("金额（元）", 32, "right")]


def render(doc: CounterVoucherDoc) -> bytes:
    title = "银行端查询缴款凭证"
    page = new_page(title, doc.tax_vou_no, footer=f"凭证号 {doc.tax_vou_no}")
    page.title(title)
    page.fields([("凭证号（银行查询号）", doc.tax_vou_no), ("打印日期", f"{doc.printed_on:%Y-%m-%d}"),
                 ("缴款人名称", doc.payer_name), ("纳税人识别号", doc.payer_code),
                 ("征收机关", doc.tax_office), ("征收机关代码", doc.tax_org_code)]
                + ([("社保号", doc.social_security_no)] if doc.social_security_no else []))
    page.space()
    page.table(_COLUMNS, [[str(i), "社会保险费", ln.insurance,
                           f"{ln.period_start:%Y-%m-%d}至{ln.period_end:%Y-%m-%d}", yuan(ln.amount)]
                          for i, ln in enumerate(doc.lines, 1)])
    page.fields([("合计（小写）", f"¥{yuan(doc.total)}"), ("合计（大写）", capital_yuan(doc.total))])
    page.space()
    page.text("请持本凭证到开办银行端查询缴款业务的银行网点缴款，银行凭凭证号查询应缴费款。", size=9)
    page.text("本凭证不作为完税证明；缴款成功后可在门户打印税收完税证明。", size=9)
    return page.finish()
