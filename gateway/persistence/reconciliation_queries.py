"""Read side of reconciliation for the console and the CLI: runs per check date, the
discrepancy list (filtered, paginated in SQL), fund report lines; every query takes the
caller's scope (office codes; ``None`` = everything, for the CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from sqlalchemy import Connection, false, func, select
from sqlalchemy.sql import Select

from gateway.persistence.records import (AgreementRecord, DebitRecord, FundReportLineRecord,
                                         PayerRecord, ReconDiscrepancyRecord, ReconPackageRecord,
                                         TaxOfficeRecord, TreasuryRecord)

Offices = tuple[str, ...] | None  # None: no limit (operators' CLI)


def _within(col: Any, offices: Offices) -> Any:
    if offices is None:
        return col.is_not(None)
    return col.in_(offices) if offices else false()


def runs(conn: Connection, offices: Offices, limit: int = 100) -> list[dict[str, Any]]:
    """Packages per check date and office, newest first, with the last run's figures."""
    p = ReconPackageRecord
    stmt = (select(p.id, p.tax_org_code, p.chk_date, p.pack_no, p.state, p.child_pack_num,
                   p.all_num, p.all_amt, p.items, p.settled_items, p.settled_levies,
                   p.discrepancies, p.runs, p.reconciled_at, p.reconciled_by,
                   TaxOfficeRecord.name.label("office_name"))
            .outerjoin(TaxOfficeRecord, TaxOfficeRecord.code == p.tax_org_code)
            .where(_within(p.tax_org_code, offices))
            .order_by(p.chk_date.desc(), p.tax_org_code).limit(limit))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def open_counts(conn: Connection, offices: Offices) -> dict[tuple[str, dt.date], int]:
    x = ReconDiscrepancyRecord
    stmt = (select(x.tax_org_code, x.chk_date, func.count()).where(
        x.state == "OPEN", _within(x.tax_org_code, offices)).group_by(x.tax_org_code, x.chk_date))
    return {(org, day): n for org, day, n in conn.execute(stmt)}


def _discrepancy_select() -> Select[Any]:
    x, d = ReconDiscrepancyRecord, DebitRecord
    return (select(x.id, x.tax_org_code, x.chk_date, x.kind, x.state, x.ori_key,
                   x.reported_amount, x.held_amount, x.reported_voucher, x.held_voucher,
                   x.held_state, x.note, x.resolved_by, x.resolved_at, x.debit_id,
                   d.tax_vou_no.label("debit_voucher"), PayerRecord.name.label("payer_name"),
                   AgreementRecord.pay_acct)
            .outerjoin(d, d.id == x.debit_id)
            .outerjoin(PayerRecord, PayerRecord.id == d.payer_id)
            .outerjoin(AgreementRecord, AgreementRecord.id == d.agreement_id))


def discrepancies(conn: Connection, offices: Offices, kind: str = "", state: str = "",
                  chk_date: dt.date | None = None, page: int = 1, per_page: int = 50,
                  ) -> tuple[list[dict[str, Any]], int]:
    """One page of the list and the number of matching lines."""
    x = ReconDiscrepancyRecord
    cond = [_within(x.tax_org_code, offices)]
    if kind:
        cond.append(x.kind == kind)
    if state:
        cond.append(x.state == state)
    if chk_date is not None:
        cond.append(x.chk_date == chk_date)
    total = conn.execute(select(func.count()).select_from(x).where(*cond)).scalar_one()
    stmt = (_discrepancy_select().where(*cond).order_by(x.chk_date.desc(), x.id)
            .limit(per_page).offset((max(page, 1) - 1) * per_page))
    return [dict(r._mapping) for r in conn.execute(stmt)], int(total)


def all_discrepancies(conn: Connection, offices: Offices, kind: str = "", state: str = "",
                      chk_date: dt.date | None = None) -> Iterator[dict[str, Any]]:
    """The whole filtered list, streamed (exports)."""
    x = ReconDiscrepancyRecord
    cond = [_within(x.tax_org_code, offices)]
    if kind:
        cond.append(x.kind == kind)
    if state:
        cond.append(x.state == state)
    if chk_date is not None:
        cond.append(x.chk_date == chk_date)
    stmt = _discrepancy_select().where(*cond).order_by(x.chk_date.desc(), x.id)
    for r in conn.execution_options(stream_results=True, yield_per=1000).execute(stmt):
        yield dict(r._mapping)


def discrepancy(conn: Connection, offices: Offices, discrepancy_id: int
                ) -> dict[str, Any] | None:
    x = ReconDiscrepancyRecord
    r = conn.execute(_discrepancy_select().where(
        x.id == discrepancy_id, _within(x.tax_org_code, offices))).first()
    return dict(r._mapping) if r else None


def treasuries_of(conn: Connection, office: str | None, offices: Offices) -> tuple[str, ...] | None:
    """The treasury codes serving the office, the offices above it (routes are inherited) and
    those below it; ``None`` for the CLI (every account)."""
    if offices is None:
        return None
    codes = set(offices)
    seen = office
    while seen:  # walk up: a district inherits its city's treasury route
        codes.add(seen)
        seen = conn.execute(select(TaxOfficeRecord.parent_code).where(
            TaxOfficeRecord.code == seen)).scalar()
    return tuple(conn.execute(select(TreasuryRecord.payee_org_code).distinct().where(
        TreasuryRecord.tax_org_code.in_(codes))).scalars())


def fund_lines(conn: Connection, treasuries: tuple[str, ...] | None, only_broken: bool = False,
               limit: int | None = 200) -> list[dict[str, Any]]:
    f = FundReportLineRecord
    stmt = select(FundReportLineRecord.__table__).where(_within(f.tre_code, treasuries))
    if only_broken:
        stmt = stmt.where(f.balanced.is_(False))
    stmt = stmt.order_by(f.report_date.desc(), f.tre_code, f.acct_code)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [dict(r._mapping) for r in conn.execute(stmt)]
