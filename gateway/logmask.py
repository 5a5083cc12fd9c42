"""Masking of bank account numbers and resident ID numbers, in free text and in structured values.

Used by the log processor of :mod:`gateway.logconfig`; web pages and exports can call the same
functions (:func:`mask_text`, :func:`mask_account`, :func:`mask_id_no`, :func:`mask_value`).

By field name (any depth of nesting, names compared without case, ``_`` or ``-``):

- account fields (``pay_acct``, ``PayeeAcct``, ``account``, ``acct_no``, ``card_no`` ...) are always
  masked, keeping the first 4 and last 4 letters/digits; ID fields (``id_no``, ``IDNo``,
  ``id_number``, ``cert_no`` ...) keep the first 6 and last 4. Up to 8 (10) characters: all masked.
- code fields (``node``, ``src``, ``des``, ``bank_no``, ``pay_bk_code``, ``tax_org_code``,
  ``msg_id``, ``msg_ref``, ``correl_id``, ``business_key`` ...) are left as they are.
- every other field is free text.

In free text (messages, reasons, AddWord, tracebacks):

- 17 digits + X, or 18 digits that form a valid resident ID (birth date and ISO 7064 check digit),
  keep the first 6 and last 4. A 15-digit old ID cannot be told from a 15-digit account without a
  field name, so it is masked as an account, which hides more of it.
- runs of 12 to 32 digits, and groups of four digits joined by one space or one dash (``6222 0212
  3456 7890 123``, as banks print them) with 12 to 32 digits in all, keep the first 4 and last 4.
- except codes, which stay readable. A 12-digit run is a code (node, bank, tax office) when it is
  one of the configured node codes, when a label stands right before it (``SRC``, ``DES``,
  ``node``, ``BankNo``, ``PayBkCode``, ``TaxOrgCode``, ``节点``, ``行号`` ..., optionally followed by
  ``:``, ``=``, ``>``, quotes or spaces), or when it is a segment of a business key (joined by
  ``/`` to other digits, e.g. ``244000000001/20261202/00000123``). We chose labels over "any
  12-digit run is a code" because 12-digit accounts exist; an unlabelled, unknown 12-digit run in
  text is therefore masked. A 20-digit run is a MsgID when it starts with a valid
  ``yyyyMMddHHmmss`` (how this gateway builds them) or is labelled ``MsgID``/``MsgRef``/``CorrelId``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Collection

_ACCOUNT_NAMES = frozenset({"acct", "account", "acctno", "accountno", "accountnumber", "cardno",
                            "bankcardno", "acctcode"})
_ACCOUNT_SUFFIXES = ("acct", "account", "acctno", "accountno", "cardno")
_ID_NAMES = frozenset({"idno", "idnumber", "idcard", "idcardno", "certno", "certnumber",
                       "certificateno", "certificatenumber", "identityno", "identitynumber",
                       "residentid"})
_ID_SUFFIXES = ("idno", "idcardno", "idnumber", "certno")
_CODE_NAMES = frozenset({"node", "src", "des", "bankno", "paybkcode", "payopbkcode", "payeebankno",
                         "taxorgcode", "payeeorgcode", "trecode", "msgid", "msgref", "correlid",
                         "businesskey", "taxvouno", "queue", "timestamp", "level", "logger"})
_CODE_SUFFIXES = ("node", "msgid", "msgref", "bankno", "bkcode", "orgcode")

_CODE_LABELS = ("src", "des", "node", "bank_no", "bank_code", "pay_bk_code", "pay_op_bk_code",
                "payee_bank_no", "tax_org_code", "payee_org_code", "节点", "行号", "清算行",
                "开户行", "征收机关", "机关代码")
_MSG_LABELS = ("msg_id", "msg_ref", "correl_id")
_LABEL_TAIL = r"[\s:=：>\"']{0,4}$"


def _label_re(labels: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(label.replace("_", "[_ ]?") for label in labels)
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives}){_LABEL_TAIL}", re.IGNORECASE)


_CODE_LABEL = _label_re(_CODE_LABELS)
_MSG_LABEL = _label_re(_MSG_LABELS)
# One alternation so that each stretch of digits is looked at once; the ID with an X comes first
# because its 17 digits alone would also be a digit run.
_CANDIDATE = re.compile(r"(?<!\d)(?:(?P<idx>\d{17}[Xx])(?![0-9A-Za-z])"
                        r"|(?P<grouped>\d{4}(?P<sep>[ -])\d{4}(?:(?P=sep)\d{4})*"
                        r"(?:(?P=sep)\d{1,3})?)"
                        r"|(?P<run>\d{12,32}))(?!\d)")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _field_kind(name: str) -> str | None:
    """'account', 'id', 'code' or None (free text) for a field name."""
    n = re.sub(r"[^0-9a-z]", "", name.lower())
    if n in _ACCOUNT_NAMES or n.endswith(_ACCOUNT_SUFFIXES):
        return "account"
    if n in _ID_NAMES or n.endswith(_ID_SUFFIXES):
        return "id"
    if n in _CODE_NAMES or n.endswith(_CODE_SUFFIXES):
        return "code"
    return None


def _keep_ends(s: str, head: int, tail: int) -> str:
    """Replace every ASCII letter/digit but the first ``head`` and last ``tail`` by ``*``;
    separators and other text stay, so the shape remains readable."""
    positions = [i for i, c in enumerate(s) if c.isascii() and c.isalnum()]
    hidden = positions if len(positions) <= head + tail else positions[head:len(positions) - tail]
    chars = list(s)
    for i in hidden:
        chars[i] = "*"
    return "".join(chars)


def mask_account(s: str) -> str:
    """An account number as its first 4 and last 4 characters; up to 8 characters, all hidden.
    A value that already holds ``*`` is taken as masked and only pattern-masked again."""
    return mask_text(s) if "*" in s else _keep_ends(s, 4, 4)


def mask_id_no(s: str) -> str:
    """An ID number as its first 6 and last 4 characters; up to 10 characters, all hidden."""
    return mask_text(s) if "*" in s else _keep_ends(s, 6, 4)


def is_resident_id(s: str) -> bool:
    """An 18-character resident ID: region, valid birth date, ISO 7064 MOD 11-2 check digit."""
    if not re.fullmatch(r"[1-9]\d{16}[\dXx]", s):
        return False
    try:
        dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    check = "10X98765432"[sum(int(c) * w for c, w in zip(s, _ID_WEIGHTS)) % 11]
    return s[17].upper() == check


def _is_msg_id(run: str) -> bool:
    """This gateway's MsgIDs: ``yyyyMMddHHmmss`` (a 20xx year) + a 6-digit sequence."""
    if not run.startswith("20"):
        return False
    try:
        dt.datetime(*(int(run[i:j]) for i, j in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12),
                                                   (12, 14))))
    except ValueError:
        return False
    return True


