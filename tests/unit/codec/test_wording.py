"""The Chinese AddWord of a refusal (ets-interface §11 row 3.1; gateway.codec.wording).

The sender reads what is wrong and where, in Chinese, within c(..60); the technical English
reason stays in MessageRejected.reason for the error store. Both report engines (xmlschema for
small messages, libxml2's log for large ones) give the same kind of text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.codec import Codec, MessageRejected, wording
from gateway.codec import contract_choices as choices

INVALID = Path(__file__).resolve().parents[2] / "fixtures" / "messages" / "invalid"
FIXTURES = sorted(p.stem for p in INVALID.glob("*.xml"))
CJK = re.compile(r"[\u4e00-\u9fff]")
C60 = re.compile(r"[^\x00-\x1f\x7f-\x9f ]+( +[^\x00-\x1f\x7f-\x9f ]+)*")


@pytest.fixture(params=["xmlschema", "libxml2"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "libxml2":
        monkeypatch.setattr(choices, "PRECISE_REPORT_MAX_BYTES", 0)
    return request.param


def rejected(name: str, codec: Codec | None = None) -> MessageRejected:
    with pytest.raises(MessageRejected) as caught:
        (codec or Codec()).decode((INVALID / f"{name}.xml").read_bytes())
    return caught.value


@pytest.mark.parametrize(("name", "add_word"), [
    ("missing_mandatory", "报文格式错误：缺少 TaxVouNo（Payment1001）"),
    ("unknown_element", "报文格式错误：含未知元素 Memo（Payment1001）"),
    ("wrong_order", "报文格式错误：TaxPayName 位置错误或多余（Payment1001）"),
    ("2108_tax_date_missing", "报文格式错误：缺少 TaxDate（SingleReturn2108）"),
    ("9005_unexpected_child", "报文格式错误：不应出现 AddWord（MsgReturn9005）"),
    ("1102_pay_op_bk_code_in_turn_account", "报文格式错误：不应出现 PayOpBkCode（TurnAccount1102）"),
    ("msgno_body_mismatch", "报文格式错误：缺少 RushApply1021（MSG）"),
    ("namespace", "报文格式错误：元素 RealHead1001 不得带命名空间（MSG）"),
    ("attribute", "报文格式错误：TraAmt 不得带属性（Payment1001）"),
    ("extra_msg", "报文格式错误：多余的 MSG"),
    ("amount_one_decimal", "报文不符合接口规范：TraAmt 格式错误（Payment1001）"),
    ("amount_sign", "报文不符合接口规范：TaxTypeAmt 格式错误（TaxTypeList1001 第 3 条）"),
    ("c_too_long", "报文不符合接口规范：Remark 超长（Payment1001）"),
    ("enum_value", "报文不符合接口规范：HandleType 取值不在允许范围内（TurnAccount1001）"),
    ("head_workdate", "报文不符合接口规范：WorkDate 格式错误（HEAD）"),
    ("1001_tra_amt_sum", "报文不符合接口规范：TraAmt 与明细合计不符（Payment1001）"),
    ("1102_all_num", "报文不符合接口规范：AllNum 与明细笔数不符（BatchHead1102）"),
    ("1102_duplicate_tra_no", "报文不符合接口规范：TraNo 重复（Payment1102 第 2 条）"),
    ("2102_item_tax_date", "报文不符合接口规范：缺少 TaxDate（BatchReturn2102 第 1 条）"),
    ("1021_entrust_date", "报文不符合接口规范：EntrustDate 与 OriEntrustDate 不一致（RushApply1021）"),
    ("2021_add_word_missing", "报文不符合接口规范：CancelAnswer 为 2 时缺少 AddWord（RushReturn2021）"),
    ("9003_search_type", "报文不符合接口规范：OriMsgNo 与 SearchType 不匹配（TraStatusCheck9003）"),
    ("2091_unknown_first", "报文格式错误：含未知元素 Notice（MSG）"),
    ("alias_gb2312", "报文格式错误：声明的编码不是 GBK、GB18030 或 UTF-8"),
    ("no_declaration", "报文格式错误：缺少 XML 声明或声明有误"),
    ("truncated", "报文格式错误：报文不是格式良好的 XML"),
])
def test_add_word_says_what_and_where_in_chinese(name: str, add_word: str, engine: str) -> None:
    assert rejected(name).add_word == add_word


@pytest.mark.parametrize("name", FIXTURES)
def test_every_refusal_has_a_chinese_add_word_and_keeps_its_english_reason(name: str, engine: str) -> None:
    error = rejected(name)
    assert error.add_words[-1] == choices.FALLBACK_ADD_WORD
    for text in error.add_words:
        assert CJK.search(text) and len(text) <= 60 and C60.fullmatch(text), text
        for english in ("Unexpected", "Element", "value", "not well-formed", "pattern", "expected", "/CFX"):
            assert english not in text
    assert not CJK.search(error.reason[:9]) and error.add_word not in error.reason  # technical, for the error store


@pytest.mark.parametrize(("name", "value"), [
    ("c1_control_char", "州市天河区"), ("an_bad_char", "3440106-24110500"), ("leading_space", "广州市天河区"),
    ("amount_one_decimal", "12345.6"), ("1001_tra_amt_sum", "12345.50"),
])
def test_add_word_never_quotes_a_value(name: str, value: str, engine: str) -> None:
    error = rejected(name)
    assert value in error.reason  # the error store keeps it
    assert all(value not in text for text in error.add_words)


def test_a_name_too_long_for_c60_is_left_out() -> None:
    error = rejected("1001_long_unknown_name")
    assert "X" * 70 in error.reason
    assert error.add_word == "报文格式错误：含未知元素（Payment1001）"


def test_92005_names_the_limit() -> None:
    from tests.unit.codec.samples import message_1102

    with pytest.raises(MessageRejected) as caught:
        Codec(max_package_items=3).decode(Codec().encode(message_1102(4)))
    assert caught.value.add_word == "批量包明细超过 3 笔（BatchHead1102）"


def test_an_unknown_reason_gets_the_fixed_text() -> None:
    assert wording.add_words("something nobody foresaw") == (choices.FALLBACK_ADD_WORD,)
    assert wording.add_words("/CFX/MSG/Payment1001/TraAmt: a rule added later")[0] == \
        "报文不符合接口规范：TraAmt 不符合接口规范（Payment1001）"


def test_only_the_first_of_several_reasons_is_worded() -> None:
    words = wording.add_words("/CFX/MSG/Payment1001/TraAmt: 1.00 is not the sum of TaxTypeAmt (2.00); "
                              "/CFX/MSG/Payment1001/TaxTypeNum: 2 but 3 TaxTypeList1001 blocks")
    assert words[0] == "报文不符合接口规范：TraAmt 与明细合计不符（Payment1001）"


def test_the_fixed_text_is_encodable_in_every_wire_encoding() -> None:
    for codec in ("gbk", "gb18030", "utf-8"):
        choices.FALLBACK_ADD_WORD.encode(codec)
    assert 0 < len(choices.FALLBACK_ADD_WORD) <= choices.ADD_WORD_MAX
