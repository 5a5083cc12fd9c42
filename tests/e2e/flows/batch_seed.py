"""A larger seed for the asynchronous batch end-to-end tests, written set-based: the flow seed's
office tree plus a second district office, and payers spread over two offices and three paying
banks, three levies each. Returns the usual :class:`Seeded` and each payer's bank."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert

from gateway.domain.identifiers import uscc_check_char
from gateway.persistence.records import (AgreementRecord, LevyRecord, PayerRecord,
                                         TaxOfficeRecord)
from tests.support.seed import BANK, ORG, Seeded, seed

OFFICE_2 = "14401040000"
OFFICES = (ORG, OFFICE_2)
BANKS = {BANK: "102581002107", "103581000011": "103581002108", "105581000016": "105581002109"}
AMOUNTS = (Decimal("8640.00"), Decimal("3086.40"), Decimal("619.20"))
CODES = ("PENSION", "MEDICAL", "UNEMPLOYMENT")


def clearing_day_from_today() -> str:
    """Today in Beijing, or the next Monday–Friday: a work date whose package deadline is still
    ahead of the processes' real clock (a past work date fails every package at once)."""
    from gateway.clock import beijing_today

    day = beijing_today()
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return f"{day:%Y%m%d}"


def seed_groups(engine, payers: int, first_id: int = 1000) -> tuple[Seeded, dict[int, str]]:  # noqa: ANN001
    """``payers`` payers, payer i in office i % 2 and bank i % 3 (six package groups)."""
    out = seed(engine, units=0)
    bank_of: dict[int, str] = {}
    p_rows, l_rows, a_rows = [], [], []
    banks = list(BANKS)
    for i in range(payers):
        pid, office, bank = first_id + i, OFFICES[i % 2], banks[i % 3]
        code = f"91440106MA6B{i:05d}"
        code += uscc_check_char(code)
        name, acct = f"广州市测试批扣单位{i}有限公司", f"36020002092{i:08d}"
        protocol = f"44010620240001{i:05d}"
        p_rows.append(dict(id=pid, kind="UNIT", tax_pay_code=code, name=name, tax_org_code=office,
                           social_security_no=f"44010700{i:05d}"))
        l_rows.extend(dict(id=pid * 10 + j, payer_id=pid, tax_org_code=office, insurance_code=c,
                           period_start=dt.date(2024, 10, 1), period_end=dt.date(2024, 10, 31),
                           amount=a, state="UNPAID") for j, (c, a) in enumerate(zip(CODES, AMOUNTS)))
        a_rows.append(dict(id=pid, protocol_no=protocol, payer_id=pid, tax_org_code=office,
                           pay_bk_code=bank, pay_op_bk_code=BANKS[bank], pay_acct=acct,
                           hand_org_name=name, channel="ONLINE", state="ACTIVE",
                           activated_at=dt.datetime(2024, 9, 1, 10)))
        out.payers.append(pid)
        out.levies[pid] = [pid * 10 + j for j in range(len(CODES))]
        out.agreements[pid], out.accounts[pid], out.codes[pid] = pid, acct, code
        out.names[pid], out.protocols[pid], bank_of[pid] = name, protocol, bank
    with engine.begin() as conn:
        conn.execute(insert(TaxOfficeRecord), [dict(
            code=OFFICE_2, name="国家税务总局广州市越秀区税务局", level="DISTRICT",
            parent_code="14401000000", city_code="4401")])
        conn.execute(insert(PayerRecord), p_rows)
        conn.execute(insert(LevyRecord), l_rows)
        conn.execute(insert(AgreementRecord), a_rows)
    return out, bank_of
