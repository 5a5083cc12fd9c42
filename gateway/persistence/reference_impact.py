"""Recalculation preview (重算预览), set-based: how many unpaid unit levies of which offices the
parameter tables *as they stand in this transaction* would change, and by how much.

The service applies a proposal's planned edits without committing, calls :func:`unit_levy_impact`
and rolls back, so nothing changes. The SQL mirrors the domain's one lookup rule
(``ParameterTable.lookup``: the version covering the levy's period start, a district's own value
before the city's, an insurance type's floor or ceiling before the one for every type) and its
arithmetic (clamp each insured person's wage, × rate, half-up to the fen, summed per levy), in
integers: wages and levy amounts are fen, parameter values ten-thousandths.

Only units' levies are recomputed: flexible-employment persons' base choices and residents'
grades are not stored with their levies, so there is nothing to recompute them from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from gateway.persistence.records import (InsuredPersonRecord, LevyRecord, ParameterVersionRecord,
                                         PayerRecord, TaxOfficeRecord)
from gateway.persistence.types import fen_to_yuan

V, L, OFFICE = ParameterVersionRecord, LevyRecord, TaxOfficeRecord


@dataclass(frozen=True)
class OfficeImpact:
    tax_org_code: str
    office_name: str
    levies: int  # unpaid unit levies in scope
    changed: int  # of which the amount would change
    uncomputable: int  # no floor, ceiling or rate in force for the period
    amount_before: Decimal  # of the changed levies, as levied now
    amount_after: Decimal  # of the changed levies, recomputed

    @property
    def delta(self) -> Decimal:
        return self.amount_after - self.amount_before


def _in_force(kind: str, insurance_fallback: bool):
    """The value (ten-thousandths) of ``kind`` in force for the outer levy row."""
    insurance = (or_(V.insurance_code == L.insurance_code, V.insurance_code == "")
                 if insurance_fallback else V.insurance_code == L.insurance_code)
    return (select(type_coerce(V.value, BigInteger))
            .where(V.kind == kind, V.city_code == OFFICE.city_code, V.payer_kind == "UNIT", V.item == "",
                   or_(V.district_code == "", V.district_code == OFFICE.district_code), insurance,
                   V.valid_from <= L.period_start,
                   or_(V.valid_to.is_(None), V.valid_to >= L.period_start))
            .order_by(V.district_code.desc(), V.insurance_code.desc())
            .limit(1).correlate(L, OFFICE).scalar_subquery())


def unit_levy_impact(session: Session, city_code: str, start: dt.date, end: dt.date | None,
                     insurance_code: str = "", district_code: str = "") -> list[OfficeImpact]:
    """Per office of the city (or district), the unpaid unit levies whose period starts in
    [start, end] (end None: no end)."""
    amount = type_coerce(L.amount, BigInteger)
    conditions = [L.state == "UNPAID", PayerRecord.kind == "UNIT", OFFICE.city_code == city_code,
                  L.period_start >= start]
    if end is not None:
        conditions.append(L.period_start <= end)
    if insurance_code:
        conditions.append(L.insurance_code == insurance_code)
    if district_code:
        conditions.append(OFFICE.district_code == district_code)
    target = (select(L.id, L.tax_org_code, L.payer_id, amount.label("amount_fen"),
                     _in_force("BASE_FLOOR", True).label("floor_e4"),
                     _in_force("BASE_CEILING", True).label("ceiling_e4"),
                     _in_force("RATE", False).label("rate_e4"))
              .join(PayerRecord, PayerRecord.id == L.payer_id)
              .join(OFFICE, OFFICE.code == L.tax_org_code)
              .where(*conditions).cte("target"))
    wage = type_coerce(InsuredPersonRecord.declared_wage, BigInteger)
    floor, ceiling = target.c.floor_e4 // 100, target.c.ceiling_e4 // 100
    base = case((wage < floor, floor), (wage > ceiling, ceiling), else_=wage)
    per_levy = (select(target.c.id, target.c.tax_org_code, target.c.amount_fen,
                       func.sum((base * target.c.rate_e4 + 5000) // 10000).label("new_fen"))
                .join(InsuredPersonRecord, InsuredPersonRecord.unit_id == target.c.payer_id)
                .group_by(target.c.id, target.c.tax_org_code, target.c.amount_fen).subquery())
    new, old = per_levy.c.new_fen, per_levy.c.amount_fen
    changed = (new.is_not(None)) & (new != old)
    stmt = (select(per_levy.c.tax_org_code, OFFICE.name, func.count(),
                   func.sum(case((changed, 1), else_=0)),
                   func.sum(case((new.is_(None), 1), else_=0)),
                   func.sum(case((changed, old), else_=0)),
                   func.sum(case((changed, new), else_=0)))
            .join(OFFICE, OFFICE.code == per_levy.c.tax_org_code)
            .group_by(per_levy.c.tax_org_code, OFFICE.name).order_by(per_levy.c.tax_org_code))
    return [OfficeImpact(code, name, int(n), int(c or 0), int(u or 0), fen_to_yuan(before or 0),
                         fen_to_yuan(after or 0))
            for code, name, n, c, u, before, after in session.execute(stmt)]
