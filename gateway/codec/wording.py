"""The Chinese AddWord of a refused message (ets-interface §11, row 3.1).

A :class:`~gateway.codec.errors.MessageRejected` carries a technical English ``reason`` (from
libxml2, xmlschema or the codec's own checks) for the error store. The sender gets a short
Chinese text instead that says what is wrong and where, e.g. ``报文格式错误：缺少 TaxVouNo
（Payment1001）``. This module is the one place where technical reasons become Chinese: the
tables below are read top to bottom and the first pattern that matches decides.

Texts name elements, never values (a value may be an account number, or hostile). Every text is
offered in decreasing precision, each fitting c(..60) (§4.2): the caller picks the first its
wire encoding can carry, since an element name chosen by the sender may not be (an emoji, a
rare character under GBK).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from lxml import etree

from gateway.codec import contract_choices as choices

FORMAT = "报文格式错误："
RULE = "报文不符合接口规范："
LIMIT = ""

_Texts = tuple[str, str]  # (naming elements, naming nothing the sender chose)

#: Reasons that are not about one element: (pattern, prefix, text).
_DOCUMENT: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p), prefix, text) for p, prefix, text in (
        (r"message of \d+ bytes exceeds the limit", FORMAT, "报文超过 4 MiB 大小上限"),
        (r"byte-order mark", FORMAT, "XML 声明前不得有字节顺序标记"),
        (r"XML declaration names no encoding", FORMAT, "XML 声明未指明编码"),
        (r"XML declaration missing", FORMAT, "缺少 XML 声明或声明有误"),
        (r"declared encoding", FORMAT, "声明的编码不是 GBK、GB18030 或 UTF-8"),
        (r"CodedCharSetId", FORMAT, "CodedCharSetId 与 XML 声明的编码不一致"),
        (r"bytes at offset \d+ are not valid", FORMAT, "报文字节不符合声明的编码"),
        (r"DOCTYPE", FORMAT, "报文不得含 DOCTYPE"),
        (r"beyond a parser limit", FORMAT, "报文超出解析限制（嵌套过深或名称、文本过长）"),
        (r"not well-formed XML", FORMAT, "报文不是格式良好的 XML"),
        (r"root element is", FORMAT, "根元素不是 CFX"),
    )
)

class _Block:
    """What is known of the block a structure error is in: its children as sent (None when
    the tree is not at hand) and, from the layout, which children it may and must have."""

    def __init__(self, present: frozenset[str] | None, allowed: dict[str, bool] | None) -> None:
        self.present, self.allowed = present, allowed

    def mandatory(self, name: str) -> bool:
        return self.allowed is not None and self.allowed.get(name, False)


def _unexpected(name: str, m: re.Match[str], block: _Block) -> _Texts:
    got = m.group("got")
    wants = [w.strip() for w in (m.group("want") or "").split(",") if w.strip()]
    if got.startswith("{"):
        return f"元素 {got.rpartition('}')[2]} 不得带命名空间", "元素不得带命名空间"
    if got not in _known_names():
        return f"含未知元素 {got}", "含未知元素"
    missing = [w for w in wants if block.mandatory(w) and block.present is not None and w not in block.present]
    if missing:
        return f"缺少 {missing[0]}", "缺少必填元素"
    if block.allowed is not None and got not in block.allowed:
        return f"不应出现 {got}", "含多余元素"
    if block.present is not None and block.allowed is not None:
        return f"{got} 位置错误或多余", "元素位置错误或多余"
    return (f"缺少 {wants[0]} 或 {got} 位置错误" if wants else f"{got} 位置错误或多余"), "元素缺少或位置错误"


def _incomplete(name: str, m: re.Match[str], block: _Block) -> _Texts:
    want = (m.group("want") or "").split(",")[0].strip()
    return (f"缺少 {want}" if want else f"{name} 缺少必填元素"), "缺少必填元素"


def _fixed(text: str, generic: str) -> Callable[..., _Texts]:
    return lambda name, m, block: (text.format(name=name, **m.groupdict()), generic)


# Reasons about the element at a path (``/CFX/...: message``): (pattern, scope, prefix, rule),
# where rule gets the element name, the match and the _Block and returns its two texts.
# The scope says where the path points: at the element at fault (the usual case), at the block
# whose content is at fault (xmlschema's structure errors), or at an unexpected child named in
# the message (libxml2's), which is then reported inside its block.
AT, IN, CHILD = "at", "in", "child"

_ELEMENT: tuple[tuple[re.Pattern[str], str, str, Callable[..., _Texts]], ...] = tuple(
    (re.compile(p), scope, prefix, rule) for p, scope, prefix, rule in (
        # XSD structure, xmlschema then libxml2.
        (r"Unexpected child with tag '(?P<got>[^']+)' at position \d+\.(?: Tag '(?P<want>[^']+)' expected)?",
         IN, FORMAT, _unexpected),
        (r"Element '(?P<got>[^']+)': This element is not expected\."
         r"(?: Expected is (?:one of )?\( (?P<want>[^)]*?) \))?",
         CHILD, FORMAT, _unexpected),
        (r"The content of element '[^']+' is not complete\.(?: Tag '(?P<want>[^']+)' expected)?", IN, FORMAT,
         _incomplete),
        (r"Element '[^']+': Missing child element\(s\)\.(?: Expected is (?:one of )?\( (?P<want>[^)]*?) \))?",
         IN, FORMAT, _incomplete),
        (r"'[^']+' attribute not allowed|Element '[^']+', attribute", AT, FORMAT,
         _fixed("{name} 不得带属性", "元素不得带属性")),
        (r"character data between child elements|Element '[^']+': Character content", AT, FORMAT,
         _fixed("{name} 内不得有文本", "块元素内不得有文本")),
        # XSD values (facets), both engines.
        (r"value length cannot be greater|Element '[^']+': \[facet 'maxLength'\]", AT, RULE,
         _fixed("{name} 超长", "元素超长")),
        (r"value must be one of|Element '[^']+': \[facet 'enumeration'\]", AT, RULE,
         _fixed("{name} 取值不在允许范围内", "元素取值不在允许范围内")),
        (r"value |Element '[^']+': \[facet|Element '[^']+': '", AT, RULE, _fixed("{name} 格式错误", "元素格式错误")),
        # HEAD and the codec's own checks.
        (r"missing$", AT, FORMAT, _fixed("缺少 {name}", "缺少必填元素")),
        (r"unknown MsgNo", AT, FORMAT, _fixed("未知的报文编号 {name}", "未知的报文编号")),
        (r"\d+ items exceed the limit of (?P<limit>\d+)", AT, LIMIT,
         _fixed("批量包明细超过 {limit} 笔", "批量包明细笔数超限")),
        # Cross-field rules (gateway.codec.rules); their values were already checked by the XSD.
        (r"\S+ is not the sum of", AT, RULE, _fixed("{name} 与明细合计不符", "金额与明细合计不符")),
        (r"\S+ but \d+ ", AT, RULE, _fixed("{name} 与明细笔数不符", "笔数与明细不符")),
        (r"\S+ must equal (?P<other>\w+)", AT, RULE, _fixed("{name} 与 {other} 不一致", "字段取值不一致")),
        (r"\S+ appears more than once", AT, RULE, _fixed("{name} 重复", "序号重复")),
        (r"mandatory when (?P<cond>\w+) = (?P<value>\w+)", AT, RULE,
         _fixed("{cond} 为 {value} 时缺少 {name}", "缺少条件必填元素")),
        (r"missing, but", AT, RULE, _fixed("缺少 {name}", "缺少条件必填元素")),
        (r"present, but", AT, RULE, _fixed("不应出现 {name}", "含多余元素")),
        (r"\S+ refuses the package, yet", AT, RULE, _fixed("{name} 与明细结果矛盾", "整包结果与明细矛盾")),
        (r"\S+ is before (?P<other>\w+)", AT, RULE, _fixed("{name} 早于 {other}", "日期先后错误")),
        (r"\S+ does not go with (?P<other>\w+)", AT, RULE, _fixed("{name} 与 {other} 不匹配", "字段取值不匹配")),
        (r"a (?:package|single-debit) query has", AT, RULE, _fixed("{name} 与查询类型不符", "与查询类型不符")),
        (r"\S+ exceeds|the sub-package .* exceeds", AT, RULE, _fixed("{name} 超出范围", "取值超出范围")),
        (r"\S+, expected", AT, RULE, _fixed("{name} 取值错误", "取值错误")),
        (r"", AT, RULE, _fixed("{name} 不符合接口规范", "元素不符合接口规范")),
    )
)

_PATH = re.compile(r"(/CFX(?:/[^/\s]+)*?): (.*)", re.DOTALL)
_STEP = re.compile(r"(.+?)(?:\[(\d+)\])?")


def add_words(reason: str, root: etree._Element | None = None) -> tuple[str, ...]:
    """Chinese AddWord candidates for ``reason``, most precise first, each a valid c(..60);
    the last is :data:`~gateway.codec.contract_choices.FALLBACK_ADD_WORD`. ``root`` (the
    parsed document, when there is one) tells a missing element from a misplaced one."""
    first = reason.split("; /CFX/")[0]
    texts: list[str] = []
    match = _PATH.match(first)
    if match is None:
        for pattern, prefix, text in _DOCUMENT:
            if pattern.search(first):
                texts.append(prefix + text)
                break
    else:
        texts.extend(_about_element(match.group(1), match.group(2), root))
    return _fitted([*texts, choices.FALLBACK_ADD_WORD])


def _about_element(path: str, message: str, root: etree._Element | None) -> Iterable[str]:
    steps = [_step(s) for s in path.split("/")[2:]]  # below CFX
    if steps and steps[0][0] in ("HEAD", "MSG") and steps[0][1] > 1:
        yield FORMAT + f"多余的 {steps[0][0]}"
        yield FORMAT + "CFX 只能含 HEAD 和 MSG"
        return
    for pattern, scope, prefix, rule in _ELEMENT:
        m = pattern.match(message)
        if m is None:
            continue
        if scope == CHILD and steps and steps[-1][0] in (m.group("got"), "*"):
            steps = steps[:-1]
        block = steps if scope in (IN, CHILD) else steps[:-1]
        name = steps[-1][0] if steps else "CFX"
        precise, generic = rule(name, m, _block(root, block))
        wheres = [w for w in dict.fromkeys((_where(block), _where(block[-1:]))) if w]
        yield from (prefix + precise + where for where in wheres)
        yield prefix + precise
        # Nothing the sender named, for a name the length limit or the encoding cannot carry.
        yield from (prefix + generic + where for where in wheres if all(_known(n) for n, _ in block))
        yield prefix + generic
        return


def _step(text: str) -> tuple[str, int]:
    """``Payment1102[2]`` -> ("Payment1102", 2); no index -> 0 (the first, not numbered)."""
    m = _STEP.fullmatch(text)
    return (m.group(1), int(m.group(2) or 0)) if m else (text, 0)


def _where(block: list[tuple[str, int]]) -> str:
    """``（Payment1102 第 2 条 / TaxTypeList1102 第 1 条）``; MSG only when nothing is below it."""
    shown = [(n, i) for n, i in block if n not in ("MSG", "*")] or [(n, i) for n, i in block if n != "*"]
    if not shown:
        return ""
    return "（" + " / ".join(f"{n} 第 {i} 条" if i else n for n, i in shown) + "）"


def _block(root: etree._Element | None, steps: list[tuple[str, int]]) -> _Block:
    """The block at ``steps`` (below CFX): its children in ``root`` and its layout."""
    name = steps[-1][0] if steps else "CFX"
    msg_no = root.findtext("HEAD/MsgNo") if root is not None and root.tag == "CFX" else None
    allowed = _layout_children(name, msg_no)
    element = root if root is not None and root.tag == "CFX" else None
    for step, index in steps:
        if element is None:
            break
        candidates = [c for c in element if isinstance(c.tag, str) and step in ("*", c.tag)]
        element = candidates[max(index, 1) - 1] if len(candidates) >= max(index, 1) else None
    present = frozenset(c.tag for c in element if isinstance(c.tag, str)) if element is not None else None
    return _Block(present, allowed)


def _layout_children(name: str, msg_no: str | None) -> dict[str, bool] | None:
    """Child element name -> mandatory, for the block called ``name`` (MSG: of ``msg_no``)."""
    from gateway.codec.head import Head
    from gateway.codec.layout import layout_of
    from gateway.codec.messages import BODY_CLASSES

    if name == "MSG":
        body = BODY_CLASSES.get(msg_no or "")
        layout = layout_of(body) if body is not None else None
    elif name == "HEAD":
        layout = layout_of(Head)
    else:
        layout = _layouts().get(name)
    return None if layout is None else {s.tag: not s.optional for s in layout.slots}


def _fitted(texts: Iterable[str]) -> tuple[str, ...]:
    """The texts that are valid c(..60), once each, in order."""
    out: list[str] = []
    for text in texts:
        if (text not in out and 0 < len(text) <= choices.ADD_WORD_MAX and text == text.strip(" ")
                and not any(unicodedata.category(ch) == "Cc" for ch in text)):
            out.append(text)
    return tuple(out)


@functools.cache
def _layouts() -> dict[str, Any]:
    """Layout of every body block by element name (MSG itself excluded: it is per MsgNo)."""
    from gateway.codec.layout import all_layouts
    from gateway.codec.messages import BODY_CLASSES

    return {lay.tag: lay for cls in BODY_CLASSES.values() for lay in all_layouts(cls) if lay.tag != "MSG"}


def _known(name: str) -> bool:
    return name == "*" or name in _known_names()


@functools.cache
def _known_names() -> frozenset[str]:
    """Every element name of the interface: leaves, body blocks, HEAD, MSG and CFX."""
    from gateway.codec.names import ELEMENT_NAMES

    return frozenset({*ELEMENT_NAMES, *_layouts(), "CFX", "HEAD", "MSG"})
