"""Asynchronous batches: 1102 ⇒ 9121 receipt, later 2102 or 9122 (§6.6); 1123 ⇒ 2123 (§6.7);
the gateway's 9121 for a 2102; the 2102 rebuilt for redelivery after a 9003 (§6.10).

A package is processed by a job ``package_delay_s`` after its receipt, in one transaction: the
moment "debiting has started" for a stop (§6.7) is that job, so a 1123 before it stops and one
after it is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from gateway.codec import CfxMessage
from gateway.codec.messages import (BatchHead2102, BatchReturn2102, Msg2102, Msg2123, Msg9121,
                                    Msg9122, MsgReturn9121, MsgReturn9122, StopReturn2123)
from gateway.simulator import bank, keys
from gateway.simulator import schema as t
from gateway.simulator.context import Tx, d2s, fen, s2d, yuan
from gateway.simulator.contract_choices import CHECK_PACKAGE_BRANCHES, UNDELIVERABLE_RESULT
from gateway.simulator.faults import Faults, first_active
from gateway.simulator.outbound import ANSWER_TEXT, send


def on_1102(tx: Tx, msg: CfxMessage[Any]) -> int:
    h, ta, items = msg.body.batch_head1102, msg.body.turn_account1102, msg.body.payment1102
    key = keys.business_key("1102", msg.body)
    tx.learn_org(h.tax_org_code, ta.payee_org_code, ta.payee_acct, ta.payee_name)
    treasury = tx.treasury_of(h.tax_org_code) or ta.payee_org_code
    key_id = keys.create(tx, "1102", key, src=msg.head.src, msg_id=msg.head.msg_id,
                         op_stat="10", entrust_date=d2s(h.entrust_date),
                         tax_org_code=h.tax_org_code, serial=h.pack_no,
                         amount_fen=fen(h.all_amt), pay_bk_code=ta.pay_bk_code,
                         treasury=treasury)
    tx.conn.execute(insert(t.packages).values(
        key_id=key_id, pay_bk_code=ta.pay_bk_code, treasury=treasury, all_num=h.all_num,
        all_amt_fen=fen(h.all_amt), state="accepted"))
    tx.conn.execute(insert(t.package_items), [dict(
        key_id=key_id, tra_no=i.tra_no, pay_op_bk_code=i.pay_op_bk_code, acct=i.pay_acct,
        hand_org_name=i.hand_org_name, tax_pay_code=i.tax_pay_code, protocol_no=i.protocol_no,
        amount_fen=fen(i.tra_amt), tax_vou_no=i.tax_vou_no, stopped=False) for i in items])
    faults = tx.env.config_faults
    refuse = first_active(tx.conn, faults, "ets_refuse", "1102", bank=ta.pay_bk_code)
    code = refuse.code if refuse else (None if bank.known_bank(tx, ta.pay_bk_code) else "92006")
    receipt = Msg9121(MsgReturn9121(ori_msg_no="1102", ori_send_org_code=h.tax_org_code,
                                    ori_entrust_date=h.entrust_date, ori_request_no=h.pack_no,
                                    result=code or "90000",
                                    add_word=ANSWER_TEXT.get(code or "90000", "拒绝处理")))
    if code:
        keys.change(tx, key_id, op_stat="11")
        _set_package(tx, key_id, state="refused")
    else:
        tx.schedule("package", tx.env.settings.simulator.package_delay_s, key_id)
    send(tx, receipt, answer_to=msg.head.msg_id, key_id=key_id, store=True, business_key=key)
    return key_id


def process(tx: Tx, key_id: int) -> None:
    """The bank processes an accepted package: a 2102 with every item, or a 9122."""
    pkg = _package(tx, key_id)
    if pkg is None or pkg.state != "accepted":
        return  # stopped as a whole, or already done
    row = keys.get(tx, key_id)
    items = _items(tx, key_id)
    if _undeliverable(tx, pkg, items):
        keys.change(tx, key_id, op_stat="11")
        _set_package(tx, key_id, state="undeliverable")
        body = Msg9122(MsgReturn9122(
            ori_msg_no="1102", ori_send_org_code=row.tax_org_code,
            ori_entrust_date=s2d(row.entrust_date), ori_request_no=row.serial,
            result=UNDELIVERABLE_RESULT, add_word="批量包无法投递至付款行"))
        send(tx, body, answer_to=row.msg_id, key_id=key_id, store=True, business_key=row.key)
        return
    live = [i for i in items if not i.stopped]
    outcomes = dict(zip((i.tra_no for i in live), bank.debit_many(tx, [bank.Debit(
        key=f"1102|{row.key}|{i.tra_no}", source="1102", pay_bk_code=pkg.pay_bk_code,
        acct=i.acct, protocol_no=i.protocol_no, hand_org_name=i.hand_org_name,
        tax_pay_code=i.tax_pay_code, amount_fen=i.amount_fen, tax_org_code=row.tax_org_code,
        treasury=pkg.treasury) for i in live])))
    stopped = bank.Outcome("24020")  # §6.7: an item stopped by a 1123
    pi = t.package_items.c
    tx.conn.execute(update(t.package_items).where(
        pi.key_id == key_id, pi.tra_no == bindparam("_tra_no")).values(
        result=bindparam("_result"), tax_date=bindparam("_tax_date")), [
        {"_tra_no": item.tra_no, "_result": o.result,
         "_tax_date": d2s(o.tax_date) if o.tax_date and o.result in bank.SUCCESS else None}
        for item in items for o in [outcomes.get(item.tra_no, stopped)]])
    keys.change(tx, key_id, op_stat="20", chk_date=d2s(tx.work_date))
    _set_package(tx, key_id, state="processed", result="90000",
                 bank_pack_no=tx.bank_serial(pkg.pay_bk_code, tx.work_date))
    send(tx, build_2102(tx, key_id), answer_to=row.msg_id, key_id=key_id, business_key=row.key)


def build_2102(tx: Tx, key_id: int) -> Msg2102:
    """The 2102 of a processed package, from its records (first delivery and redelivery)."""
    row, pkg = keys.get(tx, key_id), _package(tx, key_id)
    returns = tuple(BatchReturn2102(
        ori_tra_no=i.tra_no, tra_amt=yuan(i.amount_fen), tax_vou_no=i.tax_vou_no,
        tax_date=s2d(i.tax_date) if i.tax_date else None, result=i.result,
        add_word=bank.RESULT_TEXT.get(i.result)) for i in _items(tx, key_id))
    won = [r for r in returns if r.result in bank.SUCCESS]
    head = BatchHead2102(
        pay_bk_code=pkg.pay_bk_code, entrust_date=s2d(row.chk_date), pack_no=pkg.bank_pack_no,
        ori_tax_org_code=row.tax_org_code, ori_entrust_date=s2d(row.entrust_date),
        ori_pack_no=row.serial, all_num=len(returns), all_amt=yuan(pkg.all_amt_fen),
        succ_num=len(won), succ_amt=sum((r.tra_amt for r in won), Decimal("0.00")),
        result=pkg.result, add_word="批量扣款处理完成")
    return Msg2102(head, returns)


def redeliver_2102(tx: Tx, key_id: int) -> None:
    """§6.10 / §11 6.10: a new MsgID, MsgRef/CorrelId of the 1102, the first WorkDate."""
    row = keys.get(tx, key_id)
    send(tx, build_2102(tx, key_id), answer_to=row.msg_id, key_id=key_id,
         work_date=s2d(row.chk_date), note="2102 redelivered", business_key=row.key)


def on_1123(tx: Tx, msg: CfxMessage[Any]) -> int:
    s = msg.body.stop_apply1123
    key = keys.business_key("1123", msg.body)
    tx.learn_org(s.tax_org_code)
    key_id = keys.create(tx, "1123", key, src=msg.head.src, msg_id=msg.head.msg_id,
                         entrust_date=d2s(s.entrust_date), tax_org_code=s.tax_org_code,
                         serial=s.stop_no)
    answer, add_word = _stop(tx, keys.key_of(s.tax_org_code, s.ori_entrust_date, s.ori_pack_no),
                             s.stop_type, s.ori_tra_no)
    keys.change(tx, key_id, result=answer)
    body = Msg2123(StopReturn2123(
        tax_org_code=s.tax_org_code, entrust_date=s.entrust_date, ori_stop_no=s.stop_no,
        ori_entrust_date=s.ori_entrust_date, ori_pack_no=s.ori_pack_no, ori_tra_no=s.ori_tra_no,
        stop_answer=answer, add_word=add_word))
    send(tx, body, answer_to=msg.head.msg_id, key_id=key_id, store=True, business_key=key)
    return key_id


def _stop(tx: Tx, package_key: str, stop_type: str, tra_no: str) -> tuple[str, str | None]:
    """§6.7 and §11 6.7: (StopAnswer, AddWord)."""
    row = keys.held(tx, "1102", package_key)
    pkg = _package(tx, row.id) if row is not None else None
    if row is None:
        return "2", "无此批量包"
    if pkg is None or pkg.state in ("refused", "undeliverable"):  # no package row: 92004/92005
        return "2", "批量包已被拒绝"
    if pkg.state == "processed":
        return "2", "银行已开始扣款，不能止付"
    if pkg.state == "stopped":
        return "1", None
    if stop_type == "1":
        keys.change(tx, row.id, op_stat="97")
        _set_package(tx, row.id, state="stopped")
        return "1", None
    i = t.package_items.c
    done = tx.conn.execute(update(t.package_items).where(i.key_id == row.id, i.tra_no == tra_no)
                           .values(stopped=True)).rowcount
    return ("1", None) if done else ("2", "批量包中无此明细")


def on_9121(tx: Tx, msg: CfxMessage[Any]) -> None:
    """The gateway's receipt for a 2102, 3122 sub-package or 3128: recorded, never answered."""
    r = msg.body.msg_return9121
    tx.flush()  # what this unit sent may still be held back
    sent = tx.conn.execute(select(t.sent).where(t.sent.c.msg_id == msg.head.msg_ref)).first()
    if sent is None:
        tx.env.log.warning("sim.unmatched_answer", msg_no="9121", msg_ref=msg.head.msg_ref)
        return
    tx.conn.execute(update(t.sent).where(t.sent.c.msg_id == sent.msg_id).values(
        answer_result=r.result, answer_msg_id=msg.head.msg_id))
    if sent.msg_no == "2102" and sent.key_id is not None:
        pkg = _package(tx, sent.key_id)
        if pkg is not None and pkg.ack_result != "90000":
            _set_package(tx, sent.key_id, ack_result=r.result)


