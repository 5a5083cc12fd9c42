"""Read-side queries of the individual portal. Every one takes the logged-in payer's id and
reads only that payer's rows (or what that payer paid for others); there is no query by a
guessed record id that is not also filtered by the payer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from gateway.persistence.records import (DebitLevyRecord, DebitRecord, IndividualProfileRecord,
                                         InsuranceTypeRecord, LevyRecord, PayerRecord,
                                         ProxyPaymentRecord, ResidentDeclarationRecord,
                                         ResidentGradeRecord, TaxOfficeRecord, VirtualUnitRecord)


def _rows(conn: Connection, stmt) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(stmt)]


def profile(conn: Connection, payer_id: int) -> dict[str, Any] | None:
    p = IndividualProfileRecord
    row = conn.execute(select(p.phone, p.address, p.base, p.base_from, p.insurance_codes, p.state,
                              p.stopped_at).where(p.payer_id == payer_id)).first()
    return dict(row._mapping) if row else None


def office_place(conn: Connection, tax_org_code: str) -> tuple[str, str]:
    t = TaxOfficeRecord
    row = conn.execute(select(t.city_code, t.district_code).where(t.code == tax_org_code)).one()
    return row[0], row[1] or ""


def _levies():
    lv = LevyRecord
    return (select(lv.id, lv.insurance_code, InsuranceTypeRecord.name.label("insurance"),
                   lv.period_start, lv.period_end, lv.amount, lv.state, lv.tax_date,
                   lv.declaration_no, lv.lock_reason)
            .join(InsuranceTypeRecord, InsuranceTypeRecord.code == lv.insurance_code))


def levies(conn: Connection, payer_id: int, states: tuple[str, ...] | None = None,
           period_start: dt.date | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The payer's levies, newest fee period first (缴费明细 per fee period with ``period_start``)."""
    lv = LevyRecord
    stmt = _levies().where(lv.payer_id == payer_id)
    if states:
        stmt = stmt.where(lv.state.in_(states))
    if period_start:
        stmt = stmt.where(lv.period_start == period_start)
    return _rows(conn, stmt.order_by(lv.period_start.desc(), lv.insurance_code).limit(limit))


def periods(conn: Connection, payer_id: int) -> list[dt.date]:
    lv = LevyRecord
    return list(conn.execute(select(lv.period_start).where(lv.payer_id == payer_id).distinct()
                             .order_by(lv.period_start.desc()).limit(120)).scalars())


def collection_orders(conn: Connection, payer_id: int) -> list[dict[str, Any]]:
    """托收单: the unpaid levies the social-security office declared together (one declaration
    number), with their count and total."""
    lv = LevyRecord
    stmt = (select(lv.declaration_no, func.min(lv.period_start).label("period_start"),
                   func.count().label("levies"), func.sum(lv.amount).label("amount"))
            .where(lv.payer_id == payer_id, lv.state == "UNPAID", lv.declaration_no != "")
            .group_by(lv.declaration_no).order_by(lv.declaration_no))
    return _rows(conn, stmt)


def order_levy_ids(conn: Connection, payer_id: int, declaration_no: str) -> list[int]:
    lv = LevyRecord
    return list(conn.execute(select(lv.id).where(lv.payer_id == payer_id, lv.state == "UNPAID",
                                                 lv.declaration_no == declaration_no)
                             .order_by(lv.id)).scalars())


def grades(conn: Connection, payer_id: int) -> list[dict[str, Any]]:
    g = ResidentGradeRecord
    return _rows(conn, select(g.year, g.grade, g.amount).where(g.payer_id == payer_id)
                 .order_by(g.year))


def resident(conn: Connection, id_number: str) -> dict[str, Any] | None:
    """The resident contributor with that ID number (id and name), for paying on their behalf."""
    p = PayerRecord
    row = conn.execute(select(p.id, p.name, p.tax_pay_code).where(
        p.tax_pay_code == id_number, p.kind == "RESIDENT")).first()
    return dict(row._mapping) if row else None


def payments(conn: Connection, payer_id: int, limit: int = 200,
             debit_id: int | None = None) -> list[dict[str, Any]]:
    """缴费情况: the debits this payer made (for itself or for others) and the debits others made
    for it, newest first, each with whom it paid for; ``debit_id`` narrows to one of them."""
    d, pp, b = DebitRecord, ProxyPaymentRecord, PayerRecord
    paid_for_me = select(pp.debit_id).where(pp.beneficiary_id == payer_id)
    stmt = (select(d.id, d.entrust_date, d.tax_date, d.amount, d.state, d.payer_id,
                   d.tax_vou_no, pp.beneficiary_id, b.name.label("beneficiary_name"),
                   b.tax_pay_code.label("beneficiary_code"))
            .join(pp, pp.debit_id == d.id, isouter=True)
            .join(b, b.id == pp.beneficiary_id, isouter=True)
            .where((d.payer_id == payer_id) | d.id.in_(paid_for_me))
            .order_by(d.id.desc()).limit(limit))
    if debit_id is not None:
        stmt = stmt.where(d.id == debit_id)
    out = []
    for row in _rows(conn, stmt):
        row["for_other"] = row["payer_id"] == payer_id and row["beneficiary_id"] not in (None, payer_id)
        row["by_other"] = row["payer_id"] != payer_id
        out.append(row)
    return out


def debit_levies(conn: Connection, debit_id: int) -> list[dict[str, Any]]:
    dl, lv = DebitLevyRecord, LevyRecord
    return _rows(conn, _levies().join(dl, dl.levy_id == lv.id).where(dl.debit_id == debit_id)
                 .order_by(lv.id))


def paid_levies(conn: Connection, payer_id: int, year: int) -> list[dict[str, Any]]:
    """Levies of the payer paid in ``year`` (by date paid), for the payment certificate."""
    lv = LevyRecord
    return _rows(conn, _levies().where(lv.payer_id == payer_id, lv.state.in_(("PAID", "SETTLED")),
                                       lv.tax_date >= dt.date(year, 1, 1),
                                       lv.tax_date <= dt.date(year, 12, 31))
                 .order_by(lv.tax_date, lv.period_start, lv.insurance_code))


def is_virtual_unit(conn: Connection, payer_id: int) -> bool:
    return conn.execute(select(VirtualUnitRecord.payer_id)
                        .where(VirtualUnitRecord.payer_id == payer_id)).first() is not None


def declarations(conn: Connection, unit_id: int, limit: int = 500) -> list[dict[str, Any]]:
    """What a virtual unit declared: resident, levy and its state."""
    d, lv, p = ResidentDeclarationRecord, LevyRecord, PayerRecord
    stmt = (select(lv.id, p.name, p.tax_pay_code, lv.insurance_code,
                   InsuranceTypeRecord.name.label("insurance"), lv.period_start, lv.amount, lv.state)
            .select_from(d).join(lv, lv.id == d.levy_id).join(p, p.id == d.resident_id)
            .join(InsuranceTypeRecord, InsuranceTypeRecord.code == lv.insurance_code)
            .where(d.unit_id == unit_id).order_by(d.id.desc()).limit(limit))
    return _rows(conn, stmt)
