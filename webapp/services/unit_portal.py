"""Use cases of the unit portal (issue 15) for pages and API alike: registration and assessed
types, enrolled staff and their changes, declaration preview / declare / void, paying and the
bank-counter voucher, agreements with the cutoff notice, the queries and the certificates.

Every function takes the Principal and works on its own payer only (``_unit`` answers 404 for a
principal that is not a unit); changes go through ``actions.perform`` (audited, one transaction).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.domain.calendar import LATE_AGREEMENT_NOTICE
from gateway.domain.commands import (IssueCounterVoucher, QueryDebitStatus, RegisterAgreement,
                                     RevokeAgreement, TerminateAgreement)
from gateway.domain.contribution import unit_parameters_on
from gateway.domain.declaration import (CHANGE_LABELS, UNIT_INSURANCE_TYPES, ChangeKind,
                                        PortalRefused, Scheme, TypeTerms, check_person,
                                        check_wage, fee_period, terms_of)
from gateway.domain.errors import NotFound
from gateway.domain.reference_errors import NoValueInForce
from gateway.domain.money import money
from gateway.domain.reference import ParameterKind
from gateway.persistence import unit_portal_queries as uq
from gateway.persistence import web_queries as q
from gateway.persistence.declaration_store import DeclarationStore
from gateway.persistence.reference_repositories import BasisRepository
from gateway.services import unit_declarations
from webapp import masking
from webapp.context import reader, web
from webapp.roles import Principal, Role
from webapp.services.actions import found, perform, record, send

PAGE = 20
PREVIEW_PAGE = 50


def _unit(p: Principal, conn: Any = None) -> dict[str, Any]:
    if p.role is not Role.UNIT or p.payer_id is None:
        raise NotFound()
    return found(uq.unit(conn if conn is not None else reader(), p.payer_id))


def _now() -> dt.datetime:
    return web().now()


def current_period() -> str:
    """The fee period a unit declares by default: the current month."""
    return f"{_now():%Y-%m}"


def terms(conn: Any, unit: dict[str, Any], period_start: dt.date
          ) -> tuple[tuple[TypeTerms, ...], frozenset[int]]:
    """The assessed types' floors, ceilings and rates in force on the period's first day, and
    the parameter versions they came from."""
    table = uq.parameter_table(conn, unit["city_code"], period_start)
    codes = []
    for code in UNIT_INSURANCE_TYPES:
        try:
            table.lookup(ParameterKind.RATE, unit["city_code"], period_start, payer_kind="UNIT",
                         insurance_code=code, district_code=unit["district_code"])
        except NoValueInForce:
            continue
        codes.append(code)
    if not codes:
        raise PortalRefused(f"{period_start:%Y年%m月} 没有生效的缴费参数，暂不能申报")
    params = unit_parameters_on(table, unit["city_code"], period_start, codes,
                                district_code=unit["district_code"])
    return terms_of(params), params.version_ids


def _masked_unit(unit: dict[str, Any]) -> dict[str, Any]:
    out = masking.payer_row(unit)
    for key in ("city_code", "district_code"):
        out[key] = unit[key]
    return out


# -- 1. unit information ------------------------------------------------------------------

def info(p: Principal, period: str | None = None) -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    start, end = fee_period(period or current_period())
    try:
        found_terms, _ = terms(conn, unit, start)
    except PortalRefused:
        found_terms = ()
    names = uq.insurance_names(conn)
    regs = uq.registrations(conn, unit["id"], unit["social_security_no"])
    return {"unit": _masked_unit(unit), "period": f"{start:%Y-%m}",
            "registrations": [masking.account(r) for r in regs],
            "assessed": [{"insurance_code": t.insurance_code, "insurance": names.get(t.insurance_code, ""),
                          "floor": t.floor, "ceiling": t.ceiling,
                          "rate": Decimal(t.rate_e4) / 10000} for t in found_terms]}


# -- 2. enrolled staff --------------------------------------------------------------------

def _person_row(r: dict[str, Any]) -> dict[str, Any]:
    out = dict(r)
    out["id_number"] = masking.id_number(r["id_number"])
    if "social_security_no" in out:
        out["social_security_no"] = masking.account(out["social_security_no"] or "")
    if "scheme" in out:
        out["scheme_label"] = Scheme(out["scheme"]).label
    if "kind" in out and out["kind"] in ChangeKind.__members__.values():
        out["kind_label"] = CHANGE_LABELS[ChangeKind(out["kind"])]
    return out


def _page_dict(pg: uq.Page, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"rows": rows if rows is not None else pg.rows, "total": pg.total, "page": pg.page,
            "pages": pg.pages, "size": pg.size, "summary": pg.summary}


def staff(p: Principal, query: str = "", page: int = 1, registration: int = 0,
          state: str = "ACTIVE") -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    regs = uq.registrations(conn, unit["id"], unit["social_security_no"])
    ss_no = regs[registration] if 0 <= registration < len(regs) else regs[0]
    pg = uq.staff(conn, unit["id"], ss_no, unit["social_security_no"], query, page, PAGE,
                  "REMOVED" if state == "REMOVED" else "ACTIVE")
    return {"unit": _masked_unit(unit), "query": query, "state": state,
            "registrations": [masking.account(r) for r in regs], "registration": regs.index(ss_no),
            **_page_dict(pg, [_person_row(r) for r in pg.rows])}


def _effective(period: str | None) -> dt.date:
    return fee_period(period or current_period())[0]


def add_person(p: Principal, id_number: str, name: str, wage: Decimal, scheme: str,
               period: str | None = None) -> dict[str, Any]:
    unit = _unit(p)
    id_number, name = id_number.strip().upper(), name.strip()
    check_person(id_number, name, wage)
    kind = Scheme(scheme) if scheme in Scheme.__members__.values() else Scheme.FULL
    effective = _effective(period)

    def work(uow, note):
        pid = DeclarationStore(uow.session).add_person(
            unit["id"], id_number, name, wage, kind, "", effective, p.username, _now())
        note.after = {"person_id": pid, "scheme": kind.value, "wage": str(money(wage))}
        note.tax_org_code = unit["tax_org_code"]
        return pid

    pid = perform(p, "UNIT_ADD_PERSON", f"payer:{unit['id']}", work)
    return {"person_id": pid, "scheme": kind.value, "effective_from": effective}


def remove_person(p: Principal, person_id: int, period: str | None = None) -> dict[str, Any]:
    unit = _unit(p)
    effective = _effective(period)

    def work(uow, note):
        DeclarationStore(uow.session).remove_person(unit["id"], person_id, effective, p.username, _now())
        note.after = {"person_id": person_id, "state": "REMOVED"}
        note.tax_org_code = unit["tax_org_code"]

    perform(p, "UNIT_REMOVE_PERSON", f"person:{person_id}", work)
    return {"person_id": person_id, "state": "REMOVED", "effective_from": effective}


def adjust_wage(p: Principal, person_id: int, wage: Decimal,
                period: str | None = None) -> dict[str, Any]:
    """缴费工资调整: the wage as declared; the bases each type will use (floor and ceiling of the
    period in force applied) are returned and shown."""
    unit = _unit(p)
    check_wage(wage)
    effective = _effective(period)
    found_terms, _ = terms(reader(), unit, effective)
    bases = [{"insurance_code": t.insurance_code, "floor": t.floor, "ceiling": t.ceiling,
              "base": min(max(money(wage), t.floor), t.ceiling)} for t in found_terms]
    clamped = [b for b in bases if b["base"] != money(wage)]
    note_text = f"（按{'下限' if clamped[0]['base'] > money(wage) else '上限'} {clamped[0]['base']:,.2f} 计费）" \
        if clamped else ""

    def work(uow, note):
        before = DeclarationStore(uow.session).adjust_wage(unit["id"], person_id, wage, note_text,
                                                           effective, p.username, _now())
        note.before, note.after = {"wage": str(before)}, {"wage": str(money(wage))}
        note.tax_org_code = unit["tax_org_code"]
        return before

    before = perform(p, "UNIT_ADJUST_WAGE", f"person:{person_id}", work)
    return {"person_id": person_id, "before": before, "wage": money(wage), "bases": bases,
            "clamped": note_text}


# -- 3. declaration -----------------------------------------------------------------------

def preview(p: Principal, period: str | None = None, page: int = 1) -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    start, end = fee_period(period or current_period())
    found_terms, _ = terms(conn, unit, start)
    pg = uq.preview(conn, unit["id"], start, end, found_terms, page, PREVIEW_PAGE)
    return {"unit": _masked_unit(unit), "period": f"{start:%Y-%m}", "period_start": start,
            "period_end": end, "terms": [t.__dict__ for t in found_terms],
            **_page_dict(pg, [_person_row(r) for r in pg.rows])}


def declare(p: Principal, period: str) -> dict[str, Any]:
    unit = _unit(p)
    start, end = fee_period(period)

    def work(uow, note):
        found_terms, versions = terms(uow.session, unit, start)
        basis = BasisRepository(uow.session).basis_for(versions) if versions else None
        done = unit_declarations.declare(DeclarationStore(uow.session), unit["id"],
                                         unit["tax_org_code"], (start, end), found_terms, basis,
                                         p.username, _now())
        note.after = {"declaration_no": done.declaration_no, "persons": done.persons,
                      "amount": str(done.amount), "pending_voided": done.pending_voided}
        note.tax_org_code = unit["tax_org_code"]
        return done

    done = perform(p, "UNIT_DECLARE", f"payer:{unit['id']}", work)
    return {"declaration_id": done.declaration_id, "declaration_no": done.declaration_no,
            "kind": done.kind.value, "persons": done.persons, "amount": done.amount,
            "pending_voided": done.pending_voided}


def void(p: Principal, declaration_id: int, reason: str = "") -> dict[str, Any]:
    unit = _unit(p)
    found(uq.declaration(reader(), unit["id"], declaration_id))

    def work(uow, note):
        outcome = unit_declarations.void(DeclarationStore(uow.session), uow, unit["id"],
                                         declaration_id, reason, _now())
        for debit_id in outcome.query_debit_ids:
            send(uow, QueryDebitStatus(debit_id=debit_id))
        note.after = {"state": outcome.state, "released": outcome.released,
                      "queried": list(outcome.query_debit_ids)}
        note.tax_org_code = unit["tax_org_code"]
        return outcome

    outcome = perform(p, "UNIT_VOID_DECLARATION", f"declaration:{declaration_id}", work)
    return {"declaration_id": declaration_id, "state": outcome.state, "message": outcome.message,
            "released": outcome.released, "queried_debit_ids": list(outcome.query_debit_ids)}


# -- 5. paying ----------------------------------------------------------------------------

IN_PROGRESS = {"SENT", "ACCEPTED", "IN_DOUBT"}


def unpaid(p: Principal, page: int = 1) -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    pg = uq.levies(conn, unit["id"], ("UNPAID", "LOCKED"), page=page, size=50)
    agreements = [masking.agreement_row(a) for a in q.agreements(conn, q.ReadScope(payer_id=unit["id"]))]
    return {"unit": _masked_unit(unit), "agreements": agreements,
            "active_agreement": next((a for a in agreements if a["state"] == "ACTIVE"), None),
            **_page_dict(pg)}


def debit_outcome(p: Principal, debit_id: int) -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    row = masking.debit_row(found(q.debit(conn, q.ReadScope(payer_id=unit["id"]), debit_id)))
    row["in_progress"] = row["state"] in IN_PROGRESS
    row["outcome"] = ("扣款处理中，结果尚未确定，请稍后刷新查看（请勿重复缴款）" if row["in_progress"]
                      else "扣款成功" if row["state"] == "SUCCEEDED" else f"扣款未成功：{row['reason']}"
                      if row["state"] == "FAILED" else row["state"])
    row["levies"] = uq.levies_by_id(conn, unit["id"], uq.debit_levy_ids(conn, debit_id))
    return row




def counter_voucher(p: Principal, levy_ids: list[int]) -> tuple[str, bytes]:
    """Issue a 银行端查询缴款凭证 for the selected levies; (voucher number, PDF)."""
    from webapp.documents import voucher as doc
    unit = _unit(p)

    def work(uow, note):
        number = send(uow, IssueCounterVoucher(payer_id=unit["id"], levy_ids=tuple(levy_ids),
                                               requested_by=p.username))
        note.after = {"tax_vou_no": number, "levy_ids": sorted(levy_ids)}
        note.tax_org_code = unit["tax_org_code"]
        return number

    number = perform(p, "UNIT_COUNTER_VOUCHER", f"payer:{unit['id']}", work)
    rows = uq.levies_by_id(reader(), unit["id"], levy_ids)
    masked = _masked_unit(unit)
    pdf = doc.render(doc.CounterVoucherDoc(
        tax_vou_no=number, payer_name=unit["name"], payer_code=masked["tax_pay_code"],
        tax_office=unit["office"], tax_org_code=unit["tax_org_code"], printed_on=_now().date(),
        social_security_no=masked["social_security_no"],
        lines=[doc.VoucherLine(r["insurance"], r["period_start"], r["period_end"], r["amount"])
               for r in rows]))
    return number, pdf


# -- 6. agreements ------------------------------------------------------------------------

def agreements(p: Principal) -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    rule = web().app.options.cutoff
    now = _now()
    cutoff = rule.cutoff_of(now.year, now.month)
    return {"unit": _masked_unit(unit), "cutoff": cutoff, "after_cutoff": now > cutoff,
            "notice": LATE_AGREEMENT_NOTICE if now > cutoff else "",
            "agreements": [masking.agreement_row(a)
                           for a in q.agreements(conn, q.ReadScope(payer_id=unit["id"]))]}


def sign(p: Principal, protocol_no: str, pay_bk_code: str, pay_op_bk_code: str, pay_acct: str,
         hand_org_name: str = "", on_site: bool = False) -> dict[str, Any]:
    """网签 (or the one-time on-site entry, 一次上门): record and verify through the gateway (9114);
    after this month's batch-list date the unit is told the batch starts next month."""
    unit = _unit(p)
    cmd = RegisterAgreement(payer_id=unit["id"], protocol_no=protocol_no, pay_bk_code=pay_bk_code,
                            pay_op_bk_code=pay_op_bk_code, pay_acct=pay_acct,
                            hand_org_name=hand_org_name, channel="ON_SITE" if on_site else "ONLINE",
                            requested_by=p.username)

    def work(uow, note):
        agreement_id = send(uow, cmd)
        note.after = {"agreement_id": agreement_id, "channel": cmd.channel,
                      "pay_acct": masking.account(pay_acct)}
        note.tax_org_code = unit["tax_org_code"]
        return agreement_id

    agreement_id = perform(p, "UNIT_SIGN_AGREEMENT", f"payer:{unit['id']}", work)
    now, rule = _now(), web().app.options.cutoff
    late = now > rule.cutoff_of(now.year, now.month)
    return {"agreement_id": agreement_id, "state": "PENDING",
            "notice": LATE_AGREEMENT_NOTICE if late else ""}