def _undeliverable(tx: Tx, pkg: Any, items: list[Any]) -> bool:
    if first_active(tx.conn, tx.env.config_faults, "undeliverable", bank=pkg.pay_bk_code):
        return True
    a = t.accounts.c
    spec = dict(tx.conn.execute(select(a.acct, a.fault).where(
        a.pay_bk_code == pkg.pay_bk_code, a.fault.is_not(None))).all())
    for acct in sorted({item.acct for item in items} & set(spec)):
        faults = Faults().plus_account(pkg.pay_bk_code, acct, spec[acct])
        if first_active(tx.conn, faults, "undeliverable", bank=pkg.pay_bk_code):
            return True
    if CHECK_PACKAGE_BRANCHES:
        known = bank.branches(tx, pkg.pay_bk_code)
        return any(item.pay_op_bk_code not in known for item in items)
    return False


def _package(tx: Tx, key_id: int) -> Any:
    return tx.conn.execute(select(t.packages).where(t.packages.c.key_id == key_id)).first()


def _items(tx: Tx, key_id: int) -> list[Any]:
    i = t.package_items.c
    return list(tx.conn.execute(select(t.package_items).where(i.key_id == key_id)
                                .order_by(i.tra_no)))


def _set_package(tx: Tx, key_id: int, **values: Any) -> None:
    tx.conn.execute(update(t.packages).where(t.packages.c.key_id == key_id).values(**values))
