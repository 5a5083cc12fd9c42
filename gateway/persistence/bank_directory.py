"""The bank-branch directory's repository: look up, search (for the editor's list) and save
branches; who changed a branch last and when is kept on the row."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gateway.domain.bank_directory import BankBranch, BranchState
from gateway.domain.errors import NotFound
from gateway.persistence.records import BankRecord


def branch_from(r: BankRecord) -> BankBranch:
    return BankBranch(r.code, r.name, r.bank_name or r.name, r.clearing_code, r.city_code or "0000",
                      BranchState(r.state))


class BankDirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, code: str) -> BankBranch:
        r = self.s.get(BankRecord, code)
        if r is None:
            raise NotFound(f"银行网点 {code} 不存在")
        return branch_from(r)

    def exists(self, code: str) -> bool:
        return self.s.get(BankRecord, code) is not None

    def save(self, branch: BankBranch, by: str, at: dt.datetime) -> bool:
        """Insert or update; True when the branch is new."""
        r = self.s.get(BankRecord, branch.code)
        new = r is None
        if r is None:
            r = BankRecord(code=branch.code)
            self.s.add(r)
        r.name, r.bank_name, r.clearing_code = branch.name, branch.bank_name, branch.clearing_code
        r.city_code, r.state, r.updated_by, r.updated_at = (branch.city_code, branch.state.value,
                                                             by, at)
        self.s.flush()
        return new

    def search(self, *, city_code: str = "", bank_name: str = "", text: str = "",
               state: BranchState | None = None, limit: int = 50, offset: int = 0
               ) -> tuple[int, list[BankBranch]]:
        """(total matching, one page ordered by code). ``text`` matches code or name."""
        b = BankRecord
        conditions = []
        if city_code:
            conditions.append(b.city_code == city_code)
        if bank_name:
            conditions.append(b.bank_name == bank_name)
        if text:
            pattern = f"%{text.strip()}%"
            conditions.append(or_(b.code.like(pattern), b.name.like(pattern)))
        if state:
            conditions.append(b.state == state.value)
        total = self.s.scalar(select(func.count()).select_from(b).where(*conditions)) or 0
        rows = self.s.scalars(select(b).where(*conditions).order_by(b.code).limit(limit).offset(offset))
        return total, [branch_from(r) for r in rows]

    def bank_names(self) -> list[str]:
        """The banks present, for the editor's filter."""
        return list(self.s.scalars(select(BankRecord.bank_name).where(BankRecord.bank_name != "")
                                   .distinct().order_by(BankRecord.bank_name)))
