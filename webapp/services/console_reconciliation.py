"""Staff's reconciliation use cases over their office and its subordinate offices: the runs per
check date, the discrepancy list (filtered, paginated in SQL), resolving one with a note
(audited, through the bus), the fund entry reports with their violations, and the exports —
account numbers masked everywhere."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from gateway.domain.reconciliation import KIND_LABELS, DiscrepancyKind, ResolveDiscrepancy
from gateway.persistence import reconciliation_queries as q
from webapp import masking
from webapp.context import reader, web
from webapp.roles import Principal
from webapp.services import actions
from webapp.services.actions import found

PER_PAGE = 50
STATE_LABELS = {"OPEN": "待处理", "RESOLVED": "已处理"}
RUN_STATES = {"RECEIVING": "接收中", "COMPLETE": "待对账", "RECONCILED": "已对账"}

RUN_COLUMNS = (("chk_date", "对账日期"), ("tax_org_code", "征收机关代码"), ("office_name", "征收机关"),
               ("pack_no", "包号"), ("state_label", "状态"), ("all_num", "明细笔数"),
               ("all_amt", "明细金额（元）"), ("settled_items", "入库笔数"),
               ("settled_levies", "入库应征笔数"), ("discrepancies", "差异笔数"),
               ("open", "待处理差异"), ("runs", "对账次数"), ("reconciled_at", "最近对账时间"))
DISCREPANCY_COLUMNS = (("id", "差异编号"), ("chk_date", "对账日期"), ("tax_org_code", "征收机关代码"),
                       ("kind_label", "差异类型"), ("ori_key", "原交易"), ("payer_name", "缴费人"),
                       ("pay_acct", "付款账号"), ("reported_amount", "对账金额（元）"),
                       ("held_amount", "网关金额（元）"), ("reported_voucher", "对账费票号"),
                       ("held_voucher", "网关费票号"), ("held_state", "网关状态"),
                       ("state_label", "处理状态"), ("note", "处理说明"), ("resolved_by", "处理人"))
FUND_COLUMNS = (("report_date", "报表日期"), ("tre_code", "国库代码"), ("acct_code", "专户账号"),
                ("acct_name", "账户名称"), ("yesterday_balance", "上日余额（元）"),
                ("today_receipt", "本日收入（元）"), ("today_pay", "本日支出（元）"),
                ("today_balance", "本日余额（元）"), ("balanced_label", "余额校验"),
                ("difference", "差额（元）"))


def _offices(p: Principal, conn: Any) -> tuple[str, ...]:
    return p.scope(conn).office_codes or ()


def kinds() -> dict[str, str]:
    return {k.value: label for k, label in KIND_LABELS.items()}


def runs(p: Principal) -> list[dict[str, Any]]:
    conn = reader()
    offices = _offices(p, conn)
    open_ = q.open_counts(conn, offices)
    return [dict(r, state_label=RUN_STATES.get(r["state"], r["state"]),
                 open=open_.get((r["tax_org_code"], r["chk_date"]), 0))
            for r in q.runs(conn, offices)]


def _discrepancy_row(r: dict[str, Any]) -> dict[str, Any]:
    out = masking.debit_row(r)
    out["kind_label"] = KIND_LABELS.get(DiscrepancyKind(r["kind"]), r["kind"])
    out["state_label"] = STATE_LABELS.get(r["state"], r["state"])
    return out


def parse_filters(args: Any) -> dict[str, Any]:
    """Kind, state and check date from the query string; anything unknown is ignored."""
    kind = args.get("kind", "")
    state = args.get("state", "")
    try:
        day = dt.datetime.strptime(args.get("date", ""), "%Y-%m-%d").date()
    except ValueError:
        day = None
    return {"kind": kind if kind in kinds() else "", "state": state if state in STATE_LABELS else "",
            "chk_date": day}


def discrepancies(p: Principal, filters: dict[str, Any], page: int) -> dict[str, Any]:
    conn = reader()
    rows, total = q.discrepancies(conn, _offices(p, conn), page=page, per_page=PER_PAGE,
                                  **filters)
    pages = max(1, -(-total // PER_PAGE))
    return {"rows": [_discrepancy_row(r) for r in rows], "total": total, "page": page,
            "pages": pages}


def discrepancy(p: Principal, discrepancy_id: int) -> dict[str, Any]:
    conn = reader()
    return _discrepancy_row(found(q.discrepancy(conn, _offices(p, conn), discrepancy_id)))


def resolve(p: Principal, discrepancy_id: int, note: str) -> dict[str, Any]:
    """Resolve through the bus; the audit row and the change commit together."""
    def work(uow: Any, n: actions.Note) -> dict[str, Any]:
        conn = uow.session.connection()
        before = found(q.discrepancy(conn, _offices(p, conn), discrepancy_id))
        actions.send(uow, ResolveDiscrepancy(discrepancy_id, p.username, note.strip()))
        n.before, n.tax_org_code = {"state": before["state"]}, before["tax_org_code"]
        n.after = {"state": "RESOLVED", "note": note.strip()}
        return {"state": "RESOLVED"}
    return actions.perform(p, "RESOLVE_DISCREPANCY", f"discrepancy:{discrepancy_id}", work)


def _fund_row(r: dict[str, Any]) -> dict[str, Any]:
    return dict(r, acct_code=masking.account(r["acct_code"]),
                balanced_label="平衡" if r["balanced"] else "不平衡")


def fund_reports(p: Principal, only_broken: bool) -> list[dict[str, Any]]:
    conn = reader()
    treasuries = q.treasuries_of(conn, p.tax_org_code, _offices(p, conn))
    return [_fund_row(r) for r in q.fund_lines(conn, treasuries, only_broken)]


def export(p: Principal, what: str, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The rows of one export (runs, discrepancies, fund), masked; the export is audited. The
    discrepancies stream from a connection of their own while the download runs."""
    actions.record(p, "EXPORT_RECONCILIATION", f"recon:{what}",
                   {k: str(v) for k, v in filters.items() if v}, tax_org_code=p.tax_org_code or "")
    if what == "runs":
        return iter(runs(p))
    if what == "fund":
        return iter(fund_reports(p, bool(filters.get("only_broken"))))
    offices = _offices(p, reader())
    engine = web().app.reader
    flt = {k: v for k, v in filters.items() if k in ("kind", "state", "chk_date")}

    def rows() -> Iterator[dict[str, Any]]:
        with engine.connect() as own:
            for r in q.all_discrepancies(own, offices, **flt):
                yield _discrepancy_row(r)
    return rows()
