"""The reference tables as rows: insurance types, tax offices, the bank-branch directory and
treasury routes. Small tables, written through SQLAlchemy's column types. (The contribution
parameters are imported as workbooks: ``demodata.parameters``.)"""

from __future__ import annotations

from gateway.demodata.banks import all_bank_branches, city_treasury, province_treasury
from gateway.demodata.bulk import BulkLoader
from gateway.demodata.offices import district_codes, tax_offices
from gateway.demodata.reference import CITY_BY_CODE
from gateway.domain.parties import INSURANCE_TYPES, OfficeLevel
from gateway.persistence.records import (BankRecord, InsuranceTypeRecord, TaxOfficeRecord,
                                         TreasuryRecord)


def insert_reference_data(loader: BulkLoader) -> dict[str, int]:
    """Insert what is missing; returns the rows inserted per table."""
    offices, districts = tax_offices(), district_codes()
    counts = {
        "insurance_type": loader.insert_new(InsuranceTypeRecord.__table__, [
            {"code": t.code, "name": t.name, "budget_type": t.budget_type} for t in INSURANCE_TYPES
        ], ("code",)),
        "tax_office": loader.insert_new(TaxOfficeRecord.__table__, [
            {"code": o.code, "name": o.name, "level": o.level.value, "parent_code": o.parent_code,
             "city_code": o.city_code, "district_code": districts.get(o.code, "")} for o in offices
        ], ("code",)),
        "bank": loader.insert_new(BankRecord.__table__, [
            {"code": b.code, "name": b.name, "clearing_code": b.clearing_code,
             "bank_name": b.brand.name, "city_code": b.city_code, "state": "ACTIVE",
             "updated_by": "demodata"}
            for b in all_bank_branches()
        ], ("code",)),
    }
    routes = []
    for office in offices:
        route = (province_treasury() if office.level is OfficeLevel.PROVINCE
                 else city_treasury(CITY_BY_CODE[office.city_code]))
        routes.append({"tax_org_code": office.code, "handle_type": route.handle_type,
                       "payee_bank_no": route.payee_bank_no, "payee_org_code": route.payee_org_code,
                       "payee_acct": route.payee_acct, "payee_name": route.payee_name})
    counts["treasury_route"] = loader.insert_new(TreasuryRecord.__table__, routes, ("tax_org_code",))
    return counts
