"""Entry faults: a 3122 that disagrees with what happened, for reconciliation tests (§6.8).

Per account (``etsgw sim account set-fault ACCT entry_amount*1``) or configured; each applies to
the entries of that account's debits (any ``*N`` limit counts entries):

=========================  ==================================================================
``entry_omit``             leave the entry out of the 3122 (the gateway: absent there)
``entry_amount``           report TraAmt 0.01 higher (amount differs)
``entry_voucher``          report another OriTaxVouNo (voucher differs)
``entry_reverse``          report OpStat 97 though the money entered (reversed there)
``entry_extra:<MsgNo>``    add an invented entry beside it, of OriMsgNo 1001, 1102 or 2108,
                           that the gateway never sent or accepted (unknown / counter unknown)
=========================  ==================================================================

The money itself is not touched (the ledger stays as it was); the 3128's TodayReceipt sums the
entries as sent, so its balance identity still holds.
"""

from __future__ import annotations

import dataclasses
import functools
from decimal import Decimal
from typing import Sequence

from sqlalchemy import select

from gateway.codec.messages import CompDeduct3122
from gateway.simulator import schema as t
from gateway.simulator.context import Tx
from gateway.simulator.faults import Faults, first_active

ENTRY_KINDS = frozenset({"entry_omit", "entry_amount", "entry_voucher", "entry_reverse",
                         "entry_extra"})
EXTRA_MSG_NOS = frozenset({"1001", "1102", "2108"})
_NONE = "00000000"

#: An entry of the 3122 with the account whose debit it reports (None for cash payments).
Entry = tuple[CompDeduct3122, str | None, str | None]


def _in_use(tx: Tx) -> bool:
    """Any entry fault configured or on an account (one query, so a clean day costs nothing)."""
    if tx.env.config_faults.matching(ENTRY_KINDS):
        return True
    return tx.conn.execute(select(t.accounts.c.id).where(
        t.accounts.c.fault.like("%entry_%")).limit(1)).first() is not None


def apply_entry_faults(tx: Tx, entries: Sequence[Entry]) -> list[CompDeduct3122]:
    if not _in_use(tx):
        return [item for item, _bank, _acct in entries]
    out: list[CompDeduct3122] = []
    for item, bank, acct in entries:
        faults = tx.account_faults(bank, acct)
        fires = functools.partial(_fires, tx, faults)
        if fires("entry_omit"):
            continue
        if fires("entry_amount"):
            item = dataclasses.replace(item, tra_amt=item.tra_amt + Decimal("0.01"))
        if fires("entry_voucher"):
            last = "1" if item.ori_tax_vou_no[-1] == "0" else "0"
            item = dataclasses.replace(item, ori_tax_vou_no=item.ori_tax_vou_no[:-1] + last)
        if fires("entry_reverse"):
            item = dataclasses.replace(item, op_stat="97")  # type: ignore[arg-type]
        out.append(item)
        extra = first_active(tx.conn, faults, "entry_extra")
        if extra is not None:
            out.append(_invented(item, extra.msg_no or "1001", bank))
    return out


def _fires(tx: Tx, faults: Faults, kind: str) -> bool:
    return first_active(tx.conn, faults, kind) is not None


def _invented(model: CompDeduct3122, msg_no: str, bank: str | None) -> CompDeduct3122:
    """An entry like ``model`` under a serial the gateway never used (99…) and another voucher."""
    sender = model.ori_send_org_code
    if msg_no == "2108":
        sender = bank or "999999999999"
    elif model.ori_msg_no == "2108":
        sender = "14400000000"  # a TaxOrgCode the package could name
    return dataclasses.replace(
        model, ori_msg_no=msg_no, ori_send_org_code=sender,  # type: ignore[arg-type]
        ori_pack_no="99999999" if msg_no == "1102" else _NONE,
        ori_tra_no="99" + model.ori_tra_no[2:], ori_tax_vou_no="X" + model.ori_tax_vou_no[1:],
        op_stat="20")  # type: ignore[arg-type]
