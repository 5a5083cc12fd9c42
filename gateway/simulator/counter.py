"""Bank-counter payments (§6.4, §11 6.4): a bank's 2091 query (⇒ 1009) and its 2108 payment
(⇒ 9120), relayed by the ETS to the gateway, and the gateway's answers to them.

An unanswered 2108 is resent up to :data:`COUNTER_RESENDS` times, :data:`COUNTER_RESEND_INTERVAL_S`
apart on the simulator's clock. Only a 2108 answered 9120 90000 is accepted; it belongs to the
HEAD WorkDate of the copy so answered (its ChkDate for the 3122). A refused payment is returned
to the payer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from gateway.codec import CfxMessage
from gateway.codec.messages import DeclareQuery2091, Msg2091, Msg2108, SingleReturn2108
from gateway.simulator import bank, keys
from gateway.simulator import schema as t
from gateway.simulator.context import Tx, d2s, fen, s2d, yuan
from gateway.simulator.contract_choices import COUNTER_RESEND_INTERVAL_S, COUNTER_RESENDS
from gateway.simulator.outbound import send

_PLACEHOLDER_ID = "0" * 20


class CounterError(ValueError):
    """A counter action the bank would not carry out (unknown voucher, account problem)."""


def counter_query(tx: Tx, bank_no: str, pay_op_bk_code: str, tax_org_code: str,
                  tax_pay_code: str, tax_vou_no: str) -> str:
    """Put a 2091; returns its key ``BankNo|EntrustDate|QueryNo``."""
    day = tx.work_date
    query_no = tx.bank_serial(bank_no, day)
    key = keys.key_of(bank_no, day, query_no)
    tx.learn_org(tax_org_code)
    key_id = keys.create(tx, "2091", key, src=tx.env.ets_node, msg_id=_PLACEHOLDER_ID,
                         entrust_date=d2s(day), tax_org_code=tax_org_code, serial=query_no,
                         tax_vou_no=tax_vou_no, pay_bk_code=bank_no, tax_pay_code=tax_pay_code)
    body = Msg2091(DeclareQuery2091(bank_no=bank_no, entrust_date=day, query_no=query_no,
                                    pay_op_bk_code=pay_op_bk_code, tax_org_code=tax_org_code,
                                    tax_pay_code=tax_pay_code, tax_vou_no=tax_vou_no))
    keys.change(tx, key_id, msg_id=send(tx, body, key_id=key_id, business_key=key))
    return key


def counter_pay(tx: Tx, bank_no: str, tax_vou_no: str, amount: Decimal, acct: str | None = None,
                result: str = "90000", tax_org_code: str | None = None) -> str:
    """The bank takes a payment for a voucher and puts a 2108; returns ``BankNo|Date|TraNo``.

    With ``acct`` the payer's account is debited (when ``result`` is 90000); without it the
    payment is in cash. The TaxOrgCode is the voucher's, known from the 2091 relayed for it.
    """
    k = t.keys.c
    query = tx.conn.execute(select(t.keys).where(k.kind == "2091", k.tax_vou_no == tax_vou_no)
                            .order_by(k.id.desc())).first()
    org = tax_org_code or (query.tax_org_code if query is not None else None)
    if not org:
        raise CounterError(f"voucher {tax_vou_no} was never queried: give its TaxOrgCode")
    amount_fen = fen(amount)
    day = tx.work_date
    tax_pay_code = query.tax_pay_code if query is not None else None
    if result == "90000" and acct:
        tax_pay_code = _take_from_account(tx, bank_no, acct, amount_fen) or tax_pay_code
    tra_no = tx.bank_serial(bank_no, day)
    key = keys.key_of(bank_no, day, tra_no)
    treasury = tx.treasury_of(org)
    if result == "90000":
        bank.ledger(tx, "debit", "2108", f"2108|{key}", amount_fen, tax_pay_code=tax_pay_code,
                    tax_org_code=org, treasury=treasury, pay_bk_code=bank_no, acct=acct)
    key_id = keys.create(tx, "2108", key, src=tx.env.ets_node, msg_id=_PLACEHOLDER_ID,
                         op_stat="10", entrust_date=d2s(day), tax_org_code=org, serial=tra_no,
                         amount_fen=amount_fen, tax_vou_no=tax_vou_no, tax_date=d2s(day),
                         pay_bk_code=bank_no, acct=acct, tax_pay_code=tax_pay_code,
                         treasury=treasury, result=result)
    msg_id = send(tx, _build_2108(keys.get(tx, key_id)), key_id=key_id, note="2108 copy 1",
                  business_key=key)
    keys.change(tx, key_id, msg_id=msg_id)
    tx.schedule("resend2108", COUNTER_RESEND_INTERVAL_S, key_id, attempt=1)
    return key


def resend_2108(tx: Tx, key_id: int, attempt: int) -> None:
    """Job: resend the 2108 (same key, new MsgID, current WorkDate) unless answered."""
    row = keys.get(tx, key_id)
    if row.answer is not None or attempt > COUNTER_RESENDS:
        return
    send(tx, _build_2108(row), key_id=key_id, note=f"2108 resend {attempt}", business_key=row.key)
    if attempt < COUNTER_RESENDS:
        tx.schedule("resend2108", COUNTER_RESEND_INTERVAL_S, key_id, attempt=attempt + 1)


def on_1009(tx: Tx, msg: CfxMessage[Any]) -> None:
    """The gateway's answer to a 2091, matched by the 2091's key (§3.2)."""
    h, p = msg.body.real_head1009, msg.body.payment1009
    row = keys.find(tx, "2091", keys.key_of(h.bank_no, h.ori_entrust_date, h.ori_query_no))
    _record_sent_answer(tx, msg, h.result)
    if row is None:
        tx.env.log.warning("sim.unmatched_answer", msg_no="1009", msg_ref=msg.head.msg_ref)
        return
    values: dict[str, Any] = {"answer": h.result}
    if p is not None:
        values.update(amount_fen=fen(p.tra_amt), tax_pay_code=p.tax_pay_code)
    keys.change(tx, row.id, **values)


def on_9120(tx: Tx, msg: CfxMessage[Any]) -> None:
    """The gateway's 9120: to a 2108 (acceptance or refusal), or to a 2091 it could not read."""
    result = msg.body.msg_return9120.result
    sent = _record_sent_answer(tx, msg, result)
    if sent is None or sent.key_id is None:
        tx.env.log.warning("sim.unmatched_answer", msg_no="9120", msg_ref=msg.head.msg_ref)
        return
    row = keys.get(tx, sent.key_id)
    if row.answer is not None:
        return  # only the first answer to any copy counts
    if row.kind == "2091":
        keys.change(tx, row.id, answer=result)
        return
    if row.kind != "2108":
        return
    accepted = result == "90000" and row.result == "90000"
    keys.change(tx, row.id, answer=result, op_stat="20" if accepted else "21",
                chk_date=sent.work_date if accepted else None)
    if result != "90000" and row.result == "90000":
        _return_payment(tx, row)


