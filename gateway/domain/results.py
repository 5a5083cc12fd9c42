"""Result codes of ets-interface §5: their class (success, final failure, unknown) and text."""

from __future__ import annotations

from enum import StrEnum


class ResultClass(StrEnum):
    SUCCESS = "S"
    FAILURE = "F"
    UNKNOWN = "U"


SUCCESS = "90000"
DUPLICATE_SUCCEEDED = "94051"

_TEXT = {
    "90000": "成功",
    "94051": "重复交易，原交易已成功",
    "24001": "账户不存在",
    "24004": "账户已冻结",
    "24007": "账户余额不足",
    "24009": "无此账户的三方协议",
    "24011": "三方协议验证失败，信息与银行不符",
    "24020": "业务已撤销",
    "24021": "应征已被其他缴款锁定",
    "24022": "缴款金额与凭证金额不符",
    "24023": "应征不存在或已缴款",
    "91005": "签名错误",
    "92004": "报文无法解析或不合法",
    "92005": "包内笔数超过上限",
    "92006": "付款行行号未知",
    "99090": "银行处理失败",
}
_FAILURES = frozenset(_TEXT) - {"90000", "94051"}
# Codes after which the levies stay out of automatic runs until an operator acts (§5 "never").
NO_AUTOMATIC_RETRY = frozenset({"94051", "24001", "24009", "24011", "24020", "24022", "24023",
                                "91005", "92004", "92005", "92006"})


def classify(code: str) -> ResultClass:
    """S for 90000/94051, F for every listed failure code, U for anything else."""
    if code in (SUCCESS, DUPLICATE_SUCCEEDED):
        return ResultClass.SUCCESS
    if code in _FAILURES:
        return ResultClass.FAILURE
    return ResultClass.UNKNOWN


def describe(code: str, add_word: str = "") -> str:
    """The reason shown to a payer, in Chinese: the bank's words if given, else the code's text."""
    if code.startswith("OPSTAT"):
        return f"ETS状态查询结果（OpStat {code[6:]}）：{add_word}" if add_word else f"OpStat {code[6:]}"
    base = _TEXT.get(code, f"未知结果（{code}）")
    return f"{base}：{add_word}" if add_word and add_word != base else base
