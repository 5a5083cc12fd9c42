"""The individual portal's repository (services.individual_ports.IndividualRepository): profiles,
grades, proxy payments and the residents' virtual units; bulk writes are set-based."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Sequence

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.orm import Session

from gateway.domain.individual import FLEXIBLE_TYPES, IndividualProfile, ProfileState
from gateway.domain.parties import Payer, PayerKind
from gateway.domain.reference_timeline import ParameterTable
from gateway.persistence.records import (AgreementRecord, IndividualProfileRecord, LevyRecord,
                                         PayerRecord, ProxyPaymentRecord,
                                         ResidentDeclarationRecord, ResidentGradeRecord,
                                         TaxOfficeRecord, VirtualUnitRecord)
from gateway.persistence.reference_repositories import ParameterRepository

_FINAL_AGREEMENTS = ("REVOKED", "TERMINATED")


def _payer(r: PayerRecord) -> Payer:
    return Payer(id=r.id, kind=PayerKind(r.kind), tax_pay_code=r.tax_pay_code, name=r.name,
                 tax_org_code=r.tax_org_code, social_security_no=r.social_security_no or "")


class IndividualRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def profile(self, payer_id: int, for_update: bool = False) -> IndividualProfile:
        """The stored profile, or a fresh one (a person who never changed anything)."""
        stmt = select(IndividualProfileRecord).where(IndividualProfileRecord.payer_id == payer_id)
        if for_update:
            stmt = stmt.with_for_update()
        r = self.s.scalars(stmt).first()
        if r is None:
            return IndividualProfile(payer_id)
        return IndividualProfile(payer_id, r.phone, r.address, r.base, r.base_from,
                                 tuple(c for c in r.insurance_codes.split(",") if c) or FLEXIBLE_TYPES,
                                 ProfileState(r.state), r.stopped_at)

    def save_profile(self, profile: IndividualProfile, now: dt.datetime) -> None:
        r = self.s.get(IndividualProfileRecord, profile.payer_id)
        if r is None:
            r = IndividualProfileRecord(payer_id=profile.payer_id)
            self.s.add(r)
        r.phone, r.address, r.base, r.base_from = (profile.phone, profile.address, profile.base,
                                                   profile.base_from)
        r.insurance_codes = ",".join(profile.insurance_codes)
        r.state, r.stopped_at, r.updated_at = profile.state.value, profile.stopped_at, now
        self.s.flush()

    def place_of(self, tax_org_code: str) -> tuple[str, str]:
        row = self.s.execute(select(TaxOfficeRecord.city_code, TaxOfficeRecord.district_code)
                             .where(TaxOfficeRecord.code == tax_org_code)).one()
        return row[0], row[1] or ""

    def parameters(self, city_code: str) -> ParameterTable:
        return ParameterRepository(self.s).table([city_code])

    def open_levy_ids(self, payer_id: int) -> list[int]:
        lv = LevyRecord
        return list(self.s.scalars(select(lv.id).where(lv.payer_id == payer_id,
                                                       lv.state.in_(("UNPAID", "LOCKED")))
                                   .order_by(lv.id)))

    def open_agreement_ids(self, payer_id: int) -> list[int]:
        a = AgreementRecord
        return list(self.s.scalars(select(a.id).where(a.payer_id == payer_id,
                                                      a.state.not_in(_FINAL_AGREEMENTS))
                                   .order_by(a.id)))

    def resident_by_id_number(self, id_number: str) -> Payer | None:
        r = self.s.scalars(select(PayerRecord).where(PayerRecord.tax_pay_code == id_number,
                                                     PayerRecord.kind == PayerKind.RESIDENT.value)
                           ).first()
        return _payer(r) if r else None

    def record_proxy(self, debit_id: int, payer_id: int, beneficiary_ids: Sequence[int]) -> None:
        others = [b for b in beneficiary_ids if b != payer_id]
        if others:
            self.s.execute(insert(ProxyPaymentRecord), [
                {"debit_id": debit_id, "payer_id": payer_id, "beneficiary_id": b} for b in others])

    def set_grade(self, payer_id: int, year: int, grade: str, amount: Decimal) -> None:
        g = ResidentGradeRecord
        r = self.s.scalars(select(g).where(g.payer_id == payer_id, g.year == year)).first()
        if r is None:
            self.s.add(ResidentGradeRecord(payer_id=payer_id, year=year, grade=grade, amount=amount))
        else:
            r.grade, r.amount = grade, amount
        self.s.flush()

    def year_levy_ids(self, payer_id: int, insurance_code: str, year: int) -> list[int]:
        lv = LevyRecord
        return list(self.s.scalars(select(lv.id).where(
            lv.payer_id == payer_id, lv.insurance_code == insurance_code,
            lv.period_start == dt.date(year, 1, 1))))

    def set_amounts(self, levy_ids: Sequence[int], amount: Decimal) -> None:
        if levy_ids:
            lv = LevyRecord
            self.s.execute(update(lv).where(lv.id.in_(list(levy_ids)), lv.state == "UNPAID")
                           .values(amount=amount, version=lv.version + 1)
                           .execution_options(synchronize_session=False))

    def is_virtual_unit(self, payer_id: int) -> bool:
        return self.s.get(VirtualUnitRecord, payer_id) is not None

    def residents_by_id_numbers(self, id_numbers: Sequence[str]) -> dict[str, Payer]:
        wanted = sorted(set(id_numbers))
        if not wanted:
            return {}
        rows = self.s.scalars(select(PayerRecord).where(PayerRecord.tax_pay_code.in_(wanted)))
        return {r.tax_pay_code: _payer(r) for r in rows}

    def add_residents(self, payers: Sequence[Payer]) -> dict[str, int]:
        if not payers:
            return {}
        p = PayerRecord.__table__
        rows = self.s.execute(insert(p).returning(p.c.id, p.c.tax_pay_code, sort_by_parameter_order=True), [
            {"kind": x.kind.value, "tax_pay_code": x.tax_pay_code, "name": x.name,
             "tax_org_code": x.tax_org_code, "social_security_no": ""} for x in payers])
        return {code: pid for pid, code in rows}

    def existing_levies(self, keys: Sequence[tuple[int, str, dt.date]]) -> set[tuple[int, str, dt.date]]:
        if not keys:
            return set()
        lv = LevyRecord
        stmt = select(lv.payer_id, lv.insurance_code, lv.period_start).where(
            tuple_(lv.payer_id, lv.insurance_code, lv.period_start).in_(list(keys)))
        return {(a, b, c) for a, b, c in self.s.execute(stmt)}

    def declare(self, unit_id: int, rows: Sequence[dict]) -> list[int]:
        if not rows:
            return []
        t = LevyRecord.__table__
        created = list(self.s.execute(
            insert(t).returning(t.c.id, t.c.payer_id, sort_by_parameter_order=True),
            [{**r, "state": "UNPAID"} for r in rows]))
        self.s.execute(insert(ResidentDeclarationRecord), [
            {"unit_id": unit_id, "resident_id": payer_id, "levy_id": levy_id}
            for levy_id, payer_id in created])
        return [levy_id for levy_id, _ in created]

    def declared_owners(self, unit_id: int, levy_ids: Sequence[int]) -> set[int]:
        d = ResidentDeclarationRecord
        return set(self.s.scalars(select(d.resident_id).where(
            d.unit_id == unit_id, d.levy_id.in_(list(levy_ids)))))

