"""Tables of the simulator's own database (prefix ``sim_``): the ETS's records and the banks'.

They have their own :class:`MetaData` and are created idempotently by :func:`ensure_schema`,
next to the ``mq_`` tables of the simulator's queue manager (same database), so that a get, the
state change it causes and the answers it puts commit in one transaction. Dates are ``yyyyMMdd``
strings (ordered, and the wire form); money is integer fen, never float.
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Index, Integer, LargeBinary,
                        MetaData, String, Table, Text, UniqueConstraint)
from sqlalchemy.engine import Engine

from gateway.transports.embedded.schema import serialize_definitions

metadata = MetaData()

_ID = BigInteger().with_variant(Integer, "sqlite")

#: One row (id 1): the ETS work date and SysStat (§6.11).
state = Table(
    "sim_state", metadata,
    Column("id", Integer, primary_key=True),
    Column("work_date", String(8), nullable=False),
    Column("sys_stat", String(1), nullable=False),
)

#: Monotonic counters: MsgIDs, bank serials per (bank, date) (§11 4.2), 3122 PackNo per ChkDate.
counters = Table(
    "sim_counter", metadata,
    Column("name", String(80), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

accounts = Table(
    "sim_account", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("pay_bk_code", String(12), nullable=False),
    Column("pay_op_bk_code", String(12), nullable=False),
    Column("acct", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("tax_pay_code", String(20), nullable=False),
    Column("balance_fen", BigInteger, nullable=False, default=0),
    Column("frozen", Boolean, nullable=False, default=False),
    # A closed account no longer exists at the bank (24001) though an agreement may remain.
    Column("closed", Boolean, nullable=False, default=False),
    Column("fault", String(400), nullable=True),
    UniqueConstraint("pay_bk_code", "acct", name="uq_sim_account"),
)

agreements = Table(
    "sim_agreement", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("protocol_no", String(60), nullable=False),
    Column("pay_bk_code", String(12), nullable=False),
    Column("acct", String(32), nullable=False),
    Column("hand_org_name", String(200), nullable=False),
    Column("tax_pay_code", String(20), nullable=False),
    Column("state", String(8), nullable=False, default="normal"),  # normal | revoked
    UniqueConstraint("protocol_no", "acct", name="uq_sim_agreement"),
)

#: TaxOrgCodes of the gateway's node: configured, or learned from its messages.
orgs = Table(
    "sim_org", metadata,
    Column("tax_org_code", String(12), primary_key=True),
    Column("node", String(12), nullable=False),
    Column("treasury", String(10), nullable=True),  # PayeeOrgCode configured at the ETS
    Column("configured", Boolean, nullable=False, default=False),
)

#: Fee special accounts of the 3128, per treasury; ``balance_fen`` is the last TodayBalance.
special_accounts = Table(
    "sim_special_account", metadata,
    Column("tre_code", String(10), primary_key=True),
    Column("acct_code", String(32), nullable=False),
    Column("acct_name", String(200), nullable=False),
    Column("balance_fen", BigInteger, nullable=False, default=0),
    Column("today_pay_fen", BigInteger, nullable=False, default=0),
    Column("configured", Boolean, nullable=False, default=False),
)

#: The ETS key store (§4.3): one row per business key, or per MsgID for unkeyed messages
#: (kind "MSG"), holding what the ETS knows and the group its stored answers hang on.
keys = Table(
    "sim_key", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(4), nullable=False),  # 9114 1001 1021 1102 1123 2091 2108 MSG
    Column("key", String(80), nullable=False),
    Column("src", String(12), nullable=False),
    Column("msg_id", String(20), nullable=False),  # the message the key was (last) taken from
    Column("op_stat", String(2), nullable=True),  # §6.10
    Column("entrust_date", String(8), nullable=True),
    Column("tax_org_code", String(12), nullable=True),
    Column("serial", String(8), nullable=True),
    Column("amount_fen", BigInteger, nullable=True),
    Column("tax_vou_no", String(18), nullable=True),
    Column("tax_date", String(8), nullable=True),
    Column("chk_date", String(8), nullable=True),
    Column("pay_bk_code", String(12), nullable=True),
    Column("acct", String(32), nullable=True),
    Column("hand_org_name", String(200), nullable=True),
    Column("tax_pay_code", String(20), nullable=True),
    Column("protocol_no", String(60), nullable=True),
    Column("treasury", String(10), nullable=True),
    Column("result", String(5), nullable=True),  # bank result / 2108 Result
    Column("answer", String(5), nullable=True),  # the gateway's answer (1009, 9120 to a 2108)
    Column("blocked", Boolean, nullable=False, default=False),  # reversed before it was made
    Column("forgotten", Boolean, nullable=False, default=False),  # forced OpStat 98
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("kind", "key", name="uq_sim_key"),
)
Index("ix_sim_key_vou", keys.c.tax_vou_no)

#: Stored answers, re-sent to duplicates (§2.3).
answers = Table(
    "sim_answer", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("key_id", BigInteger, nullable=False, index=True),
    Column("msg_no", String(4), nullable=False),
    Column("body", LargeBinary, nullable=False),
)

#: SRC + MsgID of every message received (§2.3 rule 1).
seen = Table(
    "sim_seen", metadata,
    Column("src", String(12), primary_key=True),
    Column("msg_id", String(20), primary_key=True),
    Column("msg_no", String(4), nullable=False),
    Column("key_id", BigInteger, nullable=True),
    Column("received_at", DateTime, nullable=False),
)

#: Every message the simulator put, with the gateway's answer when one came (9121, 9120, 1009).
sent = Table(
    "sim_sent", metadata,
    Column("msg_id", String(20), primary_key=True),
    Column("msg_no", String(4), nullable=False),
    Column("key_id", BigInteger, nullable=True, index=True),
    Column("work_date", String(8), nullable=False),
    Column("note", String(80), nullable=True),
    Column("answer_result", String(5), nullable=True),
    Column("answer_msg_id", String(20), nullable=True),
    Column("created_at", DateTime, nullable=False),
)

#: The banks' side of debits (1001 keys and package items): what each bank did with a key.
bank_debits = Table(
    "sim_bank_debit", metadata,
    Column("key", String(80), primary_key=True),
    Column("result", String(5), nullable=False),
    Column("tax_date", String(8), nullable=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("pay_bk_code", String(12), nullable=False),
    Column("acct", String(32), nullable=False),
    Column("tax_pay_code", String(20), nullable=True),
    Column("tax_org_code", String(12), nullable=True),
    Column("treasury", String(10), nullable=True),
)

#: Reversals recorded by the bank, also for debits it never saw (§11 6.3).
reversals = Table(
    "sim_reversal", metadata,
    Column("debit_key", String(80), primary_key=True),
    Column("cancel_key", String(80), nullable=False),
    Column("returned_fen", BigInteger, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
)

packages = Table(
    "sim_package", metadata,
    Column("key_id", BigInteger, primary_key=True),
    Column("pay_bk_code", String(12), nullable=False),
    Column("treasury", String(10), nullable=False),
    Column("all_num", Integer, nullable=False),
    Column("all_amt_fen", BigInteger, nullable=False),
    # accepted | refused | stopped | processed | undeliverable
    Column("state", String(14), nullable=False),
    Column("bank_pack_no", String(8), nullable=True),
    Column("result", String(5), nullable=True),
    Column("ack_result", String(5), nullable=True),  # the gateway's 9121 to the 2102
)

package_items = Table(
    "sim_package_item", metadata,
    Column("key_id", BigInteger, primary_key=True),
    Column("tra_no", String(8), primary_key=True),
    Column("pay_op_bk_code", String(12), nullable=False),
    Column("acct", String(32), nullable=False),
    Column("hand_org_name", String(200), nullable=False),
    Column("tax_pay_code", String(20), nullable=False),
    Column("protocol_no", String(60), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("tax_vou_no", String(18), nullable=False),
    Column("stopped", Boolean, nullable=False, default=False),
    Column("result", String(5), nullable=True),
    Column("tax_date", String(8), nullable=True),
)

#: Money movements: debits from payers and returns to them (3122/3128 and conservation checks).
ledger = Table(
    "sim_ledger", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(6), nullable=False),  # debit | return
    Column("source", String(4), nullable=False),  # 1001 | 1102 | 2108
    Column("key", String(80), nullable=False),
    Column("tax_pay_code", String(20), nullable=True),
    Column("tax_org_code", String(12), nullable=True),
    Column("treasury", String(10), nullable=True),
    Column("pay_bk_code", String(12), nullable=True),
    Column("acct", String(32), nullable=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("work_date", String(8), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

#: Scheduled work: delayed sends, bank debits, package processing, 2108 resends.
jobs = Table(
    "sim_job", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(12), nullable=False),  # send | debit | package | resend2108
    Column("due_at", DateTime, nullable=False, index=True),
    Column("key_id", BigInteger, nullable=True),
    Column("queue", String(48), nullable=True),
    Column("msg_id", LargeBinary(24), nullable=True),
    Column("correl_id", LargeBinary(24), nullable=True),
    Column("ccsid", Integer, nullable=True),
    Column("body", LargeBinary, nullable=True),
    Column("attempt", Integer, nullable=False, default=0),
)

#: Messages that could not be read or were not for us (§3.1 rule 8, §3.2): never answered.
errors = Table(
    "sim_error", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("received_at", DateTime, nullable=False),
    Column("queue", String(48), nullable=False),
    Column("msg_no", String(4), nullable=True),
    Column("msg_id", String(20), nullable=True),
    Column("reason", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
)

#: How often a fault limited with ``*N`` has fired, per scope (config or account).
fault_uses = Table(
    "sim_fault_use", metadata,
    Column("scope", String(60), primary_key=True),
    Column("fault", String(80), primary_key=True),
    Column("uses", Integer, nullable=False),
)


def ensure_schema(engine: Engine) -> None:
    """Create the missing ``sim_`` tables (idempotent, safe from several processes)."""
    with engine.begin() as conn:
        serialize_definitions(conn)
        metadata.create_all(conn, checkfirst=True)
