"""The bank-branch directory editor (银行网点名录): search the list, add or change a branch,
close or reopen it — within the caller's cities (see :mod:`webapp.services.reference_pages`),
each change audited with before/after in the same transaction."""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

from gateway.domain.bank_directory import BankBranch, BranchState
from gateway.domain.errors import NotFound
from gateway.domain.reference_commands import SaveBankBranch, SetBankBranchState
from gateway.domain.reference_errors import InvalidBankBranch
from gateway.services import bank_directory
from webapp.roles import Principal
from webapp.services import actions
from webapp.services.reference_actions import bus
from webapp.services.reference_pages import cities, in_scope, uow

PER_PAGE = 50
COLUMNS = (("code", "行号"), ("name", "行名"), ("bank_name", "所属银行"),
           ("clearing_code", "清算行行号"), ("city_code", "地市代码"), ("state_label", "状态"))


def row(b: BankBranch) -> dict[str, Any]:
    return {**dataclasses.asdict(b), "state": b.state.value, "state_label": b.state.label}


def _city_filter(p: Principal, city_code: str) -> str:
    """The city to list: the asked one when in scope; an office head's own city otherwise."""
    allowed = cities(p)
    if allowed is None or city_code in allowed:
        return city_code
    return next(iter(allowed), "0000")  # no city at all: an empty list


def search(p: Principal, city_code: str, text: str, state: str, page: int) -> dict[str, Any]:
    city = _city_filter(p, city_code)
    with uow() as u:
        total, rows = bank_directory.find_branches(
            u, city_code=city, text=text, state=BranchState(state) if state else None,
            page=page, per_page=PER_PAGE)
    return {"rows": [row(b) for b in rows], "total": total, "page": max(page, 1),
            "pages": max((total + PER_PAGE - 1) // PER_PAGE, 1), "city": city}


def branch(p: Principal, code: str) -> dict[str, Any]:
    with uow() as u:
        b = u.banks.get(code)
    if not in_scope(p, b.city_code):
        raise NotFound()
    return row(b)


def save(p: Principal, fields: dict[str, str], new: bool) -> bool:
    """Add (``new``) or change a branch; True when it was new."""
    b = BankBranch(fields["code"], fields["name"], fields["bank_name"], fields["clearing_code"],
                   fields["city_code"], BranchState(fields.get("state") or "ACTIVE"))
    if not in_scope(p, b.city_code):
        raise InvalidBankBranch(f"地市 {b.city_code} 不在您的管理范围内")

    def work(u, note):
        exists = u.banks.exists(b.code)
        if exists:
            old = u.banks.get(b.code)
            if not in_scope(p, old.city_code):
                raise NotFound()
            if new:
                raise InvalidBankBranch(f"行号 {b.code} 已在名录中，请在列表中修改")
            note.before = row(old)
        elif not new:
            raise NotFound()
        created = bus().handle(SaveBankBranch(b, p.username), u)
        note.after, note.tax_org_code = row(b), p.tax_org_code or ""
        return created
    return actions.perform(p, "BANK_BRANCH_SAVE", f"bank:{b.code}", work, uow)


def set_state(p: Principal, code: str, state: str) -> None:
    def work(u, note):
        old = u.banks.get(code)
        if not in_scope(p, old.city_code):
            raise NotFound()
        note.before = {"state": old.state.value}
        changed = bus().handle(SetBankBranchState(code, BranchState(state), p.username), u)
        note.after, note.tax_org_code = {"state": changed.state.value}, p.tax_org_code or ""
    actions.perform(p, "BANK_BRANCH_STATE", f"bank:{code}", work, uow)


def export(p: Principal, city_code: str, text: str, state: str) -> Iterator[dict[str, Any]]:
    """The whole filtered list for the export helper (audited)."""
    city = _city_filter(p, city_code)
    actions.record(p, "EXPORT_BANK_BRANCHES", "bank_branch", {"city": city, "text": text,
                                                             "state": state},
                   tax_org_code=p.tax_org_code or "")
    with uow() as u:
        _total, rows = u.banks.search(city_code=city, text=text,
                                      state=BranchState(state) if state else None,
                                      limit=100_000, offset=0)
    return iter([row(b) for b in rows])
