"""Read side of the unit portal (issue 15), set-based and paged in SQL: the unit's registration,
its enrolled staff, the declaration preview (person × insurance type, computed in SQL with the
terms in force), declarations and payments, per-person details and change history.

Every function takes the unit's payer id (the caller's scope); rows of another payer are never
returned. ``execute`` works on a Connection or a Session alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import (BigInteger, Integer, String, and_, case, exists, func, literal,
                        or_, select, type_coerce, union_all)
from sqlalchemy.sql import Select

from gateway.domain.declaration import RATE_SCALE, TypeTerms
from gateway.persistence.records import (DeclarationLineRecord, DeclarationRecord, DebitLevyRecord,
                                         DebitRecord, InsuranceTypeRecord, InsuredPersonRecord,
                                         LevyRecord, PayerRecord, PersonChangeRecord,
                                         TaxOfficeRecord)
from gateway.persistence.types import fen_to_yuan

ip, dl, d = InsuredPersonRecord.__table__, DeclarationLineRecord.__table__, DeclarationRecord.__table__
lv, it = LevyRecord.__table__, InsuranceTypeRecord.__table__


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    page: int
    size: int
    summary: dict[str, Any] | None = None
    page_count: int | None = None  # when pages are not total / size (the preview pages persons)

    @property
    def pages(self) -> int:
        return self.page_count or max(1, -(-self.total // self.size))


def _rows(conn, stmt) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _page(conn, stmt: Select, count_stmt: Select, page: int, size: int,
          summary: dict[str, Any] | None = None) -> Page:
    total = conn.execute(count_stmt).scalar_one()
    page = max(1, min(page, max(1, -(-total // size))))
    return Page(_rows(conn, stmt.offset((page - 1) * size).limit(size)), total, page, size, summary)


def unit(conn, payer_id: int) -> dict[str, Any] | None:
    """单位缴费登记信息: the payer, its office, city and district (for the parameters)."""
    p, o = PayerRecord.__table__, TaxOfficeRecord.__table__
    row = conn.execute(select(p.c.id, p.c.kind, p.c.name, p.c.tax_pay_code, p.c.tax_org_code,
                              p.c.social_security_no, o.c.name.label("office"), o.c.city_code,
                              o.c.district_code)
                       .join(o, o.c.code == p.c.tax_org_code)
                       .where(p.c.id == payer_id, p.c.kind == "UNIT")).first()
    return dict(row._mapping) if row else None


def registrations(conn, payer_id: int, main_no: str) -> list[str]:
    """The unit's social-security numbers: its own and any its persons are enrolled under."""
    extra = conn.execute(select(ip.c.social_security_no).distinct().where(
        ip.c.unit_id == payer_id, ip.c.social_security_no != "")).scalars()
    return [main_no] + sorted(set(extra) - {main_no})


def _under(ss_no: str, main_no: str):
    """Persons enrolled under ``ss_no`` ("" in the column is the unit's main number)."""
    if ss_no == main_no:
        return or_(ip.c.social_security_no == "", ip.c.social_security_no == main_no)
    return ip.c.social_security_no == ss_no


def staff(conn, payer_id: int, ss_no: str, main_no: str, query: str = "", page: int = 1,
          size: int = 20, state: str = "ACTIVE") -> Page:
    """在册人员 of one registration, one row per person, searchable by name or ID number."""
    cond = [ip.c.unit_id == payer_id, ip.c.state == state, _under(ss_no, main_no)]
    q = query.strip()
    if q:
        cond.append(or_(ip.c.id_number == q.upper(), ip.c.name.like(f"%{q}%")))
    stmt = (select(ip.c.id, ip.c.id_number, ip.c.name, ip.c.declared_wage, ip.c.scheme, ip.c.state,
                   ip.c.social_security_no, ip.c.enrolled_from, ip.c.removed_from)
            .where(*cond).order_by(ip.c.id))
    return _page(conn, stmt, select(func.count()).select_from(ip).where(*cond), page, size)


def person(conn, payer_id: int, person_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(ip).where(ip.c.id == person_id, ip.c.unit_id == payer_id)).first()
    return dict(row._mapping) if row else None


def _terms_table(terms: Sequence[TypeTerms]):
    """The terms as an inline table (a UNION ALL of literal rows: SQLite has no column list
    on a VALUES alias)."""
    rows = [select(literal(t.insurance_code, String).label("code"),
                   literal(int(t.floor * 100), BigInteger).label("floor_fen"),
                   literal(int(t.ceiling * 100), BigInteger).label("ceiling_fen"),
                   literal(t.rate_e4, Integer).label("rate_e4")) for t in terms]
    return union_all(*rows).subquery("terms")


