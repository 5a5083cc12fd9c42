"""Day-end and batch notices acknowledged (3122, 3128, 2102 ⇒ 9121) and the link test
(9005 ⇒ 9120, the idle 9005 and the link going DOWN), through the bus in memory."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.domain import events as e
from gateway.domain import commands as c
from gateway.domain.errors import GatewayUnavailable
from tests.unit.services.world import DAY, ETS, ORG, World


def _figures(today_balance: str) -> e.FundAccountFigures:
    return e.FundAccountFigures("4401000000", "270001", Decimal("100.00"), Decimal("50.00"),
                                Decimal("30.00"), Decimal(today_balance))


def test_a_3122_sub_package_is_acknowledged_with_its_key(world: World) -> None:
    world.deliver(e.ReconciliationReceived(world.ref("3122", "BATCH"), ORG, DAY, "00000007", 1, 2,
                                           10, Decimal("1000.00")))
    ack = world.last("9121")
    assert (ack.fields["result"], ack.fields["ori_msg_no"]) == ("90000", "3122")
    assert ack.fields["request_key"] == (ETS, DAY, "00000007")
    assert [p["state"] for p in world.data.recon_packages.values()] == ["RECEIVING"]  # 1 of 2


def test_a_balanced_3128_is_acknowledged_without_a_flag(world: World) -> None:
    world.deliver(e.FundReportReceived(world.ref("3128", "BATCH"), DAY, (_figures("120.00"),)))
    assert world.last("9121").fields["result"] == "90000"
    assert world.last("9121").fields["request_key"] == (ETS, DAY, "00000000")
    assert (world.data.flags, world.data.alerts, world.data.reviews) == ([], [], [])


def test_an_unbalanced_3128_is_flagged_and_still_acknowledged(world: World) -> None:
    world.deliver(e.FundReportReceived(world.ref("3128", "BATCH"), DAY,
                                       (_figures("120.00"), _figures("121.00"))))
    assert world.last("9121").fields["result"] == "90000"
    assert [f[:2] for f in world.data.flags] == [("3128", "20241105")]
    assert [a[:2] for a in world.data.alerts] == [("WARNING", "fund_report.unbalanced")]
    assert [line.balanced for line in world.data.fund_lines] == [True, False]
    assert world.review_kinds() == ["FUND_REPORT_UNBALANCED"]


def test_a_2102_for_an_unknown_package_is_answered_24023(world: World) -> None:
    world.deliver(e.BatchResultReceived(world.ref("2102", "BATCH"), "102581000013", DAY,
                                        "00000003", ORG, DAY, "00000009", 2, Decimal("10.00")))
    ack = world.last("9121")
    assert (ack.fields["result"], ack.fields["request_key"]) == ("24023", ("102581000013", DAY,
                                                                           "00000003"))
    assert world.review_kinds() == ["UNKNOWN_PACKAGE_2102"]


def test_a_9005_from_the_ets_is_answered(world: World) -> None:
    world.deliver(e.LinkTested(world.ref("9005")))
    assert (world.last("9120").fields["result"], world.last("9120").fields["ori_msg_no"]) == (
        "90000", "9005")


def test_an_unanswered_link_test_takes_the_link_down_and_an_answer_brings_it_up(
        world: World) -> None:
    msg_id = world.handle(c.TestLink())
    assert world.last("9005").msg_id == msg_id
    world.clock.advance(10)
    world.sweep()
    assert world.data.state["link"] == "DOWN"
    assert [a[:2] for a in world.data.alerts] == [("CRITICAL", "link")]
    with pytest.raises(GatewayUnavailable):
        world.submit()
    world.sweep()  # while DOWN, every sweep tests the link again
    world.ack(world.last("9005"), kind=e.LinkTestAcknowledged)
    assert world.data.state["link"] == "UP" and world.data.alerts[-1][:2] == ("INFO", "link")
    world.submit()
