"""A small, exact data set for the flow tests: one office tree with a treasury route, payers with
levies and agreements. Built with the records directly so each test knows every value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from gateway.domain.parties import INSURANCE_TYPES
from gateway.persistence.records import (AgreementRecord, InsuranceTypeRecord, LevyRecord,
                                         PayerRecord, TaxOfficeRecord, TreasuryRecord)
from gateway.persistence.unit_of_work import SqlUnitOfWork

ORG = "14401060000"
BANK = "102581000013"
BRANCH = "102581002107"

# (unified social credit code, name, account) of the seeded units; codes have valid check chars.
UNITS = [
    ("91440106MA5CXN3L4D", "广州市天河区云帆信息科技有限公司", "3602000109200123456"),
    ("91440106MA59AB1232", "广州市天河区星河贸易有限公司", "3602000109200654321"),
    ("91440106MA5D2QWE7E", "广州市天河区海珠建材有限公司", "3602000109200777777"),
]


@dataclass
class Seeded:
    payers: list[int] = field(default_factory=list)
    levies: dict[int, list[int]] = field(default_factory=dict)  # payer id → levy ids
    agreements: dict[int, int] = field(default_factory=dict)  # payer id → agreement id
    accounts: dict[int, str] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    protocols: dict[int, str] = field(default_factory=dict)


def _uscc(prefix17: str) -> str:
    from gateway.domain.identifiers import uscc_check_char

    return prefix17 + uscc_check_char(prefix17)


def seed(engine, units: int = 3, levy_amounts=(Decimal("8640.00"), Decimal("3086.40"),
                                                Decimal("619.20")),
         agreement_state: str = "ACTIVE") -> Seeded:
    out = Seeded()
    with SqlUnitOfWork(engine) as uow:
        s = uow.session
        s.add(TaxOfficeRecord(code="14400000000", name="国家税务总局广东省税务局", level="PROVINCE",
                              parent_code=None, city_code="4400"))
        s.flush()
        s.add(TaxOfficeRecord(code="14401000000", name="国家税务总局广州市税务局", level="CITY",
                              parent_code="14400000000", city_code="4401"))
        s.flush()
        s.add(TaxOfficeRecord(code=ORG, name="国家税务总局广州市天河区税务局", level="DISTRICT",
                              parent_code="14401000000", city_code="4401"))
        s.add(TreasuryRecord(tax_org_code="14401000000", handle_type="1", payee_bank_no="011581000016",
                             payee_org_code="4401000000", payee_acct="4401000000270001",
                             payee_name="国家金库广州市中心支库"))
        s.add_all(InsuranceTypeRecord(code=t.code, name=t.name, budget_type=t.budget_type)
                  for t in INSURANCE_TYPES)
        s.flush()
        codes = ("PENSION", "MEDICAL", "UNEMPLOYMENT", "INJURY", "MATERNITY")
        for i in range(units):
            code = UNITS[i][0] if i < len(UNITS) else _uscc(f"91440106MA5C{i:05d}")
            name = UNITS[i][1] if i < len(UNITS) else f"广州市天河区测试单位{i}有限公司"
            acct = UNITS[i][2] if i < len(UNITS) else f"36020001092{i:08d}"
            payer = PayerRecord(kind="UNIT", tax_pay_code=code, name=name, tax_org_code=ORG,
                                social_security_no=f"44010600{i:04d}")
            s.add(payer)
            s.flush()
            levies = [LevyRecord(payer_id=payer.id, tax_org_code=ORG, insurance_code=codes[j],
                                 period_start=dt.date(2024, 10, 1), period_end=dt.date(2024, 10, 31),
                                 amount=amount) for j, amount in enumerate(levy_amounts)]
            s.add_all(levies)
            protocol = f"44010620240000{i:05d}"
            agreement = AgreementRecord(protocol_no=protocol, payer_id=payer.id, tax_org_code=ORG,
                                        pay_bk_code=BANK, pay_op_bk_code=BRANCH, pay_acct=acct,
                                        hand_org_name=name, channel="ONLINE", state=agreement_state,
                                        activated_at=dt.datetime(2024, 9, 1, 10)
                                        if agreement_state == "ACTIVE" else None)
            s.add(agreement)
            s.flush()
            out.payers.append(payer.id)
            out.levies[payer.id] = [lv.id for lv in levies]
            out.agreements[payer.id] = agreement.id
            out.accounts[payer.id], out.codes[payer.id] = acct, code
            out.names[payer.id], out.protocols[payer.id] = name, protocol
        uow.commit()
    return out