def _undeclared(payer_id: int, period_start: dt.date, period_end: dt.date,
                check_declared: bool = True) -> list:
    """ACTIVE persons enrolled by the period's end and not on a DECLARED declaration of the
    period (the check is left out when the period has no declaration at all: it cannot match)."""
    cond = [ip.c.unit_id == payer_id, ip.c.state == "ACTIVE",
            or_(ip.c.enrolled_from.is_(None), ip.c.enrolled_from <= period_end)]
    if check_declared:
        cond.append(~exists().where(dl.c.person_id == ip.c.id, d.c.id == dl.c.declaration_id,
                                    d.c.payer_id == payer_id, d.c.period_start == period_start,
                                    d.c.state == "DECLARED"))
    return cond


def undeclared_lines(payer_id: int, period_start: dt.date, period_end: dt.date,
                     terms: Sequence[TypeTerms]) -> Select:
    """The person × type lines a declaration of the period would create now, in fen, each
    person with the types their scheme covers; base clamped to the terms, amount rounded
    half-up in integer arithmetic (exactly as gateway.domain.declaration.TypeTerms.amount)."""
    t = _terms_table(terms)
    wage = type_coerce(ip.c.declared_wage, BigInteger)  # raw fen, like the terms
    base = case((wage < t.c.floor_fen, t.c.floor_fen), (wage > t.c.ceiling_fen, t.c.ceiling_fen),
                else_=wage)
    amount = (base * t.c.rate_e4 * 2 + RATE_SCALE) // (2 * RATE_SCALE)
    cond = _undeclared(payer_id, period_start, period_end)
    return (select(ip.c.id.label("person_id"), t.c.code.label("insurance_code"),
                   wage.label("wage_fen"), base.label("base_fen"), t.c.rate_e4,
                   amount.label("amount_fen"))
            .select_from(ip.join(t, or_(ip.c.scheme == "FULL", t.c.code == "INJURY")))
            .where(*cond))


def _declared_any(conn, payer_id: int, period_start: dt.date) -> bool:
    return conn.execute(select(d.c.id).where(d.c.payer_id == payer_id, d.c.period_start == period_start,
                                             d.c.state == "DECLARED").limit(1)).first() is not None


