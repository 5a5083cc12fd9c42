"""Collection staff's batch-deduction use cases (issue 13 item 8) over their office and its
subordinates: the selection with its preview, the 待批扣清册 lists (entries, voiding, export),
launching a list asynchronously (1102 packages) or in real time, packages and their items, stop
and status query, the in-doubt debits, the refund cases (退费) and the failed-item notices.

Every record is looked up within the caller's scope first (404 outside it); every launch, stop,
query, void and refund step writes its audit row in the transaction of the change; every export
is audited and masked (account numbers, individuals' ID numbers).
"""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from gateway.domain import batch_messages as bm
from gateway.domain.errors import NotFound
from gateway.domain.pending_list import Selection
from gateway.persistence import audit_log
from gateway.persistence import batch_web_queries as bq
from gateway.persistence import web_queries as q
from webapp import masking
from webapp.context import client_address, reader, web
from webapp.roles import Principal
from webapp.services import actions
from webapp.services.actions import found

PER_PAGE = 50

ENTRY_COLUMNS = (("levy_id", "应征编号"), ("payer_name", "缴费人"), ("tax_pay_code", "纳税人识别号"),
                 ("tax_org_code", "征收机关"), ("pay_bk_code", "付款行"), ("insurance", "险种"),
                 ("period_start", "所属期起"), ("period_end", "所属期止"), ("amount", "金额（元）"),
                 ("state_label", "状态"), ("package_id", "批量包"), ("note", "说明"))
PACKAGE_COLUMNS = (("key", "批量包"), ("list_id", "清册"), ("tax_org_code", "征收机关"),
                   ("pay_bk_code", "付款行行号"), ("bank_name", "付款行"), ("item_count", "笔数"),
                   ("total_amount", "金额（元）"),
                   ("succ_num", "成功笔数"), ("succ_amt", "成功金额（元）"), ("state_label", "状态"),
                   ("deadline", "回执期限"), ("reason", "说明"))
ITEM_COLUMNS = (("tra_no", "流水号"), ("tax_vou_no", "凭证号"), ("payer_name", "缴费人"),
                ("tax_pay_code", "纳税人识别号"), ("pay_acct", "付款账号"), ("amount", "金额（元）"),
                ("state_label", "状态"), ("result_code", "结果码"), ("reason", "说明"))
IN_DOUBT_COLUMNS = (("key", "业务编号"), ("kind_label", "类型"), ("payer_name", "缴费人"),
                    ("tax_pay_code", "纳税人识别号"), ("pay_acct", "付款账号"),
                    ("amount", "金额（元）"), ("sent_at", "发送时间"), ("reason", "说明"))
REFUND_COLUMNS = (("id", "退费编号"), ("payer_name", "缴费人"), ("tax_pay_code", "纳税人识别号"),
                  ("social_security_no", "社保号"), ("insurance", "险种"),
                  ("period_start", "所属期起"), ("period_end", "所属期止"), ("amount", "退费金额（元）"),
                  ("debit_key", "重复扣款业务编号"), ("paid_by", "先行缴款"), ("state_label", "状态"),
                  ("note", "说明"), ("updated_by", "经办人"), ("updated_at", "更新时间"))
NOTICE_COLUMNS = (("id", "编号"), ("payer_name", "缴费人"), ("tax_pay_code", "纳税人识别号"),
                  ("text", "短信内容"), ("state_label", "状态"), ("sent_at", "发送时间"),
                  ("error", "失败原因"))

ENTRY_LABELS = {"GENERATED": "已生成", "VOIDED": "已作废", "IN_PACKAGE": "已组包", "SENT": "已发送",
                "FINISHED": "已完成"}
PACKAGE_LABELS = {"SENT": "已发送", "ACCEPTED": "已受理", "ANSWERED": "已返回结果",
                  "FAILED": "失败", "STOPPED": "已止付"}
ITEM_LABELS = {"SENT": "已发送", "ACCEPTED": "已受理", "IN_DOUBT": "结果待查", "SUCCEEDED": "扣款成功",
               "FAILED": "扣款失败", "REVERSED": "已冲正"}
REFUND_LABELS = {"FLAGGED": "待确认", "CONFIRMED": "已确认", "EXPORTED": "已导出待社保核实",
                 "REFUNDED": "已退费", "REJECTED": "已驳回"}
