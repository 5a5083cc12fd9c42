"""Status query 9003 ⇒ 9004 (§6.10, §11 6.10) and link test 9005 ⇒ 9120 (§6.11).

The ETS answers from its own key store. Single debit: ChkDate = EntrustDate (§6.8: a single
debit belongs to its EntrustDate); package: the HEAD WorkDate of its 2102, else the current
work date; not found: OpStat 98 with the current work date. After a package answer of 20 or 21
whose 2102 the gateway has not acknowledged with 9121 90000, the 2102 is delivered again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway.codec import CfxMessage
from gateway.codec.messages import Msg9004, TraStatusReturn9004
from gateway.simulator import keys
from gateway.simulator import schema as t
from gateway.simulator.context import Tx, s2d
from gateway.simulator.faults import first_active
from gateway.simulator.outbound import answer_9120, send
from gateway.simulator.packages import redeliver_2102


def on_9003(tx: Tx, msg: CfxMessage[Any]) -> int:
    q = msg.body.tra_status_check9003
    key_id = keys.message_group(tx, msg.head.src, msg.head.msg_id)
    package = q.search_type == "1"
    serial = q.ori_pack_no if package else q.ori_tra_no
    key = keys.key_of(q.send_org_code, q.ori_entrust_date, serial)
    row = keys.held(tx, "1102" if package else "1001", key)
    faults = (tx.account_faults(row.pay_bk_code, row.acct) if row is not None and not package
              else tx.env.config_faults)
    refuse = first_active(tx.conn, faults, "ets_refuse", "9003")
    if refuse:
        # §6.10: "if it cannot give a status, it answers with a 9120 stating why".
        answer_9120(tx, msg.head.msg_id, "9003", refuse.code or "99090", key_id, faults, key)
        return key_id
    if row is None:
        op_stat, chk_date = "98", tx.work_date
    elif package:
        op_stat = row.op_stat
        chk_date = s2d(row.chk_date) if row.chk_date else tx.work_date
    else:
        op_stat, chk_date = row.op_stat, s2d(row.entrust_date)
    forced = first_active(tx.conn, faults, "opstat")
    if forced is not None and forced.code:
        op_stat = forced.code
        if op_stat == "98":
            chk_date = tx.work_date
            if row is not None and not package:
                # contract_choices: a forced 98 makes the ETS forget a single debit's key.
                keys.change(tx, row.id, forgotten=True)
    body = Msg9004(TraStatusReturn9004(
        send_org_code=q.send_org_code, search_type=q.search_type, ori_msg_no=q.ori_msg_no,
        ori_entrust_date=q.ori_entrust_date, ori_pack_no=q.ori_pack_no, ori_tra_no=q.ori_tra_no,
        chk_date=chk_date, op_stat=op_stat))
    send(tx, body, answer_to=msg.head.msg_id, key_id=key_id, store=True, faults=faults,
         business_key=key)
    if package and row is not None and op_stat in ("20", "21"):
        p = t.packages.c
        pkg = tx.conn.execute(select(p.state, p.ack_result).where(p.key_id == row.id)).first()
        if pkg is not None and pkg.state == "processed" and pkg.ack_result != "90000":
            redeliver_2102(tx, row.id)
    return key_id


def on_9005(tx: Tx, msg: CfxMessage[Any]) -> int:
    key_id = keys.message_group(tx, msg.head.src, msg.head.msg_id)
    refuse = first_active(tx.conn, tx.env.config_faults, "ets_refuse", "9005")
    answer_9120(tx, msg.head.msg_id, "9005", refuse.code if refuse and refuse.code else "90000",
                key_id)
    return key_id
