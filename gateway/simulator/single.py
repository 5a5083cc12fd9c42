"""Real-time requests from the gateway: 9114 ⇒ 9115 (§6.1), 1001 ⇒ 9120 ⇒ 2001 (§6.2) and
1021 ⇒ 9120 ⇒ 2021 (§6.3). The ETS part accepts or refuses; the bank part is :mod:`bank`.

Each handler records the business key (the inbound loop has de-duplicated already) and returns
its key row id, so that a later duplicate gets the same stored answers.
"""

from __future__ import annotations

from typing import Any

from gateway.codec import CfxMessage
from gateway.codec.messages import (Msg2001, Msg2021, Msg9115, ProveReturn9115, RushReturn2021,
                                    SingleReturn2001)
from gateway.simulator import bank, keys
from gateway.simulator.context import Tx, d2s, fen, s2d
from gateway.simulator.faults import first_active
from gateway.simulator.outbound import answer_9120, send


def on_9114(tx: Tx, msg: CfxMessage[Any]) -> int:
    p = msg.body.prove_info9114
    key = keys.business_key("9114", msg.body)
    tx.learn_org(p.tax_org_code)
    faults = tx.account_faults(p.pay_bk_code, p.pay_acct)
    key_id = keys.create(tx, "9114", key, src=msg.head.src, msg_id=msg.head.msg_id,
                         entrust_date=d2s(p.entrust_date), tax_org_code=p.tax_org_code,
                         serial=p.vc_no, pay_bk_code=p.pay_bk_code, acct=p.pay_acct,
                         protocol_no=p.protocol_no)
    refuse = first_active(tx.conn, faults, "ets_refuse", "9114")
    code = refuse.code if refuse else (None if bank.known_bank(tx, p.pay_bk_code) else "92006")
    if code:
        answer_9120(tx, msg.head.msg_id, "9114", code, key_id, faults, key)
        return key_id
    vc_result, add_word = bank.verify(tx, p.vc_sign, p.protocol_no, p.pay_acct,
                                      p.hand_org_name, p.tax_pay_code)
    body = Msg9115(ProveReturn9115(
        ori_send_org_code=p.send_org_code, ori_entrust_date=p.entrust_date, ori_vc_no=p.vc_no,
        vc_sign=p.vc_sign, tax_org_code=p.tax_org_code, tax_pay_name=p.tax_pay_name,
        tax_pay_code=p.tax_pay_code, pay_op_bk_code=p.pay_op_bk_code, pay_bk_code=p.pay_bk_code,
        pay_acct=p.pay_acct, hand_org_name=p.hand_org_name, protocol_no=p.protocol_no,
        vc_result=vc_result, add_word=add_word))
    send(tx, body, answer_to=msg.head.msg_id, key_id=key_id, store=True, faults=faults,
         business_key=key)
    return key_id


def on_1001(tx: Tx, msg: CfxMessage[Any]) -> int:
    h, ta, p = msg.body.real_head1001, msg.body.turn_account1001, msg.body.payment1001
    key = keys.business_key("1001", msg.body)
    assert key is not None  # a 1001 is keyed
    tx.learn_org(h.tax_org_code, ta.payee_org_code, ta.payee_acct, ta.payee_name)
    faults = tx.account_faults(ta.pay_bk_code, p.pay_acct)
    values: dict[str, Any] = dict(
        src=msg.head.src, msg_id=msg.head.msg_id, op_stat="10",
        entrust_date=d2s(h.entrust_date), chk_date=d2s(h.entrust_date),
        tax_org_code=h.tax_org_code, serial=h.tra_no, amount_fen=fen(p.tra_amt),
        tax_vou_no=p.tax_vou_no, pay_bk_code=ta.pay_bk_code, acct=p.pay_acct,
        hand_org_name=p.hand_org_name, tax_pay_code=p.tax_pay_code, protocol_no=p.protocol_no,
        treasury=tx.treasury_of(h.tax_org_code) or ta.payee_org_code, result=None,
        tax_date=None, blocked=False)
    refuse = first_active(tx.conn, faults, "ets_refuse", "1001")
    code = refuse.code if refuse else (None if bank.known_bank(tx, ta.pay_bk_code) else "92006")
    if code:
        # §6.2 rule 2: refused and not forwarded; the key is held with OpStat 11.
        key_id = keys.create(tx, "1001", key, **{**values, "op_stat": "11"})
        answer_9120(tx, msg.head.msg_id, "1001", code, key_id, faults, key)
        return key_id
    delay = tx.env.settings.simulator.bank_delay_s
    if delay > 0:
        key_id = keys.create(tx, "1001", key, **values)
        answer_9120(tx, msg.head.msg_id, "1001", "90000", key_id, faults, key)
        tx.schedule("debit", delay, key_id)
        return key_id
    # Forwarded to the bank at once: its answer is known before the key is recorded, so the key
    # is written once, in its final state (the 9120 still goes first, then the 2001).
    settled, body = _settle(tx, keys.KeyRow(kind="1001", key=key, **values))
    key_id = keys.create(tx, "1001", key, **{**values, **settled})
    answer_9120(tx, msg.head.msg_id, "1001", "90000", key_id, faults, key)
    send(tx, body, answer_to=msg.head.msg_id, key_id=key_id, store=True, faults=faults,
         business_key=key)
    return key_id