NOTICE_LABELS = {"PENDING": "待发送", "SENT": "已发送", "FAILED": "发送失败"}
STOP_LABELS = {"SENT": "已发送", "STOPPED": "已止付", "REFUSED": "已拒绝"}
# What each refund step is called in the audit log, and the state it may start from.
REFUND_STEPS = {"confirm": ("REFUND_CONFIRM", "FLAGGED"), "refunded": ("REFUND_REFUNDED", "EXPORTED"),
                "reject": ("REFUND_REJECT", None), "export": ("REFUND_EXPORT", "CONFIRMED")}
REFUND_STEP_DONE = {"confirm": "已确认", "refunded": "已标记为已退费", "reject": "已驳回"}


@dataclass
class Page:
    """One server-side page of a listing, with what the pager and the search box need."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _page(conn: Any, stmt: Any, rows: Callable[[int], Iterable[dict[str, Any]]], page: int,
          mask: Callable[[dict[str, Any]], dict[str, Any]]) -> Page:
    page = max(1, page)
    return Page([mask(r) for r in rows((page - 1) * PER_PAGE)], bq.count(conn, stmt), page)


def masked(row: dict[str, Any]) -> dict[str, Any]:
    """Account and individuals' ID numbers masked; state labels added for pages and exports."""
    out = dict(row)
    if "tax_pay_code" in out:
        out["tax_pay_code"] = masking.payer_code(out.get("payer_kind") or "", out["tax_pay_code"])
    if "pay_acct" in out:
        out["pay_acct"] = masking.account(out["pay_acct"])
    if out.get("social_security_no"):
        out["social_security_no"] = masking.account(out["social_security_no"])
    return out