def terminate(p: Principal, agreement_id: int, reason: str = "") -> dict[str, Any]:
    """An ACTIVE agreement is revoked with the bank (9114 revoke); one not in force ends now."""
    unit = _unit(p)
    row = found(q.agreement(reader(), q.ReadScope(payer_id=unit["id"]), agreement_id))

    def work(uow, note):
        if row["state"] in ("ACTIVE", "SUSPENDED"):
            send(uow, RevokeAgreement(agreement_id=agreement_id, requested_by=p.username))
            outcome = "REVOKING"
        else:
            send(uow, TerminateAgreement(agreement_id=agreement_id, reason=reason or "缴费单位终止",
                                         requested_by=p.username))
            outcome = "TERMINATED"
        note.before, note.after = {"state": row["state"]}, {"state": outcome}
        note.tax_org_code = unit["tax_org_code"]
        return outcome

    outcome = perform(p, "UNIT_END_AGREEMENT", f"agreement:{agreement_id}", work)
    return {"agreement_id": agreement_id, "state": outcome}


# -- 7. queries ---------------------------------------------------------------------------

def declarations(p: Principal, page: int = 1) -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    return {"unit": _masked_unit(unit), **_page_dict(uq.declarations(conn, unit["id"], page, PAGE))}


def declaration(p: Principal, declaration_id: int, page: int = 1) -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    row = found(uq.declaration(conn, unit["id"], declaration_id))
    pg = uq.declaration_lines(conn, unit["id"], declaration_id, page, PREVIEW_PAGE)
    rows = [_person_row(r) for r in pg.rows]
    for r in rows:
        r["rate"] = Decimal(r.pop("rate_e4")) / 10000
    return {"declaration": row, **_page_dict(pg, rows)}