def _replace(m: re.Match[str], codes: Collection[str]) -> str:
    text, found = m.string, m.group(0)
    if m.group("idx"):
        return mask_id_no(found)
    if m.group("grouped"):
        return mask_account(found) if sum(c.isdigit() for c in found) >= 12 else found
    before = text[max(0, m.start() - 40):m.start()]
    if len(found) == 12:
        after = text[m.end():m.end() + 2]
        key_segment = before.endswith("/") or (after[:1] == "/" and after[1:].isdigit())
        if found in codes or key_segment or _CODE_LABEL.search(before):
            return found
    if len(found) == 20 and (_is_msg_id(found) or _MSG_LABEL.search(before)):
        return found
    if len(found) == 18 and is_resident_id(found):
        return mask_id_no(found)
    return mask_account(found)


def mask_text(text: str, codes: Collection[str] = ()) -> str:
    """Mask account and ID numbers in free text; ``codes`` are 12-digit codes known to be no
    account (this gateway's and the ETS's node codes), kept wherever they appear."""
    return _CANDIDATE.sub(lambda m: _replace(m, codes), text)


def mask_value(value: Any, codes: Collection[str] = (), field: str | None = None) -> Any:
    """Mask a value (str, number, dict, list, any object by its repr) logged under ``field``."""
    return _mask(value, codes, _field_kind(field) if field else None)


def _mask(value: Any, codes: Collection[str], kind: str | None) -> Any:
    if value is None or isinstance(value, (bool, float)):
        return value
    inner = None if kind == "code" else kind  # a code name says nothing about what it contains
    if isinstance(value, dict):
        return {(mask_text(k, codes) if isinstance(k, str) else k):
                _mask(v, codes, (_field_kind(k) if isinstance(k, str) else None) or inner)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(_mask(v, codes, inner) for v in value)
    if kind == "code" and isinstance(value, (str, int)):
        return value
    text = value if isinstance(value, str) else str(value) if isinstance(value, int) else repr(value)
    if kind == "account":
        masked = mask_account(text)
    elif kind == "id":
        masked = mask_id_no(text)
    else:
        masked = mask_text(text, codes)
    return value if masked == text else masked