def _labelled(labels: dict[str, str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def mask(row: dict[str, Any]) -> dict[str, Any]:
        out = masked(row)
        out["state_label"] = labels.get(out.get("state") or "", out.get("state"))
        return out
    return mask


def _scope(p: Principal, conn: Any = None) -> q.ReadScope:
    return p.scope(conn if conn is not None else reader())


def _audited_export(p: Principal, action: str, target: str, detail: Any,
                    rows: Callable[[Any], Iterable[dict[str, Any]]],
                    mask: Callable[[dict[str, Any]], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Record the export, then stream masked rows from a connection open while it downloads."""
    actions.record(p, action, target, detail, tax_org_code=p.tax_org_code or "")
    engine = web().app.reader

    def stream() -> Iterator[dict[str, Any]]:
        with engine.connect() as own:
            for row in rows(own):
                yield mask(row)
    return stream()


# -- selection and lists ------------------------------------------------------------------------

def selection_choices(p: Principal) -> dict[str, list[tuple[str, str]]]:
    conn = reader()
    offices = bq.offices(conn, _scope(p, conn).office_codes or ())
    return {"offices": [(c, f"{n}（{c}）") for c, n in offices],
            "insurance": bq.insurance_types(conn)}


def selection_of(p: Principal, data: dict[str, Any]) -> Selection:
    """A Selection from the validated form; the office is one of the caller's (the form's
    choices are the caller's subtree, so a guessed office never gets this far)."""
    if data["office"] not in (_scope(p).office_codes or ()):
        raise NotFound()
    return Selection(tax_org_code=data["office"], run_at=web().now(),
                     include_subordinates=bool(data["subordinates"]),
                     period_from=data.get("period_from"), period_to=data.get("period_to"),
                     declared_from=data.get("declared_from"), declared_to=data.get("declared_to"),
                     payer_kind=data.get("payer_kind") or None,
                     insurance_codes=tuple(data.get("insurance") or ()))


def _figures(conn: Any, list_id: int) -> dict[str, Any]:
    groups = bq.list_groups(conn, list_id)
    return {"groups": groups, "payers": sum(g["payers"] for g in groups),
            "levies": sum(g["levies"] for g in groups),
            "amount": sum((g["amount"] for g in groups), start=Decimal("0.00"))}


def preview(p: Principal, sel: Selection) -> dict[str, Any]:
    """Counts and totals per office and bank of what the selection would list: the very same
    set-based selection, in a transaction that is rolled back (nothing is kept)."""
    with web().app.uow() as uow:
        summary = actions.send(uow, bm.SelectLevies(sel, p.username))
        uow.session.flush()
        figures = _figures(uow.session.connection(), summary.list_id)
        uow.rollback()
    return figures


def create_list(p: Principal, sel: Selection) -> int:
    def work(uow, note):
        summary = actions.send(uow, bm.SelectLevies(sel, p.username))
        note.tax_org_code = sel.tax_org_code
        note.after = {"list_id": summary.list_id, "criteria": sel.describe(),
                      "levies": summary.levies, "amount": str(summary.amount)}
        return summary.list_id
    return actions.perform(p, "CREATE_BATCH_LIST", "batch_list:new", work)


def lists_page(p: Principal, page: int) -> Page:
    conn = reader()
    scope = _scope(p, conn)
    return _page(conn, bq.lists_stmt(scope),
                 lambda off: bq.lists(conn, scope, off, PER_PAGE), page, dict)


def batch_list(p: Principal, list_id: int) -> dict[str, Any]:
    conn = reader()
    return found(bq.batch_list(conn, _scope(p, conn), list_id))


def list_detail(p: Principal, list_id: int, search: str, state: str, page: int) -> dict[str, Any]:
    conn = reader()
    scope = _scope(p, conn)
    row = found(bq.batch_list(conn, scope, list_id))
    return {"list": row, "figures": _figures(conn, list_id),
            "entries": _page(conn, bq.entries_stmt(list_id, search, state),
                             lambda off: bq.entries(conn, list_id, search, state, off, PER_PAGE),
                             page, _labelled(ENTRY_LABELS)),
            "packages": [_labelled(PACKAGE_LABELS)(r)
                         for r in bq.packages(conn, scope, list_id=list_id, limit=200)],
            "search": search, "state": state, "states": ENTRY_LABELS,
            "realtime_available": realtime_available()}


def void_payer(p: Principal, list_id: int, payer_id: int, reason: str) -> Any:
    """Void a payer's GENERATED entries (the payer in the caller's scope); the report says
    exactly what stays pending."""
    def work(uow, note):
        conn = uow.session.connection()
        scope = p.scope(conn)
        found(bq.batch_list(conn, scope, list_id))
        payer = found(bq.payer_of_scope(conn, scope, payer_id))
        report = actions.send(uow, bm.VoidPendingEntries(payer_id, reason.strip(), p.username))
        note.tax_org_code = payer["tax_org_code"]
        note.after = {"list_id": list_id, "voided": list(report.voided),
                      "still_pending": [lid for lid, _why in report.still_pending],
                      "reason": reason.strip()}
        return report
    return actions.perform(p, "VOID_PENDING_ENTRIES", f"payer:{payer_id}", work)


def export_entries(p: Principal, list_id: int, search: str = "", state: str = "") -> Iterator[dict]:
    batch_list(p, list_id)
    return _audited_export(p, "EXPORT_BATCH_LIST", f"batch_list:{list_id}",
                           {"search": search, "state": state},
                           lambda conn: bq.entries(conn, list_id, search, state, limit=None),
                           _labelled(ENTRY_LABELS))


# -- launching ----------------------------------------------------------------------------------

def launch_async(p: Principal, list_id: int) -> list[Any]:
    """Package the list's GENERATED entries, one transaction per package: the package, its
    items, the levy locks, its 1102 and its audit row commit together or not at all."""
    batch_list(p, list_id)
    done = []
    while True:
        def work(uow, note):
            conn = uow.session.connection()
            row = found(bq.batch_list(conn, p.scope(conn), list_id))
            pkg = actions.send(uow, bm.PackNext(list_id, p.username))
            if pkg is None:
                raise _NothingLeft()
            note.tax_org_code = row["tax_org_code"]
            note.after = {"list_id": list_id, "package_id": pkg.id, "package": pkg.key,
                          "bank": pkg.pay_bk_code, "items": pkg.item_count,
                          "amount": str(pkg.total_amount)}
            return pkg
        try:
            done.append(actions.perform(p, "LAUNCH_BATCH_PACKAGE", f"batch_list:{list_id}", work))
        except _NothingLeft:
            return done


class _NothingLeft(Exception):
    """The list has nothing left to package: ends the launch loop (its empty transaction is
    rolled back, so no audit row says a package was sent)."""


def realtime_command() -> type | None:
    """``LaunchRealtimeBatch`` when the real-time batch driver is installed (another change
    adds it); None before, and the page then says the mode is not available."""
    return getattr(bm, "LaunchRealtimeBatch", None)


def realtime_available() -> bool:
    return realtime_command() is not None


def launch_realtime(p: Principal, list_id: int, max_in_flight: int | None) -> Any:
    """One 1001 per payer of the list through the real-time batch driver. The driver commits
    its own work as it goes (bounded in-flight debits), so the audit row is written when the
    launch was accepted, naming the list and the bound."""
    command = realtime_command()
    if command is None:
        raise RealtimeUnavailable()
    row = batch_list(p, list_id)
    result = web().app.bus.handle(command(list_id=list_id, operator=p.username,
                                          max_in_flight=max_in_flight))
    actions.record(p, "LAUNCH_REALTIME_BATCH", f"batch_list:{list_id}",
                   {"list_id": list_id, "max_in_flight": max_in_flight, "result": _plain(result)},
                   tax_org_code=row["tax_org_code"])
    return result


class RealtimeUnavailable(Exception):
    """The real-time batch driver is not installed in this build."""


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: str(v) for k, v in dataclasses.asdict(value).items()}
    return None if value is None else str(value)


# -- packages -----------------------------------------------------------------------------------

def packages_page(p: Principal, list_id: int | None, state: str, search: str, page: int) -> Page:
    conn = reader()
    scope = _scope(p, conn)
    mask = _labelled(PACKAGE_LABELS)
    return _page(conn, bq.packages_stmt(scope, list_id, state, search),
                 lambda off: bq.packages(conn, scope, list_id, state, search, off, PER_PAGE),
                 page, lambda r: mask({**r, "key": _key(r)}))


def _key(row: dict[str, Any]) -> str:
    return f"{row['tax_org_code']}/{row['entrust_date']:%Y%m%d}/{row['pack_no']}"


def package(p: Principal, package_id: int) -> dict[str, Any]:
    conn = reader()
    return _labelled(PACKAGE_LABELS)(found(bq.package(conn, _scope(p, conn), package_id)))


def package_detail(p: Principal, package_id: int, search: str, state: str,
                   page: int) -> dict[str, Any]:
    conn = reader()
    pkg = package(p, package_id)
    return {"package": pkg, "figures": bq.item_figures(conn, package_id),
            "items": _page(conn, bq.items_stmt(package_id, search, state),
                           lambda off: bq.items(conn, package_id, search, state, off, PER_PAGE),
                           page, _labelled(ITEM_LABELS)),
            "stops": [{**s, "state_label": STOP_LABELS.get(s["state"], s["state"])}
                      for s in bq.stops(conn, package_id)],
            "open": pkg["state"] in ("SENT", "ACCEPTED"),
            "search": search, "state": state, "states": ITEM_LABELS, "labels": ITEM_LABELS}


def _scoped_package(p: Principal, uow: Any, package_id: int) -> dict[str, Any]:
    uow.session.flush()
    conn = uow.session.connection()
    return found(bq.package(conn, p.scope(conn), package_id))


def stop(p: Principal, package_id: int, reason: str, tra_no: str | None = None) -> Any:
    """1123 for the whole package or one item; the levies stay locked until the 2123."""
    def work(uow, note):
        before = _scoped_package(p, uow, package_id)
        request = actions.send(uow, bm.StopPackage(package_id, reason.strip(), p.username,
                                                   tra_no=tra_no))
        note.tax_org_code = before["tax_org_code"]
        note.before = {"state": before["state"]}
        note.after = {"stop": request.key, "item": tra_no or "", "reason": reason.strip()}
        return request
    action = "STOP_ITEM" if tra_no else "STOP_PACKAGE"
    target = f"package:{package_id}" + (f"/{tra_no}" if tra_no else "")
    return actions.perform(p, action, target, work)


def query_package(p: Principal, package_id: int) -> str:
    def work(uow, note):
        before = _scoped_package(p, uow, package_id)
        msg_id = actions.send(uow, bm.QueryPackage(package_id))
        note.tax_org_code, note.before = before["tax_org_code"], {"state": before["state"]}
        note.after = {"msg_id": msg_id}
        return msg_id
    return actions.perform(p, "QUERY_PACKAGE", f"package:{package_id}", work)


def export_packages(p: Principal, list_id: int | None, search: str = "", state: str = "") -> Iterator[dict]:
    if list_id is not None:
        batch_list(p, list_id)
    scope = _scope(p)
    mask = _labelled(PACKAGE_LABELS)
    return _audited_export(p, "EXPORT_PACKAGES", f"batch_list:{list_id or 'all'}",
                           {"state": state, "search": search},
                           lambda conn: bq.packages(conn, scope, list_id, state, search, limit=None),
                           lambda r: mask({**r, "key": _key(r)}))


def export_items(p: Principal, package_id: int, search: str = "", state: str = "") -> Iterator[dict]:
    package(p, package_id)
    return _audited_export(p, "EXPORT_PACKAGE_ITEMS", f"package:{package_id}",
                           {"search": search, "state": state},
                           lambda conn: bq.items(conn, package_id, search, state, limit=None),
                           _labelled(ITEM_LABELS))


# -- in-doubt debits ----------------------------------------------------------------------------

def _in_doubt_mask(row: dict[str, Any]) -> dict[str, Any]:
    out = masked(row)
    out["kind_label"] = "批量扣款" if row["kind"] == "BATCH_ITEM" else "实时扣款"
    return out


def in_doubt_page(p: Principal, search: str, page: int) -> Page:
    conn = reader()
    scope = _scope(p, conn)
    return _page(conn, bq.in_doubt_stmt(scope, search),
                 lambda off: bq.in_doubt(conn, scope, search, off, PER_PAGE), page, _in_doubt_mask)


def export_in_doubt(p: Principal, search: str = "", state: str = "") -> Iterator[dict]:
    scope = _scope(p)
    return _audited_export(p, "EXPORT_IN_DOUBT", "debits:in_doubt", {"search": search},
                           lambda conn: bq.in_doubt(conn, scope, search, limit=None), _in_doubt_mask)


# -- refund cases -------------------------------------------------------------------------------

def refunds_page(p: Principal, state: str, search: str, page: int) -> Page:
    conn = reader()
    scope = _scope(p, conn)
    return _page(conn, bq.refunds_stmt(scope, state, search),
                 lambda off: bq.refunds(conn, scope, state, search, off, PER_PAGE), page,
                 _labelled(REFUND_LABELS))


def refund(p: Principal, refund_id: int) -> dict[str, Any]:
    conn = reader()
    return found(bq.refund(conn, _scope(p, conn), refund_id))


def _refund_step(p: Principal, uow: Any, refund_id: int, step: str, note_text: str) -> None:
    """One step of one case in ``uow``, with its own audit row in the same transaction."""
    uow.session.flush()
    conn = uow.session.connection()
    before = found(bq.refund(conn, p.scope(conn), refund_id))
    case = actions.send(uow, bm.RefundStep(refund_id, step, p.username, note_text.strip()))
    audit_log.append(uow.session, audit_log.AuditEntry(
        actor=p.username, actor_role=p.role.value, action=REFUND_STEPS[step][0],
        target=f"refund:{refund_id}", address=client_address(), tax_org_code=before["tax_org_code"],
        before={"state": before["state"]},
        after={"state": case.state.value, "note": note_text.strip()}), web().now())


def refund_step(p: Principal, refund_id: int, step: str, note_text: str) -> None:
    if step not in REFUND_STEPS or step == "export":
        raise NotFound()
    with web().app.uow() as uow:
        _refund_step(p, uow, refund_id, step, note_text)
        uow.commit()


def export_for_verification(p: Principal) -> list[dict[str, Any]]:
    """Every CONFIRMED case of the scope moves to EXPORTED (one audit row each, all in one
    transaction) and the exported cases are returned for the download handed to the
    social-security office."""
    with web().app.uow() as uow:
        conn = uow.session.connection()
        cases = list(bq.refunds(conn, p.scope(conn), "CONFIRMED", limit=None))
        for case in cases:
            _refund_step(p, uow, case["id"], "export", "")
        uow.commit()
    mask = _labelled(REFUND_LABELS)
    return [mask({**c, "state": "EXPORTED"}) for c in cases]


def export_refunds(p: Principal, search: str = "", state: str = "") -> Iterator[dict]:
    scope = _scope(p)
    return _audited_export(p, "EXPORT_REFUNDS", "refunds", {"state": state, "search": search},
                           lambda conn: bq.refunds(conn, scope, state, search, limit=None),
                           _labelled(REFUND_LABELS))


# -- failed-item notices (发送短信息查询) -------------------------------------------------------

def notices_page(p: Principal, state: str, search: str, page: int) -> Page:
    conn = reader()
    scope = _scope(p, conn)
    return _page(conn, bq.notices_stmt(scope, state, search),
                 lambda off: bq.notices(conn, scope, state, search, off, PER_PAGE), page,
                 _labelled(NOTICE_LABELS))


def export_notices(p: Principal, search: str = "", state: str = "") -> Iterator[dict]:
    scope = _scope(p)
    return _audited_export(p, "EXPORT_NOTICES", "notifications", {"state": state, "search": search},
                           lambda conn: bq.notices(conn, scope, state, search, limit=None),
                           _labelled(NOTICE_LABELS))
