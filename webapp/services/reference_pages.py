"""Reads of the reference-parameter pages (社保参数): the parameters of a city with the value in
force today, one parameter's history, the proposals and one proposal with its recalculation
preview — each within the caller's scope.

Scope: the security administrator sees every city; an office head the city of their office.
A parameter, proposal or bank branch of another city answers 404 (as a guessed id of another
office's debit does), never 403 and never the record. The audited changes are in
:mod:`webapp.services.reference_actions`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from gateway.domain.errors import NotFound
from gateway.domain.reference import ParameterKey, ParameterKind, ParameterVersion
from gateway.domain.reference_changes import Proposal, ProposalState
from gateway.domain.reference_errors import InvalidParameter
from gateway.persistence.records import ParameterVersionRecord, TaxOfficeRecord
from gateway.persistence.reference_unit_of_work import SqlReferenceUnitOfWork
from gateway.services import reference as service
from webapp.context import reader, web
from webapp.roles import Principal, Role

KINDS = [(k.value, k.label) for k in ParameterKind]


def uow() -> SqlReferenceUnitOfWork:
    return SqlReferenceUnitOfWork(web().app.engine)


def today() -> dt.date:
    return web().now().date()


def cities(p: Principal) -> frozenset[str] | None:
    """The cities ``p`` may see and change: None is every city (security administrator)."""
    if p.role is Role.SECADMIN:
        return None
    if p.role is Role.HEAD and p.tax_org_code:
        city = reader().execute(select(TaxOfficeRecord.city_code)
                                .where(TaxOfficeRecord.code == p.tax_org_code)).scalar()
        return frozenset({city}) if city else frozenset()
    return frozenset()


def in_scope(p: Principal, city_code: str) -> bool:
    allowed = cities(p)
    return allowed is None or city_code in allowed


def check_city(p: Principal, city_code: str) -> None:
    if not in_scope(p, city_code):
        raise NotFound()


def check_proposal(p: Principal, proposal: Proposal) -> Proposal:
    """A proposal is the caller's when every line is for a city in their scope."""
    for change in proposal.changes:
        check_city(p, change.key.city_code)
    return proposal


def city_choices(p: Principal) -> list[str]:
    stored = reader().execute(select(ParameterVersionRecord.city_code).distinct()
                              .order_by(ParameterVersionRecord.city_code)).scalars()
    return [c for c in stored if in_scope(p, c)]


def status(v: ParameterVersion, day: dt.date) -> str:
    if v.valid_from > day:
        return "未生效"
    return "当前生效" if v.covers(day) else "历史"


def key_args(key: ParameterKey) -> dict[str, str]:
    """The history page's query string for ``key``."""
    return {"kind": key.kind.value, "city": key.city_code, "payer_kind": key.payer_kind,
            "insurance": key.insurance_code, "item": key.item, "district": key.district_code}


def key_from(args: Any) -> ParameterKey:
    """The key named by a query string; a malformed one is not a page (404)."""
    try:
        return ParameterKey(ParameterKind(args.get("kind", "")), args.get("city", ""),
                            args.get("payer_kind", ""), args.get("insurance", ""),
                            args.get("item", ""), args.get("district", ""))
    except (ValueError, InvalidParameter):
        raise NotFound() from None


def parameters(p: Principal, city_code: str, kind: str) -> list[dict[str, Any]]:
    """One row per parameter key of the city (and kind): the value in force today, the next
    scheduled one, the number of versions."""
    check_city(p, city_code)
    day = today()
    with uow() as u:
        versions = u.parameters.versions(city_code=city_code,
                                         kind=ParameterKind(kind) if kind else None)
    rows: dict[ParameterKey, dict[str, Any]] = {}
    for v in versions:
        row = rows.setdefault(v.key, {"key": v.key, "args": key_args(v.key), "current": None,
                                      "next": None, "count": 0})
        row["count"] += 1
        if v.covers(day):
            row["current"] = v
        elif v.valid_from > day and row["next"] is None:
            row["next"] = v
    return list(rows.values())


def history(p: Principal, key: ParameterKey, on: dt.date | None = None) -> dict[str, Any]:
    check_city(p, key.city_code)
    day = today()
    with uow() as u:
        timeline = u.parameters.timeline(key)
        pending = [r for r in u.proposals.list(ProposalState.PENDING)
                   if any(c.key == key for c in u.proposals.get(r["id"]).changes)]
    return {"key": key, "args": key_args(key), "today": day, "pending": pending,
            "versions": [{"v": v, "status": status(v, day)} for v in reversed(timeline.versions)],
            "gaps": timeline.gaps(), "on": on, "on_value": timeline.in_force(on) if on else None}


def version(p: Principal, version_id: int) -> ParameterVersion:
    with uow() as u:
        v = u.parameters.get(version_id)
    check_city(p, v.key.city_code)
    return v


def proposals(p: Principal, state: str) -> list[dict[str, Any]]:
    with uow() as u:
        rows = u.proposals.list(ProposalState(state) if state else None)
        return [r for r in rows if all(in_scope(p, c.key.city_code)
                                       for c in u.proposals.get(r["id"]).changes)]


def proposal(p: Principal, proposal_id: int) -> dict[str, Any]:
    """The proposal, its lines and, while it is pending, what it would do to unpaid levies
    (computed inside a transaction that is rolled back: nothing changes)."""
    with uow() as u:
        found = check_proposal(p, u.proposals.get(proposal_id))
        preview, preview_error = [], ""
        if found.state is ProposalState.PENDING:
            try:
                preview = service.preview(u, found.changes, today())
            except service.ProposalRefused as exc:
                preview_error = "；".join(exc.errors)
    return {"proposal": found, "preview": preview, "preview_error": preview_error}
