"""The ETS day switch (§6.8, §6.9, §6.11, §11 6.11): 9101 SysStat 1 with the new WorkDate, a
3122 per TaxOrgCode for the closed date, one 3128, then 9101 SysStat 0.

Every single debit of the closed date is made final first (§6.10 "Final states"): a debit still
pending at the bank is processed then, on the closed date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import delete, select, update

from gateway.codec.messages import (BatchHead3122, BillHead3128, ChangeState9101, CompDeduct3122,
                                    Msg3122, Msg3128, Msg9101, Stock3128)
from gateway.domain.calendar import ClearingCalendar
from gateway.simulator import schema as t
from gateway.simulator.context import Tx, d2s, fen, s2d, yuan
from gateway.simulator.contract_choices import DEFAULT_SPECIAL_ACCOUNT, MAX_3122_ITEMS
from gateway.simulator.entry_faults import Entry, apply_entry_faults
from gateway.simulator.outbound import send
from gateway.simulator.single import bank_process

_NONE = "00000000"
#: Bytes of a 3122 around its items (declaration, HEAD, BatchHead3122), with a margin.
_3122_OVERHEAD = 2048


def next_clearing_day(day: dt.date) -> dt.date:
    """The next clearing day (§7.4) under the official calendar when it can be loaded."""
    try:
        from gateway.calendar_table import official_calendar
        calendar = official_calendar()
    except ImportError:  # chinese-calendar missing: the Monday-Friday rule
        calendar = ClearingCalendar()
    return calendar.nth_clearing_day_after(day, 1)


def day_switch(tx: Tx, new_work_date: dt.date | None = None, max_items: int | None = None
               ) -> dt.date:
    """Close the current work date and open ``new_work_date`` (default: next clearing day)."""
    closed = tx.work_date
    new = new_work_date or next_clearing_day(closed)
    if new <= closed:
        raise ValueError(f"the new work date {new:%Y%m%d} is not after {closed:%Y%m%d}")
    _finalise_single_debits(tx, closed)
    tx.set_state(new, "1")
    send(tx, Msg9101(ChangeState9101(work_date=new, sys_stat="1")))
    receipts: dict[str, int] = defaultdict(int)
    for org in tx.conn.execute(select(t.orgs.c.tax_org_code).where(
            t.orgs.c.node == tx.env.gateway_node).order_by(t.orgs.c.tax_org_code)).scalars():
        items = entry_details(tx, org, closed)
        for item in items:
            if item.op_stat == "20":
                receipts[item.payee_org_code] += fen(item.tra_amt)
        send_3122(tx, org, closed, items, max_items or tx.env.max_3122_items)
    send_3128(tx, closed, receipts)
    tx.set_state(new, "0")
    send(tx, Msg9101(ChangeState9101(work_date=new, sys_stat="0")))
    return new


def _finalise_single_debits(tx: Tx, closed: dt.date) -> None:
    j, k = t.jobs.c, t.keys.c
    pending = tx.conn.execute(select(j.id, j.key_id).join(t.keys, k.id == j.key_id).where(
        j.kind == "debit", k.entrust_date <= d2s(closed)).order_by(j.id)).all()
    for job in pending:
        tx.conn.execute(delete(t.jobs).where(j.id == job.id))
        bank_process(tx, job.key_id)


def entry_details(tx: Tx, org: str, day: dt.date) -> list[CompDeduct3122]:
    """§6.8 items of ``org`` that belong to ``day``: single debits of that EntrustDate with OpStat
    20 or 97 (not blocked), batch items whose 2102 and accepted 2108s whose answered copy were
    handled on that work date; entry faults (:mod:`.entry_faults`) applied."""
    return apply_entry_faults(tx, _entries(tx, org, day))


def _entries(tx: Tx, org: str, day: dt.date) -> list[Entry]:
    k, p, i = t.keys.c, t.packages.c, t.package_items.c
    x = d2s(day)
    treasury = tx.treasury_of(org)
    out: list[Entry] = []
    singles = tx.conn.execute(select(t.keys).where(
        k.kind == "1001", k.tax_org_code == org, k.entrust_date == x,
        k.op_stat.in_(("20", "97")), k.blocked.is_(False), k.tax_date.is_not(None)
    ).order_by(k.serial)).all()
    for r in singles:
        out.append((_item(treasury or r.treasury, "1001", org, r.entrust_date, _NONE, r.serial,
                          r.tax_vou_no, r.amount_fen, r.tax_date, r.op_stat), r.pay_bk_code, r.acct))
    batch = tx.conn.execute(select(k.entrust_date, k.serial, p.treasury, i.tra_no, i.tax_vou_no,
                                   i.amount_fen, i.tax_date, p.pay_bk_code, i.acct)
                            .join(t.packages, p.key_id == k.id).join(t.package_items,
                                                                     i.key_id == k.id)
                            .where(k.kind == "1102", k.tax_org_code == org, k.chk_date == x,
                                   i.result == "90000")
                            .order_by(k.serial, i.tra_no)).all()
    for r in batch:
        out.append((_item(treasury or r.treasury, "1102", org, r.entrust_date, r.serial, r.tra_no,
                          r.tax_vou_no, r.amount_fen, r.tax_date, "20"), r.pay_bk_code, r.acct))
    counter = tx.conn.execute(select(t.keys).where(
        k.kind == "2108", k.tax_org_code == org, k.op_stat == "20", k.chk_date == x
    ).order_by(k.key)).all()
    for r in counter:
        out.append((_item(treasury or r.treasury, "2108", r.pay_bk_code, r.entrust_date, _NONE,
                          r.serial, r.tax_vou_no, r.amount_fen, r.tax_date, "20"),
                    r.pay_bk_code, r.acct))
    return out


def _item(treasury: str | None, msg_no: str, sender: str, entrust: str, pack: str, tra: str,
          vou: str, amount_fen: int, tax_date: str, op_stat: str) -> CompDeduct3122:
    return CompDeduct3122(
        payee_org_code=treasury or DEFAULT_SPECIAL_ACCOUNT[0], ori_msg_no=msg_no,  # type: ignore[arg-type]
        ori_send_org_code=sender, ori_entrust_date=s2d(entrust), ori_pack_no=pack, ori_tra_no=tra,
        ori_tax_vou_no=vou, tra_amt=yuan(amount_fen), tax_date=s2d(tax_date),
        op_stat=op_stat)  # type: ignore[arg-type]


def send_3122(tx: Tx, org: str, day: dt.date, items: list[CompDeduct3122], max_items: int
              ) -> str:
    """One package in sub-packages of at most ``max_items`` items and the size limit; an empty
    package is one sub-package with CurPackNum 0. Returns the PackNo."""
    pack_no = f"{tx.next_value(f'3122:{d2s(day)}'):08d}"
    chunks = _split(tx, items, min(max_items, MAX_3122_ITEMS))
    total = sum((i.tra_amt for i in items), Decimal("0.00"))
    for number, chunk in enumerate(chunks, 1):
        head = BatchHead3122(chk_date=day, pack_no=pack_no, tax_org_code=org,
                             all_num=len(items), all_amt=total, child_pack_num=len(chunks),
                             cur_pack_no=number, cur_pack_num=len(chunk),
                             cur_pack_amt=sum((i.tra_amt for i in chunk), Decimal("0.00")))
        send(tx, Msg3122(head, tuple(chunk)), note=f"3122 {org} {number}/{len(chunks)}",
             business_key=f"{org}|{d2s(day)}|{pack_no}|{number}")
    return pack_no


def _split(tx: Tx, items: list[CompDeduct3122], max_items: int) -> list[list[CompDeduct3122]]:
    limit = tx.env.codec.max_bytes - _3122_OVERHEAD
    chunks: list[list[CompDeduct3122]] = [[]]
    size = 0
    for item in items:
        grow = tx.env.codec.block_size(item)
        if chunks[-1] and (len(chunks[-1]) >= max_items or size + grow > limit):
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += grow
    return chunks


def send_3128(tx: Tx, day: dt.date, receipts: dict[str, int]) -> None:
    """§6.9 / §11 6.9: one Stock3128 per special account; the balance identity holds."""
    sa = t.special_accounts.c
    rows = tx.conn.execute(select(t.special_accounts).where(sa.configured.is_(True))
                           .order_by(sa.tre_code)).all()
    if not rows:
        rows = tx.conn.execute(select(t.special_accounts).order_by(sa.tre_code)).all()
    if not rows:
        code, acct, name = DEFAULT_SPECIAL_ACCOUNT
        tx.conn.execute(t.special_accounts.insert().values(
            tre_code=code, acct_code=acct, acct_name=name, balance_fen=0, today_pay_fen=0,
            configured=False))
        rows = tx.conn.execute(select(t.special_accounts)).all()
    stocks = []
    for r in rows:
        receipt = receipts.get(r.tre_code, 0)
        pay = min(r.today_pay_fen, r.balance_fen + receipt)
        balance = r.balance_fen + receipt - pay
        tx.conn.execute(update(t.special_accounts).where(sa.tre_code == r.tre_code)
                        .values(balance_fen=balance))
        stocks.append(Stock3128(
            tre_code=r.tre_code, acct_code=r.acct_code, acct_name=r.acct_name, acct_date=day,
            yesterday_balance=yuan(r.balance_fen), today_receipt=yuan(receipt),
            today_pay=yuan(pay), today_balance=yuan(balance)))
    send(tx, Msg3128(BillHead3128(report_date=day, all_num=len(stocks)), tuple(stocks)),
         note="3128", business_key=d2s(day))
