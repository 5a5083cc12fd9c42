"""The portal's PDFs: real PDF bytes whose text (read back from the content streams) carries the
payer, the masked numbers, every line and the totals in figures and in Chinese capitals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.support import pdftext
from webapp.documents import certificate, voucher
from webapp.documents.pdf import capital_yuan

D = dt.date


def _cert(n: int = 2) -> certificate.Certificate:
    lines = [certificate.PaidLine(f"3440{i:016d}", "企业职工基本养老保险", D(2026, 10, 1),
                                  D(2026, 10, 31), D(2026, 11, 12), Decimal("1234.50"))
             for i in range(n)]
    return certificate.Certificate(
        certificate_no="440106202611000001", payer_name="广州示范单位有限公司",
        payer_code="91440101MA5ABCDE1X", tax_office="国家税务总局广州市天河区税务局",
        account="6222********0123", period_from=D(2026, 10, 1), period_to=D(2026, 10, 31),
        issued_on=D(2026, 11, 20), lines=lines, social_security_no="4401****7788")


@pytest.mark.parametrize("form", [certificate.TABULAR, certificate.DOCUMENT])
def test_certificate_text_in_both_forms(form):
    pdf = certificate.render(_cert(), form)
    text = pdftext.text(pdf)
    assert pdf.startswith(b"%PDF-")
    for expected in ("中华人民共和国税收完税证明", certificate.FORMS[form], "广州示范单位有限公司",
                     "6222********0123", "4401****7788", "企业职工基本养老保险",
                     "2026-10-01至2026-10-31", "2026-11-12", "34400000000000000001", "1,234.50",
                     "¥2,469.00", "贰仟肆佰陆拾玖元整"):
        assert expected in text, expected
    assert ("兹证明" in text) is (form == certificate.DOCUMENT)


def test_certificate_of_many_lines_runs_over_pages_and_keeps_every_line():
    pdf = certificate.render(_cert(80))
    text = pdftext.text(pdf)
    assert pdftext.page_count(pdf) >= 3
    assert text.count("企业职工基本养老保险") == 80
    assert text.count("原凭证号") == pdftext.page_count(pdf)  # the header repeats per page


def test_unknown_form_is_refused():
    with pytest.raises(ValueError):
        certificate.render(_cert(), "poster")


def test_counter_voucher_text():
    doc = voucher.CounterVoucherDoc(
        tax_vou_no="V2026112000000042", payer_name="广州示范单位有限公司",
        payer_code="91440101MA5ABCDE1X", tax_office="天河区税务局", tax_org_code="244010600000",
        printed_on=D(2026, 11, 20), lines=[
            voucher.VoucherLine("失业保险", D(2026, 10, 1), D(2026, 10, 31), Decimal("88.80")),
            voucher.VoucherLine("工伤保险", D(2026, 10, 1), D(2026, 10, 31), Decimal("11.20"))])
    text = pdftext.text(voucher.render(doc))
    for expected in ("银行端查询缴款凭证", "V2026112000000042", "244010600000", "失业保险", "工伤保险",
                     "88.80", "¥100.00", "壹佰元整"):
        assert expected in text, expected


@pytest.mark.parametrize("amount, words", [
    ("0.00", "零元整"), ("0.05", "伍分"), ("1.20", "壹元贰角整"), ("10.01", "壹拾元零壹分"),
    ("1005.00", "壹仟零伍元整"), ("100000.00", "壹拾万元整"), ("1000100.50", "壹佰万零壹佰元伍角整"),
    ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"), ("20000.30", "贰万元叁角整"),
])
def test_capital_yuan(amount, words):
    assert capital_yuan(Decimal(amount)) == words