def preview(conn, payer_id: int, period_start: dt.date, period_end: dt.date,
            terms: Sequence[TypeTerms], page: int = 1, size: int = 50) -> Page:
    """申报预览: one page of lines with the totals of all of them, for a unit of any size.

    The totals come from one GROUP BY over the undeclared persons' (scheme, wage) — a unit has
    few distinct wages — priced per group with the domain's TypeTerms.amount, the same integer
    rule the lines' SQL uses. A page is ``size // types`` persons in id order (so a person's
    lines stay on one page), found on the (unit, state, id) index, and only their lines are
    computed."""
    cond = _undeclared(payer_id, period_start, period_end, _declared_any(conn, payer_id, period_start))
    groups = conn.execute(select(ip.c.scheme, type_coerce(ip.c.declared_wage, BigInteger), func.count())
                          .where(*cond).group_by(ip.c.scheme, ip.c.declared_wage)).all()
    # In integer fen, the rule of TypeTerms.amount (and of the declaration's SQL) written out:
    # base clamped to [floor, ceiling], amount = base × rate rounded half-up.
    fen_terms = [(t.insurance_code, int(t.floor * 100), int(t.ceiling * 100), t.rate_e4)
                 for t in terms]
    per_type_fen = dict.fromkeys((t.insurance_code for t in terms), 0)
    persons = lines = 0
    for scheme, wage_fen, count in groups:
        persons += count
        for code, floor_fen, ceiling_fen, rate_e4 in fen_terms:
            if scheme == "FULL" or code == "INJURY":
                base_fen = min(max(int(wage_fen), floor_fen), ceiling_fen)
                per_type_fen[code] += (base_fen * rate_e4 * 2 + RATE_SCALE) // (2 * RATE_SCALE) * count
                lines += count
    per_type = {code: fen_to_yuan(fen) for code, fen in per_type_fen.items()}
    per_page = max(1, size // max(1, len(terms)))
    pages = max(1, -(-persons // per_page))
    page = max(1, min(page, pages))
    # The page's persons, and their lines priced here by the same TypeTerms rule as the totals
    # (building the lines' SQL with the terms inlined cost more than computing 50 lines).
    found = conn.execute(select(ip.c.id, ip.c.name, ip.c.id_number, ip.c.scheme,
                                type_coerce(ip.c.declared_wage, BigInteger))
                         .where(*cond).order_by(ip.c.id)
                         .offset((page - 1) * per_page).limit(per_page)).all()
    names = dict(conn.execute(select(it.c.code, it.c.name)).all()) if found else {}
    ordered = sorted(terms, key=lambda t: t.insurance_code)
    rows = [{"person_id": pid, "name": name, "id_number": id_number,
             "insurance_code": t.insurance_code, "insurance": names.get(t.insurance_code, ""),
             "wage": wage, "base": t.base(wage), "rate": Decimal(t.rate_e4) / RATE_SCALE,
             "amount": t.amount(wage)}
            for pid, name, id_number, scheme, wage in
            ((r[0], r[1], r[2], r[3], fen_to_yuan(int(r[4]))) for r in found)
            for t in ordered if scheme == "FULL" or t.insurance_code == "INJURY"]
    summary = {"lines": lines, "persons": persons, "per_type": per_type,
               "amount": sum(per_type.values(), Decimal("0.00"))}
    return Page(rows, lines, page, size, summary, page_count=pages)


def declarations(conn, payer_id: int, page: int = 1, size: int = 20) -> Page:
    cond = d.c.payer_id == payer_id
    stmt = select(d).where(cond).order_by(d.c.id.desc())
    return _page(conn, stmt, select(func.count()).select_from(d).where(cond), page, size)


def declaration(conn, payer_id: int, declaration_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(d).where(d.c.id == declaration_id, d.c.payer_id == payer_id)).first()
    return dict(row._mapping) if row else None


def declaration_lines(conn, payer_id: int, declaration_id: int, page: int = 1,
                      size: int = 50) -> Page:
    cond = and_(dl.c.declaration_id == declaration_id, d.c.payer_id == payer_id)
    src = dl.join(d, d.c.id == dl.c.declaration_id)
    stmt = (select(dl.c.person_id, ip.c.name, ip.c.id_number, dl.c.insurance_code,
                   it.c.name.label("insurance"), dl.c.wage, dl.c.base, dl.c.rate_e4, dl.c.amount)
            .select_from(src.join(ip, ip.c.id == dl.c.person_id)
                         .join(it, it.c.code == dl.c.insurance_code))
            .where(cond).order_by(dl.c.id))
    return _page(conn, stmt, select(func.count()).select_from(src).where(cond), page, size)


def levies(conn, payer_id: int, states: Sequence[str] = (), period_from: dt.date | None = None,
           period_to: dt.date | None = None, page: int = 1, size: int = 20) -> Page:
    """申报缴款情况: the unit's levies (newest period first) with their state and payment."""
    cond = [lv.c.payer_id == payer_id]
    if states:
        cond.append(lv.c.state.in_(list(states)))
    if period_from:
        cond.append(lv.c.period_start >= period_from)
    if period_to:
        cond.append(lv.c.period_start <= period_to)
    stmt = (select(lv.c.id, lv.c.insurance_code, it.c.name.label("insurance"), lv.c.period_start,
                   lv.c.period_end, lv.c.amount, lv.c.state, lv.c.lock_kind, lv.c.lock_reason,
                   lv.c.tax_date, lv.c.paid_by, lv.c.declaration_no)
            .join(it, it.c.code == lv.c.insurance_code).where(*cond)
            .order_by(lv.c.period_start.desc(), lv.c.insurance_code))
    return _page(conn, stmt, select(func.count()).select_from(lv).where(*cond), page, size)


def levies_by_id(conn, payer_id: int, levy_ids: Sequence[int]) -> list[dict[str, Any]]:
    stmt = (select(lv.c.id, lv.c.insurance_code, it.c.name.label("insurance"), lv.c.period_start,
                   lv.c.period_end, lv.c.amount, lv.c.state, lv.c.tax_date, lv.c.paid_by)
            .join(it, it.c.code == lv.c.insurance_code)
            .where(lv.c.payer_id == payer_id, lv.c.id.in_(list(levy_ids)))
            .order_by(lv.c.period_start, lv.c.insurance_code))
    return _rows(conn, stmt)


def paid_levies(conn, payer_id: int, period_from: dt.date, period_to: dt.date) -> list[dict[str, Any]]:
    """PAID or SETTLED levies of the periods with the voucher (TaxVouNo) they were paid under."""
    db, dlv = DebitRecord.__table__, DebitLevyRecord.__table__
    voucher = (select(db.c.tax_vou_no).select_from(dlv.join(db, db.c.id == dlv.c.debit_id))
               .where(dlv.c.levy_id == lv.c.id, db.c.state == "SUCCEEDED")
               .order_by(db.c.id.desc()).limit(1).scalar_subquery())
    stmt = (select(lv.c.id, it.c.name.label("insurance"), lv.c.period_start, lv.c.period_end,
                   lv.c.amount, lv.c.tax_date, lv.c.paid_by, voucher.label("voucher_no"))
            .join(it, it.c.code == lv.c.insurance_code)
            .where(lv.c.payer_id == payer_id, lv.c.state.in_(("PAID", "SETTLED")),
                   lv.c.period_start >= period_from, lv.c.period_start <= period_to)
            .order_by(lv.c.period_start, lv.c.insurance_code))
    return _rows(conn, stmt)


def payments(conn, payer_id: int, page: int = 1, size: int = 20) -> Page:
    """The unit's debits, newest first."""
    db = DebitRecord.__table__
    cond = db.c.payer_id == payer_id
    stmt = (select(db.c.id, db.c.kind, db.c.originator, db.c.entrust_date, db.c.tra_no,
                   db.c.tax_vou_no, db.c.amount, db.c.state, db.c.reason, db.c.tax_date,
                   db.c.sent_at)
            .where(cond).order_by(db.c.id.desc()))
    return _page(conn, stmt, select(func.count()).select_from(db).where(cond), page, size)


def person_details(conn, payer_id: int, person_id: int, page: int = 1, size: int = 50) -> Page:
    """申报缴款个人明细: the person's declared lines with their declaration and the levy's state."""
    src = (dl.join(d, d.c.id == dl.c.declaration_id).join(it, it.c.code == dl.c.insurance_code)
           .join(lv, and_(lv.c.payer_id == d.c.payer_id, lv.c.insurance_code == dl.c.insurance_code,
                          lv.c.period_start == d.c.period_start), isouter=True))
    cond = and_(dl.c.person_id == person_id, d.c.payer_id == payer_id)
    stmt = (select(d.c.declaration_no, d.c.period_start, d.c.period_end, d.c.state.label("declaration_state"),
                   it.c.name.label("insurance"), dl.c.base, dl.c.rate_e4, dl.c.amount,
                   lv.c.state.label("levy_state"), lv.c.tax_date)
            .select_from(src).where(cond).order_by(d.c.period_start.desc(), dl.c.insurance_code))
    return _page(conn, stmt, select(func.count()).select_from(dl.join(d, d.c.id == dl.c.declaration_id))
                 .where(cond), page, size)


def changes(conn, payer_id: int, person_id: int | None = None, page: int = 1, size: int = 20) -> Page:
    """个人变动历史: the unit's enrolment changes, newest first (one person's, if given)."""
    pc = PersonChangeRecord.__table__
    cond = [pc.c.unit_id == payer_id]
    if person_id is not None:
        cond.append(pc.c.person_id == person_id)
    stmt = (select(pc.c.id, pc.c.person_id, ip.c.name, ip.c.id_number, pc.c.kind, pc.c.effective_from,
                   pc.c.before, pc.c.after, pc.c.changed_at, pc.c.changed_by)
            .join(ip, ip.c.id == pc.c.person_id).where(*cond).order_by(pc.c.id.desc()))
    return _page(conn, stmt, select(func.count()).select_from(pc).where(*cond), page, size)


def insurance_names(conn) -> dict[str, str]:
    return {code: name for code, name in conn.execute(select(it.c.code, it.c.name))}


def debit_levy_ids(conn, debit_id: int) -> list[int]:
    dlv = DebitLevyRecord.__table__
    return list(conn.execute(select(dlv.c.levy_id).where(dlv.c.debit_id == debit_id)).scalars())


def parameter_table(conn, city_code: str, on: dt.date):
    """The unit floors, ceilings and rates of the city in force on ``on``, as a domain
    ParameterTable (one Core query: the pages ask for it on every request)."""
    from gateway.domain.reference import ParameterKind
    from gateway.domain.reference_timeline import ParameterTable
    from gateway.persistence.records import ParameterVersionRecord
    from gateway.persistence.reference_repositories import version_from
    v = ParameterVersionRecord.__table__
    kinds = [k.value for k in (ParameterKind.BASE_FLOOR, ParameterKind.BASE_CEILING, ParameterKind.RATE)]
    rows = conn.execute(select(v).where(v.c.city_code == city_code, v.c.payer_kind == "UNIT",
                                        v.c.kind.in_(kinds), v.c.valid_from <= on,
                                        or_(v.c.valid_to.is_(None), v.c.valid_to >= on)))
    return ParameterTable(version_from(r) for r in rows)