def history(p: Principal, page: int = 1, state: str = "") -> dict[str, Any]:
    """申报缴款情况: levies with their state, and the unit's payments."""
    conn = reader()
    unit = _unit(p, conn)
    pg = uq.levies(conn, unit["id"], (state,) if state else (), page=page, size=PAGE)
    pays = uq.payments(conn, unit["id"], 1, 10)
    return {"unit": _masked_unit(unit), "state": state, **_page_dict(pg),
            "payments": pays.rows}


def person_details(p: Principal, person_id: int, page: int = 1) -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    person = _person_row(found(uq.person(conn, unit["id"], person_id)))
    pg = uq.person_details(conn, unit["id"], person_id, page, PAGE)
    for r in pg.rows:
        r["rate"] = Decimal(r.pop("rate_e4")) / 10000
    changes = uq.changes(conn, unit["id"], person_id, 1, 50)
    return {"person": person, **_page_dict(pg),
            "changes": [_person_row(r) for r in changes.rows]}


def changes(p: Principal, page: int = 1) -> dict[str, Any]:
    conn = reader()
    unit = _unit(p, conn)
    pg = uq.changes(conn, unit["id"], None, page, PAGE)
    return {"unit": _masked_unit(unit), **_page_dict(pg, [_person_row(r) for r in pg.rows])}


