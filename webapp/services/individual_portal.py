"""The individual portal's use cases for pages and API alike (灵活就业人员, 城乡居民, and the
residents' virtual units). Reads go through gateway.persistence.individual_queries with the
logged-in payer's own id; every action goes through the bus in one audited transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.domain import individual_commands as ic
from gateway.domain.calendar import LATE_AGREEMENT_NOTICE
from gateway.domain.commands import RegisterAgreement
from gateway.domain.errors import NotFound
from gateway.domain.individual import (FLEXIBLE_TYPES, IndividualRefused, check_person,
                                       grade_years)
from gateway.domain.parties import INSURANCE_BY_CODE
from gateway.domain.reference import ParameterKind
from gateway.domain.reference_errors import NoValueInForce
from gateway.persistence import individual_queries as iq
from gateway.persistence import web_queries as q
from gateway.persistence.reference_repositories import ParameterRepository
from webapp import masking
from webapp.context import reader, web
from webapp.roles import Principal
from webapp.services.actions import found, perform, send


def payer_id(p: Principal) -> int:
    return found(p.payer_id)


def today() -> dt.date:
    return web().now().date()


def _payer(p: Principal) -> dict[str, Any]:
    conn = reader()
    return found(q.payer_in_scope(conn, p.scope(conn), payer_id(p)))


def bounds(p: Principal) -> dict[str, Any]:
    """The city's floor and ceiling in force today for a flexible person's base, and the base
    choices (灵活就业缴费基数档次) the city publishes."""
    from sqlalchemy.orm import Session

    payer = _payer(p)
    city, district = iq.office_place(reader(), payer["tax_org_code"])
    with Session(bind=reader()) as s:
        table = ParameterRepository(s).table([city])
    day, out = today(), {"floor": None, "ceiling": None, "choices": []}
    for key, kind in (("floor", ParameterKind.BASE_FLOOR), ("ceiling", ParameterKind.BASE_CEILING)):
        try:
            out[key] = table.lookup(kind, city, day, payer_kind="FLEXIBLE", insurance_code="PENSION",
                                    district_code=district).value
        except NoValueInForce:  # shown as 未公布; the server refuses adjusting then
            out[key] = None
    for n in range(1, 10):
        try:
            out["choices"].append((str(n), table.lookup(ParameterKind.FLEXIBLE_BASE, city, day,
                                                         payer_kind="FLEXIBLE", item=str(n),
                                                         district_code=district).value))
        except NoValueInForce:
            break
    return out


def resident_grades(p: Principal, year: int) -> list[tuple[str, Decimal]]:
    """The residents' pension grades in force for ``year`` in the payer's city."""
    from sqlalchemy.orm import Session

    payer = _payer(p)
    city, district = iq.office_place(reader(), payer["tax_org_code"])
    with Session(bind=reader()) as s:
        table = ParameterRepository(s).table([city])
    out = []
    for n in range(1, 30):
        try:
            out.append((str(n), table.lookup(ParameterKind.RESIDENT_GRADE, city, dt.date(year, 1, 1),
                                             payer_kind="RESIDENT", insurance_code="RESIDENT_PENSION",
                                             item=str(n), district_code=district).value))
        except NoValueInForce:
            break
    return out


def info(p: Principal) -> dict[str, Any]:
    """个人基本信息 and the current assessment (核定信息)."""
    payer = _payer(p)
    conn = reader()
    prof = iq.profile(conn, payer["id"]) or {}
    codes = [c for c in (prof.get("insurance_codes") or ",".join(FLEXIBLE_TYPES)).split(",") if c]
    if payer["kind"] == "RESIDENT":
        codes = sorted({lv["insurance_code"] for lv in iq.levies(conn, payer["id"])})
    current = iq.levies(conn, payer["id"], limit=20)
    latest = current[0]["period_start"] if current else None
    return {
        "payer": masking.payer_row(payer),
        "phone": masking.phone(prof.get("phone") or ""), "address": prof.get("address") or "",
        "base": prof.get("base"), "base_from": prof.get("base_from"),
        "state": prof.get("state") or "ACTIVE", "stopped_at": prof.get("stopped_at"),
        "insurance_codes": codes,
        "insurance_names": [INSURANCE_BY_CODE[c].name for c in codes if c in INSURANCE_BY_CODE],
        "current_levies": [lv for lv in current if lv["period_start"] == latest],
    }


def arrears(p: Principal, period: dt.date | None = None) -> dict[str, Any]:
    pid = payer_id(p)
    conn = reader()
    unpaid = iq.levies(conn, pid, ("UNPAID",))
    return {"unpaid_levies": unpaid,
            "unpaid_total": sum((lv["amount"] for lv in unpaid), Decimal("0.00")),
            "orders": iq.collection_orders(conn, pid),
            "periods": iq.periods(conn, pid), "chosen_period": period,
            "details": iq.levies(conn, pid, period_start=period) if period else []}


def _payments(p: Principal, debit_id: int | None = None) -> list[dict[str, Any]]:
    rows = iq.payments(reader(), payer_id(p), debit_id=debit_id)
    for row in rows:
        row["beneficiary_code"] = masking.payer_code("RESIDENT", row["beneficiary_code"] or "")
    return rows


def history(p: Principal) -> dict[str, Any]:
    return {"payments": _payments(p)}


def debit_detail(p: Principal, debit_id: int) -> dict[str, Any]:
    """One payment of the history (the payer's own, or made for the payer); 404 otherwise."""
    row = found(next(iter(_payments(p, debit_id)), None))
    return {"payment": row, "levies": iq.debit_levies(reader(), debit_id)}


def grade_page(p: Principal) -> dict[str, Any]:
    this, following = grade_years(today())
    return {"years": (this, following), "default_year": this,
            "grades": {y: resident_grades(p, y) for y in (this, following)},
            "chosen": iq.grades(reader(), payer_id(p))}


def agreements(p: Principal) -> dict[str, Any]:
    conn = reader()
    now = web().now()
    return {"agreements": [masking.agreement_row(a) for a in q.agreements(conn, p.scope(conn))],
            "after_cutoff": web().app.options.cutoff.after_cutoff(now),
            "cutoff_notice": LATE_AGREEMENT_NOTICE,
            "payer": masking.payer_row(_payer(p))}


def lookup_other(p: Principal, id_number: str, name: str) -> dict[str, Any]:
    """The unpaid levies of the person named, when ID number and name match (else refused, with
    the same words as the gateway's check when paying)."""
    other = iq.resident(reader(), id_number.strip().upper())
    check_person(id_number, name, other["name"] if other else None)
    assert other is not None  # check_person refused a missing one
    levies = iq.levies(reader(), other["id"], ("UNPAID",))
    return {"name": other["name"], "id_number": masking.payer_code("RESIDENT", other["tax_pay_code"]),
            "unpaid_levies": levies,
            "unpaid_total": sum((lv["amount"] for lv in levies), Decimal("0.00"))}


# Actions: each one audited, with the payer as target.


def _act(p: Principal, action: str, command: Any, before: Any = None,
         after: Any = None) -> Any:
    def work(uow, note):
        note.before = before
        result = send(uow, command)
        note.after = after(result) if callable(after) else after
        return result
    return perform(p, action, f"payer:{payer_id(p)}", work)


def change_contact(p: Principal, phone: str, address: str) -> None:
    _act(p, "INDIVIDUAL_CONTACT", ic.ChangeContact(payer_id(p), phone, address, p.username),
         after={"phone": masking.phone(phone.strip())})


def adjust_base(p: Principal, base: Decimal) -> dict[str, Any]:
    return _act(p, "INDIVIDUAL_BASE", ic.AdjustBase(payer_id(p), base, p.username),
                after=lambda r: {"base": str(r["base"]), "from": str(r["from"])})


def change_types(p: Principal, codes: list[str]) -> None:
    _act(p, "INDIVIDUAL_TYPES", ic.ChangeInsuranceTypes(payer_id(p), tuple(codes), p.username),
         after={"insurance_codes": sorted(codes)})


def stop(p: Principal) -> dict[str, Any]:
    outcome = _act(p, "INDIVIDUAL_STOP", ic.StopInsurance(payer_id(p), p.username),
                   after=lambda o: {"done": o.done, "voided": list(o.voided),
                                    "queried": list(o.queried), "refusals": list(o.refusals)})
    return {"done": outcome.done, "voided": list(outcome.voided), "released": list(outcome.released),
            "agreements_terminated": list(outcome.agreements_terminated),
            "agreements_revoking": list(outcome.agreements_revoking),
            "queried_debits": list(outcome.queried), "refusals": list(outcome.refusals)}


def change_grade(p: Principal, year: int, grade: str) -> dict[str, Any]:
    return _act(p, "RESIDENT_GRADE", ic.ChangeGrade(payer_id(p), year, grade, p.username),
                after=lambda r: {"year": r["year"], "grade": r["grade"], "amount": str(r["amount"])})


def _debit_result(debit) -> dict[str, Any]:
    return {"debit_id": debit.id, "amount": debit.amount, "state": debit.state.value, "key": debit.key}


def pay_for_other(p: Principal, id_number: str, name: str) -> dict[str, Any]:
    """Pays every unpaid levy of the person named (up to 99, one office), after the same match."""
    levies = lookup_other(p, id_number, name)["unpaid_levies"]
    if not levies:
        raise IndividualRefused("该人员没有未缴的应征")
    ids = tuple(lv["id"] for lv in levies[:99])
    debit = _act(p, "PAY_FOR_OTHER", ic.PayForOther(payer_id(p), id_number, name, ids, p.username),
                 before={"levy_ids": list(ids)},
                 after=lambda d: {"debit_id": d.id, "amount": str(d.amount)})
    return {**_debit_result(debit), "name": name.strip()}


def pay_order(p: Principal, declaration_no: str) -> dict[str, Any]:
    """托收单: all unpaid levies of the payer with that declaration number, in one debit."""
    from webapp.services import portal

    ids = iq.order_levy_ids(reader(), payer_id(p), declaration_no)
    if not ids:
        raise NotFound("没有该托收单或已缴清")
    return portal.pay(p, ids[:99])


def sign_agreement(p: Principal, channel: str, pay_bk_code: str, pay_op_bk_code: str, pay_acct: str,
                   protocol_no: str) -> dict[str, Any]:
    """网签 (ONLINE, a protocol number is made here) or 一次上门 (ON_SITE, the number the bank gave);
    both are verified with the bank through the gateway (9114)."""
    pid = payer_id(p)
    number = protocol_no.strip() or f"WQ{pid}{web().now():%Y%m%d%H%M%S}"
    agreement_id = _act(p, "AGREEMENT_SIGN", RegisterAgreement(
        pid, number, pay_bk_code.strip(), pay_op_bk_code.strip(), pay_acct.strip(), "", channel,
        p.username), after={"channel": channel, "pay_acct": masking.account(pay_acct.strip())})
    late = web().app.options.cutoff.after_cutoff(web().now())
    return {"agreement_id": agreement_id, "protocol_no": number,
            "notice": LATE_AGREEMENT_NOTICE if late else ""}


def declarations(p: Principal) -> dict[str, Any]:
    pid = payer_id(p)
    if not iq.is_virtual_unit(reader(), pid):
        raise NotFound()
    rows = iq.declarations(reader(), pid)
    for row in rows:
        row["tax_pay_code"] = masking.payer_code("RESIDENT", row["tax_pay_code"])
    unpaid = [r for r in rows if r["state"] == "UNPAID"]
    return {"declarations": rows, "unpaid": unpaid,
            "unpaid_total": sum((r["amount"] for r in unpaid), Decimal("0.00"))}


def import_residents(p: Principal, data: bytes, filename: str) -> dict[str, Any]:
    """Parse, then declare the rows that parsed; errors of both steps by line."""
    from gateway.excel.resident_file import read_residents

    declarations(p)  # 404 for a unit that is not a virtual unit
    parsed = read_residents(data, filename)
    result = _act(p, "RESIDENTS_IMPORT", ic.DeclareResidents(payer_id(p), tuple(parsed.rows),
                                                             p.username),
                  before={"file": filename, "rows": len(parsed.rows) + len(parsed.errors)},
                  after=lambda r: {"levies": len(r["levy_ids"]), "errors": len(r["errors"])})
    errors = {**parsed.errors, **result["errors"]}
    return {"declared": len(result["levy_ids"]), "amount": result["amount"],
            "errors": [{"line": n, "messages": errors[n]} for n in sorted(errors)]}


def pay_declared(p: Principal, levy_ids: list[int]) -> dict[str, Any]:
    debit = _act(p, "RESIDENTS_PAY", ic.PayDeclared(payer_id(p), tuple(levy_ids), p.username),
                 before={"levy_ids": sorted(levy_ids)},
                 after=lambda d: {"debit_id": d.id, "amount": str(d.amount)})
    return _debit_result(debit)


def certificate(p: Principal, year: int, form: str) -> tuple[bytes, str]:
    """税收完税证明 of the person's own levies paid in ``year`` (whoever paid them), as PDF;
    refused when nothing was paid that year. The issue is audited."""
    from webapp.documents import certificate as doc

    payer = masking.payer_row(_payer(p))
    lines = iq.paid_levies(reader(), payer["id"], year)
    if not lines:
        raise IndividualRefused(f"{year} 年没有已缴费记录，不能开具完税证明")
    if form not in doc.FORMS:
        raise IndividualRefused("完税证明格式应为表格式或文书式")
    number = f"{payer['id']:08d}{year}{len(lines):04d}"
    cert = doc.Certificate(
        certificate_no=number, payer_name=payer["name"], payer_code=payer["tax_pay_code"],
        tax_office=payer["office"], account="", period_from=min(ln["period_start"] for ln in lines),
        period_to=max(ln["period_end"] for ln in lines), issued_on=today(),
        lines=[doc.PaidLine(ln["declaration_no"] or str(ln["id"]), ln["insurance"], ln["period_start"],
                            ln["period_end"], ln["tax_date"], ln["amount"]) for ln in lines])
    from webapp.services.actions import record
    record(p, "CERTIFICATE_ISSUE", f"payer:{payer['id']}", {"year": year, "form": form,
                                                            "levies": len(lines)})
    return doc.render(cert, form), f"完税证明-{year}.pdf"