def bank_process(tx: Tx, key_id: int) -> None:
    """The bank takes a forwarded 1001 (OpStat 10) and the ETS relays its 2001."""
    row = keys.get(tx, key_id)
    if row.op_stat != "10":
        return  # already final (e.g. finalised at day end)
    faults = tx.account_faults(row.pay_bk_code, row.acct)
    settled, body = _settle(tx, row)
    keys.change(tx, key_id, **settled)
    send(tx, body, answer_to=row.msg_id, key_id=key_id, store=True, faults=faults,
         business_key=row.key)


def _settle(tx: Tx, row: Any) -> tuple[dict[str, Any], Msg2001]:
    """The bank's debit of a forwarded 1001 (``row``: its key, OpStat 10): the key's new values
    and the 2001 the ETS relays."""
    debit = bank.Debit(key=f"1001|{row.key}", source="1001", pay_bk_code=row.pay_bk_code,
                       acct=row.acct, protocol_no=row.protocol_no,
                       hand_org_name=row.hand_org_name, tax_pay_code=row.tax_pay_code,
                       amount_fen=row.amount_fen, tax_org_code=row.tax_org_code,
                       treasury=row.treasury)
    outcome = bank.debit(tx, debit)
    tax_date, blocked = outcome.tax_date, False
    if outcome.result in bank.SUCCESS:
        op_stat = "20"
    elif outcome.result == "24020":
        # §11 6.3: reversed before it arrived -> OpStat 97 and absent from the 3122, unless the
        # bank had made it earlier (a forgotten key): then it is a reversal with its TaxDate.
        op_stat = "97"
        made = bank.made_debit(tx, debit.key)
        tax_date, blocked = (s2d(made), False) if made else (None, True)
    else:
        op_stat = "21"
    body = Msg2001(SingleReturn2001(
        ori_tax_org_code=row.tax_org_code, ori_entrust_date=s2d(row.entrust_date),
        ori_tra_no=row.serial, tax_vou_no=row.tax_vou_no,
        tax_date=outcome.tax_date if outcome.result in bank.SUCCESS else None,
        result=outcome.result, add_word=outcome.add_word))
    return dict(op_stat=op_stat, result=outcome.result, blocked=blocked,
                tax_date=d2s(tax_date) if tax_date else None), body


def on_1021(tx: Tx, msg: CfxMessage[Any]) -> int:
    r = msg.body.rush_apply1021
    key = keys.business_key("1021", msg.body)
    tx.learn_org(r.tax_org_code)
    debit_key = keys.key_of(r.tax_org_code, r.ori_entrust_date, r.ori_tra_no)
    debit_row = keys.find(tx, "1001", debit_key)
    faults = (tx.account_faults(debit_row.pay_bk_code, debit_row.acct) if debit_row
              else tx.env.config_faults)
    key_id = keys.create(tx, "1021", key, src=msg.head.src, msg_id=msg.head.msg_id,
                         entrust_date=d2s(r.entrust_date), tax_org_code=r.tax_org_code,
                         serial=r.cancel_no)
    refuse = first_active(tx.conn, faults, "ets_refuse", "1021")
    if refuse:
        answer_9120(tx, msg.head.msg_id, "1021", refuse.code or "99090", key_id, faults, key)
        return key_id
    answer_9120(tx, msg.head.msg_id, "1021", "90000", key_id, faults, key)
    answer, add_word, returned = bank.reverse(tx, f"1001|{debit_key}", f"1021|{key}",
                                              r.ori_entrust_date)
    keys.change(tx, key_id, result=answer)
    if returned and debit_row is not None:
        keys.change(tx, debit_row.id, op_stat="97")
    body = Msg2021(RushReturn2021(
        tax_org_code=r.tax_org_code, ori_cancel_no=r.cancel_no, ori_cancel_date=r.entrust_date,
        ori_entrust_date=r.ori_entrust_date, ori_tra_no=r.ori_tra_no, cancel_answer=answer,
        add_word=add_word))
    send(tx, body, answer_to=msg.head.msg_id, key_id=key_id, store=True, faults=faults,
         business_key=key)
    return key_id
