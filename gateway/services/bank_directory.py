"""Use cases of the bank-branch directory editor: save a branch (new or changed), close or reopen
it, search the directory. A branch is never deleted: agreements and debits name its code."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from gateway.domain.bank_directory import BankBranch, BranchState
from gateway.domain.reference_commands import SaveBankBranch, SetBankBranchState
from gateway.domain.reference_errors import InvalidBankBranch
from gateway.services.reference_ports import ReferenceUnitOfWork


def save_branch(cmd: SaveBankBranch, uow: ReferenceUnitOfWork, now: dt.datetime) -> bool:
    """True when the branch is new. Its clearing bank must be in the directory already (or be
    the branch itself), as a PayBkCode of ETS messages must be."""
    branch = cmd.branch
    if not cmd.saved_by.strip():
        raise InvalidBankBranch("修改人不能为空")
    if branch.clearing_code != branch.code and not uow.banks.exists(branch.clearing_code):
        raise InvalidBankBranch(f"清算行 {branch.clearing_code} 不在网点名录中")
    return uow.banks.save(branch, cmd.saved_by, now)


def set_branch_state(cmd: SetBankBranchState, uow: ReferenceUnitOfWork, now: dt.datetime) -> BankBranch:
    branch = replace(uow.banks.get(cmd.code), state=BranchState(cmd.state))
    uow.banks.save(branch, cmd.saved_by, now)
    return branch


def find_branches(uow: ReferenceUnitOfWork, *, city_code: str = "", bank_name: str = "",
                  text: str = "", state: BranchState | None = None, page: int = 1,
                  per_page: int = 50) -> tuple[int, list[BankBranch]]:
    """(total, the page) for the editor's list; pages count from 1."""
    per_page = max(1, min(per_page, 500))
    return uow.banks.search(city_code=city_code, bank_name=bank_name, text=text, state=state,
                            limit=per_page, offset=(max(page, 1) - 1) * per_page)
