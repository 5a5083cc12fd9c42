import datetime as dt
from decimal import Decimal

import pytest

from gateway.persistence import migrate
from gateway.persistence.engine import make_engine
from gateway.persistence.records import (AgreementRecord, InsuranceTypeRecord, LevyRecord,
                                         PayerRecord, TaxOfficeRecord)
from gateway.persistence.unit_of_work import SqlUnitOfWork


@pytest.fixture
def engine(db_url):
    e = make_engine(db_url)
    migrate.upgrade(e)
    yield e
    e.dispose()


@pytest.fixture
def seeded(engine):
    """One office, one unit payer, three levies, one ACTIVE agreement."""
    uow = SqlUnitOfWork(engine)
    with uow:
        s = uow.session
        s.add(TaxOfficeRecord(code="14400000000", name="广东省税务局", level="PROVINCE",
                              parent_code=None, city_code="4400"))
        s.flush()
        s.add(TaxOfficeRecord(code="14401060000", name="天河区税务局", level="DISTRICT",
                              parent_code="14400000000", city_code="4401"))
        s.add_all([InsuranceTypeRecord(code=c, name=n) for c, n in
                   (("PENSION", "企业职工基本养老保险费"), ("MEDICAL", "职工基本医疗保险费"),
                    ("UNEMPLOYMENT", "失业保险费"))])
        s.flush()
        payer = PayerRecord(kind="UNIT", tax_pay_code="91440106MA5CXN3L4D", name="云帆信息科技有限公司",
                            tax_org_code="14401060000", social_security_no="4401060001")
        s.add(payer)
        s.flush()
        amounts = (Decimal("8640.00"), Decimal("3086.40"), Decimal("619.20"))
        levies = [LevyRecord(payer_id=payer.id, tax_org_code="14401060000", insurance_code=c,
                             period_start=dt.date(2024, 10, 1), period_end=dt.date(2024, 10, 31),
                             amount=a)
                  for c, a in zip(("PENSION", "MEDICAL", "UNEMPLOYMENT"), amounts)]
        s.add_all(levies)
        s.add(AgreementRecord(protocol_no="4401062024000000456", payer_id=payer.id,
                              tax_org_code="14401060000", pay_bk_code="102581000013",
                              pay_op_bk_code="102581002107", pay_acct="3602000109200123456",
                              hand_org_name="云帆信息科技有限公司", channel="ONLINE", state="ACTIVE",
                              activated_at=dt.datetime(2024, 9, 1, 10)))
        s.flush()
        ids = {"payer": payer.id, "levies": [lv.id for lv in levies]}
        uow.commit()
    return ids