def _return_payment(tx: Tx, row: Any) -> None:
    """§6.4 rule 3: a refused 2108 is not settled; the bank returns the money to the payer."""
    if row.acct:
        c = t.accounts.c
        tx.conn.execute(update(t.accounts).where(c.pay_bk_code == row.pay_bk_code,
                                                 c.acct == row.acct)
                        .values(balance_fen=c.balance_fen + row.amount_fen))
        tx.forget_accounts(row.acct)
    bank.ledger(tx, "return", "2108", f"2108|{row.key}", row.amount_fen,
                tax_pay_code=row.tax_pay_code, tax_org_code=row.tax_org_code,
                treasury=row.treasury, pay_bk_code=row.pay_bk_code, acct=row.acct)


def _take_from_account(tx: Tx, bank_no: str, acct: str, amount_fen: int) -> str:
    c = t.accounts.c
    account = tx.conn.execute(select(t.accounts).where(c.pay_bk_code == bank_no,
                                                       c.acct == acct)).first()
    if account is None or account.closed:
        raise CounterError(f"account {acct} does not exist at bank {bank_no}")
    if account.frozen:
        raise CounterError(f"account {acct} is frozen")
    if account.balance_fen < amount_fen:
        raise CounterError(f"account {acct} has {yuan(account.balance_fen)}, "
                           f"less than {yuan(amount_fen)}")
    tx.conn.execute(update(t.accounts).where(c.id == account.id)
                    .values(balance_fen=c.balance_fen - amount_fen))
    tx.forget_accounts(acct)
    return str(account.tax_pay_code)


def _record_sent_answer(tx: Tx, msg: CfxMessage[Any], result: str) -> Any:
    s = t.sent.c
    tx.flush()  # what this unit sent may still be held back
    sent = tx.conn.execute(select(t.sent).where(s.msg_id == msg.head.msg_ref)).first()
    if sent is not None and sent.answer_result is None:
        tx.conn.execute(update(t.sent).where(s.msg_id == sent.msg_id).values(
            answer_result=result, answer_msg_id=msg.head.msg_id))
    return sent


def _build_2108(row: Any) -> Msg2108:
    return Msg2108(SingleReturn2108(
        bank_no=row.pay_bk_code, tax_vou_no=row.tax_vou_no, entrust_date=s2d(row.entrust_date),
        tra_no=row.serial, tax_date=s2d(row.tax_date), tra_amt=yuan(row.amount_fen),
        result=row.result, add_word="柜台缴款成功" if row.result == "90000" else "柜台缴款未完成"))