# -- 8. certificates ----------------------------------------------------------------------

def certificate(p: Principal, period_from: str, period_to: str, form: str) -> bytes:
    from webapp.documents import certificate as cert
    conn = reader()
    unit = _unit(p, conn)
    start, end = fee_period(period_from)[0], fee_period(period_to)[1]
    if start > end:
        raise PortalRefused("起始所属期不能晚于终止所属期")
    if form not in cert.FORMS:
        raise PortalRefused("证明样式应为表格式或文书式")
    rows = uq.paid_levies(conn, unit["id"], start, end)
    if not rows:
        raise PortalRefused("所选所属期没有已缴费款，无法开具完税证明")
    masked = _masked_unit(unit)
    now = _now()
    record(p, "UNIT_CERTIFICATE", f"payer:{unit['id']}", {"from": period_from, "to": period_to,
                                                           "form": form, "levies": len(rows)},
           unit["tax_org_code"])
    return cert.render(cert.Certificate(
        certificate_no=f"{unit['tax_org_code'][:6]}{now:%y%m%d}{unit['id']:06d}",
        payer_name=unit["name"], payer_code=masked["tax_pay_code"], tax_office=unit["office"],
        account="", period_from=start, period_to=end, issued_on=now.date(),
        social_security_no=masked["social_security_no"],
        lines=[cert.PaidLine(r["voucher_no"] or r["paid_by"], r["insurance"], r["period_start"],
                             r["period_end"], r["tax_date"], r["amount"]) for r in rows]), form)
