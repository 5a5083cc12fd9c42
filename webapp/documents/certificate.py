"""税收完税证明: the certificate that levies of a period were paid, in the two forms the tax bureau
issues — the tabular form (表格式, one ruled line per paid levy) and the document form (文书式, a
certifying paragraph with the total followed by the details). Values arrive masked (ID and account
numbers); this module only lays them out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from webapp.documents.pdf import PAGE_WIDTH, Column, capital_yuan, new_page, yuan

TABULAR = "tabular"
DOCUMENT = "document"
FORMS = {TABULAR: "表格式", DOCUMENT: "文书式"}


@dataclass(frozen=True)
class PaidLine:
    """One paid levy: the voucher (or transaction serial) it was paid under, its insurance type,
    fee period, the date it reached the treasury (tax date) and the amount."""

    voucher_no: str
    insurance: str
    period_start: dt.date
    period_end: dt.date
    tax_date: dt.date | None
    amount: Decimal


@dataclass(frozen=True)
class Certificate:
    certificate_no: str
    payer_name: str
    payer_code: str  # TaxPayCode; an individual's ID number comes masked
    tax_office: str
    account: str  # masked account the levies were debited from ("" for counter payments)
    period_from: dt.date
    period_to: dt.date
    issued_on: dt.date
    lines: Sequence[PaidLine]
    social_security_no: str = ""  # masked

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0.00"))


_COLUMNS = [Column("原凭证号", 40), Column("税种", 20), Column("品目名称", 34),
            Column("税款所属时期", 40, "center"), Column("入(退)库日期", 22, "center"),
            Column("实缴(退)金额", 24, "right")]


def _period(a: dt.date, b: dt.date) -> str:
    return f"{a:%Y-%m-%d}至{b:%Y-%m-%d}"


def _rows(cert: Certificate) -> list[list[str]]:
    return [[ln.voucher_no, "社会保险费", ln.insurance, _period(ln.period_start, ln.period_end),
             f"{ln.tax_date:%Y-%m-%d}" if ln.tax_date else "", yuan(ln.amount)]
            for ln in cert.lines]


def _head(cert: Certificate) -> list[tuple[str, str]]:
    pairs = [("纳税人识别号", cert.payer_code), ("纳税人名称", cert.payer_name),
             ("税务机关", cert.tax_office), ("填发日期", f"{cert.issued_on:%Y年%m月%d日}")]
    if cert.social_security_no:
        pairs.append(("社保号", cert.social_security_no))
    if cert.account:
        pairs.append(("缴款账号", cert.account))
    return pairs


def render(cert: Certificate, form: str = TABULAR) -> bytes:
    """The certificate as PDF bytes in ``form`` (``tabular`` or ``document``)."""
    if form not in FORMS:
        raise ValueError(f"unknown certificate form {form!r}")
    title = "中华人民共和国税收完税证明"
    page = new_page(title, f"{FORMS[form]} {cert.certificate_no}", footer=f"No.{cert.certificate_no}")
    page.title(title)
    page.text(f"（{FORMS[form]}）    No.{cert.certificate_no}", size=10, x=PAGE_WIDTH / 2 - 40)
    page.fields(_head(cert))
    page.space()
    if form == DOCUMENT:
        page.text(f"兹证明{cert.payer_name}（纳税人识别号：{cert.payer_code}）"
                  f"{_period(cert.period_from, cert.period_to)}期间")
        page.text(f"缴纳社会保险费共 {len(cert.lines)} 笔，合计人民币 {yuan(cert.total)} 元"
                  f"（大写：{capital_yuan(cert.total)}）。明细如下：")
        page.space()
    page.table(_COLUMNS, _rows(cert))
    page.fields([("金额合计（小写）", f"¥{yuan(cert.total)}"),
                 ("金额合计（大写）", capital_yuan(cert.total))])
    page.space()
    page.text("妥善保管。本证明仅作为纳税人已缴纳社会保险费的证明，不作纳税人记账、抵扣凭证。", size=9)
    page.text(f"税务机关（盖章）：{cert.tax_office}", size=10)
    return page.finish()
