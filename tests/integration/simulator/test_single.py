"""Single debits (1001 ⇒ 9120 ⇒ 2001), the bank's check order, reversals (1021) and status
queries (9003) against the simulator, over the embedded transport."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.codec import msg_id_to_mqmd

from .builders import (BANK, DAY, ORG, OTHER_BANK, Payer, msg_1001, msg_1021, msg_9003,
                       msg_9005)


def test_1001_is_accepted_then_debited(world, payer):
    sim, peer = world
    msg_id = peer.put(msg_1001(payer, "00000123", "12345.60"))
    peer.pump()
    ack, result = peer.replies()
    assert (ack.msg_no, ack.block.ori_msg_no, ack.block.result) == ("9120", "1001", "90000")
    assert ack.msg.head.msg_ref == msg_id and ack.env.correl_id == msg_id_to_mqmd(msg_id)
    r = result.block
    assert result.msg_no == "2001" and result.msg.head.msg_ref == msg_id
    assert (r.ori_tax_org_code, r.ori_entrust_date, r.ori_tra_no) == (ORG, DAY, "00000123")
    assert (r.result, r.tax_date, r.tax_vou_no) == ("90000", DAY, "344010600000123")
    assert result.msg.head.src == peer.settings.gateway.ets_node
    assert sim.account(payer.acct)[0]["balance"] == Decimal("87654.40")
    assert sim.ledger_totals() == {"debited": Decimal("12345.60"), "returned": Decimal("0.00"),
                                   "net": Decimal("12345.60")}
    assert sim.key("1001", f"{ORG}|20241105|00000123")["op_stat"] == "20"


def _result_of(peer, body):
    replies = peer.exchange(body)
    assert [r.msg_no for r in replies] == ["9120", "2001"]
    return replies[1].block


@pytest.mark.parametrize("change, expected", [
    ({"agreement_state": "revoked"}, "24009"),  # (iii): a revoked agreement is no agreement
    ({"protocol_no": None}, "24009"),  # (iii)
    ({"name": "别的名字"}, "24011"),  # (iv): holder name differs from the agreement
    ({}, "24001"),  # (v): the account is closed (and frozen, and short of money)
    ({"closed": False}, "24004"),  # (vi)
    ({"closed": False, "frozen": False}, "24007"),  # (vii)
    ({"fault": "bank_error"}, "99090"),  # any other bank fault
])
def test_bank_refusals_follow_the_check_order(make_world, change, expected):
    # The account breaks every account check, so only the order explains each code.
    payer = Payer(1, balance="1.00", frozen=True, closed=True)
    seed = payer.seed()
    name = change.pop("name", None) if "name" in change else None
    seed.update(change)
    sim, peer = make_world()
    sim.load_accounts([seed])
    r = _result_of(peer, msg_1001(payer, "00000001", "100.00", name=name))
    assert (r.result, r.tax_date) == (expected, None)
    assert r.add_word
    assert sim.ledger_totals()["debited"] == Decimal("0.00")
    assert sim.key("1001", f"{ORG}|20241105|00000001")["op_stat"] == "21"


def test_unknown_bank_is_refused_by_the_ets_with_92006_and_held_as_11(world, payer):
    sim, peer = world
    replies = peer.exchange(msg_1001(payer, "00000002", bank=OTHER_BANK))
    assert [(r.msg_no, r.block.result) for r in replies] == [("9120", "92006")]
    assert sim.key("1001", f"{ORG}|20241105|00000002")["op_stat"] == "11"


def test_duplicate_key_gets_the_stored_answers_and_no_second_debit(world, payer):
    sim, peer = world
    first = peer.exchange(msg_1001(payer, "00000003", "10.00"))
    dup_id = peer.put(msg_1001(payer, "00000003", "99.00"))  # content differs: first wins
    peer.pump()
    again = peer.replies()
    assert [r.msg_no for r in again] == ["9120", "2001"]
    for old, new in zip(first, again):
        assert new.msg.head.msg_id != old.msg.head.msg_id
        assert new.msg.head.msg_ref == dup_id and new.env.correl_id == msg_id_to_mqmd(dup_id)
        assert new.msg.body == old.msg.body
    assert sim.ledger_totals()["debited"] == Decimal("10.00")


def test_duplicate_msg_id_gets_the_stored_answers(world, payer):
    sim, peer = world
    msg_id = peer.put(msg_1001(payer, "00000004", "10.00"))
    peer.pump()
    first = peer.replies()
    peer.put(msg_1001(payer, "00000004", "10.00"), msg_id=msg_id)
    peer.pump()
    again = peer.replies()
    assert [r.msg_no for r in again] == ["9120", "2001"]
    assert all(r.msg.head.msg_ref == msg_id for r in again)
    assert {r.msg.head.msg_id for r in again}.isdisjoint({r.msg.head.msg_id for r in first})
    assert sim.ledger_totals()["debited"] == Decimal("10.00")


def test_forced_opstat_98_forgets_the_key_and_the_resend_is_answered_94051(make_world):
    payer = Payer(1, fault="opstat:98*1")
    sim, peer = make_world(payers=(payer,))
    peer.exchange(msg_1001(payer, "00000005", "10.00"))
    [status] = peer.exchange(msg_9003("00000005"))
    assert (status.block.op_stat, status.block.chk_date) == ("98", DAY)
    resend = peer.exchange(msg_1001(payer, "00000005", "10.00"))  # same body, new MsgID
    assert [(r.msg_no, r.block.result) for r in resend] == [("9120", "90000"), ("2001", "94051")]
    assert resend[1].block.tax_date == DAY
    assert sim.ledger_totals()["debited"] == Decimal("10.00")
    [status] = peer.exchange(msg_9003("00000005"))
    assert status.block.op_stat == "20"
    # the key's answers are those of its second life only
    dup = peer.exchange(msg_1001(payer, "00000005", "10.00"))
    assert [(r.msg_no, r.block.result) for r in dup] == [("9120", "90000"), ("2001", "94051")]


def test_a_key_that_failed_is_processed_again_when_the_ets_forgot_it(make_world):
    payer = Payer(1, balance="5.00", fault="opstat:98*1")
    sim, peer = make_world(payers=(payer,))
    assert _result_of(peer, msg_1001(payer, "00000006", "10.00")).result == "24007"
    peer.exchange(msg_9003("00000006"))
    sim.change_account(payer.acct, balance="50.00")
    assert _result_of(peer, msg_1001(payer, "00000006", "10.00")).result == "90000"


def test_status_query(world, payer):
    sim, peer = world
    [unknown] = peer.exchange(msg_9003("00000077"))
    assert (unknown.msg_no, unknown.block.op_stat, unknown.block.chk_date) == ("9004", "98", DAY)
    peer.exchange(msg_1001(payer, "00000007", "10.00"))
    [known] = peer.exchange(msg_9003("00000007"))
    b = known.block
    assert (b.op_stat, b.chk_date, b.ori_tra_no, b.ori_pack_no) == ("20", DAY, "00000007",
                                                                     "00000000")


def test_pending_debit_reports_10_until_the_bank_answers(make_world, payer, clock):
    sim, peer = make_world(payers=(payer,), bank_delay_s=30)
    assert [r.msg_no for r in peer.exchange(msg_1001(payer, "00000008"))] == ["9120"]
    [q] = peer.exchange(msg_9003("00000008"))
    assert q.block.op_stat == "10"
    clock.advance(30)
    peer.pump()
    assert [r.block.result for r in peer.replies()] == ["90000"]


def test_reversal_returns_the_money(world, payer):
    sim, peer = world
    peer.exchange(msg_1001(payer, "00000009", "10.00"))
    replies = peer.exchange(msg_1021("00000009", "00000001"))
    assert [r.msg_no for r in replies] == ["9120", "2021"]
    r = replies[1].block
    assert (r.cancel_answer, r.ori_cancel_no, r.ori_tra_no, r.add_word) == \
        ("1", "00000001", "00000009", None)
    assert sim.ledger_totals() == {"debited": Decimal("10.00"), "returned": Decimal("10.00"),
                                   "net": Decimal("0.00")}
    assert sim.account(payer.acct)[0]["balance"] == Decimal("100000.00")
    assert sim.key("1001", f"{ORG}|20241105|00000009")["op_stat"] == "97"
    # a repeated CancelNo gets the same 2021 and nothing is done again
    again = peer.exchange(msg_1021("00000009", "00000001"))
    assert again[1].block == r and sim.ledger_totals()["returned"] == Decimal("10.00")
    # a reversal of an already reversed debit (new CancelNo) is answered 1
    assert peer.exchange(msg_1021("00000009", "00000002"))[1].block.cancel_answer == "1"


def test_reversal_before_arrival_blocks_the_debit(world, payer):
    sim, peer = world
    assert peer.exchange(msg_1021("00000010", "00000003"))[1].block.cancel_answer == "1"
    assert _result_of(peer, msg_1001(payer, "00000010", "10.00")).result == "24020"
    row = sim.key("1001", f"{ORG}|20241105|00000010")
    assert (row["op_stat"], row["blocked"]) == ("97", True)
    assert sim.ledger_totals()["debited"] == Decimal("0.00")


def test_reversal_of_a_failed_debit_is_answered_1(make_world):
    payer = Payer(1, balance="1.00")
    sim, peer = make_world(payers=(payer,))
    assert _result_of(peer, msg_1001(payer, "00000011", "10.00")).result == "24007"
    assert peer.exchange(msg_1021("00000011", "00000004"))[1].block.cancel_answer == "1"
    assert sim.key("1001", f"{ORG}|20241105|00000011")["op_stat"] == "21"


def test_reversal_on_another_work_date_is_refused(world, payer):
    sim, peer = world
    peer.exchange(msg_1001(payer, "00000012", "10.00"))
    sim.day_switch()
    peer.replies()
    r = peer.exchange(msg_1021("00000012", "00000005"))[1].block
    assert (r.cancel_answer, r.add_word is not None) == ("2", True)
    assert sim.ledger_totals()["returned"] == Decimal("0.00")


def test_link_test(world):
    sim, peer = world
    [answer] = peer.exchange(msg_9005())
    assert (answer.msg_no, answer.block.ori_msg_no, answer.block.result) == \
        ("9120", "9005", "90000")


def test_bank_is_known_from_agreements_too(make_world):
    payer = Payer(1)
    sim, peer = make_world()
    sim.add_agreement(payer.protocol_no, BANK, payer.acct, payer.name, payer.tax_pay_code)
    assert _result_of(peer, msg_1001(payer, "00000013")).result == "24001"


def test_loading_accounts_again_updates_them(world, payer):
    sim, peer = world
    seed = payer.seed()
    assert sim.load_accounts([{**seed, "balance": "5.00", "agreement_state": "revoked"}]) == 1
    [account] = sim.account(payer.acct)
    assert account["balance"] == Decimal("5.00")
    assert account["agreements"][0]["state"] == "revoked"
    with pytest.raises(ValueError):
        sim.load_accounts([{**seed, "balance": 1.5}])  # never float
    with pytest.raises(ValueError):
        sim.load_accounts([{**seed, "fault": "nonsense"}])
