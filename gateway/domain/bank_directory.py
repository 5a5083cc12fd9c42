"""The bank-branch directory (银行网点): 行号 (the 12-digit PayOpBkCode of ETS messages), name,
the bank it belongs to, its clearing bank (PayBkCode), city and state. A branch is closed, never
deleted: agreements and past debits refer to its code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gateway.domain.reference_errors import InvalidBankBranch


class BranchState(StrEnum):
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"

    @property
    def label(self) -> str:
        return {"ACTIVE": "正常", "CLOSED": "已撤销"}[self.value]


def _bank_code(value: str, what: str) -> str:
    code = value.strip()
    if not (len(code) == 12 and code.isdigit()):
        raise InvalidBankBranch(f"{what}须为12位数字: {value!r}")
    return code


@dataclass(frozen=True)
class BankBranch:
    code: str  # 行号
    name: str  # 行名
    bank_name: str  # 所属银行, e.g. 中国工商银行
    clearing_code: str  # 清算行行号 (PayBkCode); a clearing bank names itself
    city_code: str  # 4-digit administrative prefix
    state: BranchState = BranchState.ACTIVE

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _bank_code(self.code, "行号"))
        object.__setattr__(self, "clearing_code", _bank_code(self.clearing_code, "清算行行号"))
        for attr, label, limit in (("name", "行名", 200), ("bank_name", "所属银行", 100)):
            text = getattr(self, attr).strip()
            if not text or len(text) > limit:
                raise InvalidBankBranch(f"{label}不能为空且不超过{limit}字")
            object.__setattr__(self, attr, text)
        if not (len(self.city_code) == 4 and self.city_code.isdigit()):
            raise InvalidBankBranch(f"地市代码须为4位数字: {self.city_code!r}")
        try:
            object.__setattr__(self, "state", BranchState(self.state))
        except ValueError:
            raise InvalidBankBranch(f"未知网点状态: {self.state!r}") from None
