"""The debit carries its MsgID, its timer and its levy amounts; the methods that change its
state set the timer of the new state (§7.1, §7.2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.domain.debit import Debit, DebitKind, DebitState as S
from gateway.domain.errors import IllegalTransition, InvalidAmount

DAY = dt.date(2024, 11, 5)
AT = dt.datetime(2024, 11, 5, 9, 30)
AMOUNTS = (Decimal("8640.00"), Decimal("3086.40"), Decimal("619.20"))


def debit(**kw: object) -> Debit:
    values: dict[str, object] = dict(
        id=1, kind=DebitKind.SINGLE, tax_org_code="14401060000", entrust_date=DAY,
        tra_no="00000123", tax_vou_no="344010624110500123", payer_id=1,
        amount=Decimal("12345.60"), levy_ids=(1, 2, 3), levy_amounts=AMOUNTS)
    values.update(kw)
    return Debit(**values)  # type: ignore[arg-type]  # keyword overrides of the fields


def test_sent_records_the_msg_id_and_the_9120_deadline() -> None:
    d = debit()
    d.sent("20241105093000000001", AT, AT + dt.timedelta(seconds=10))
    assert (d.msg_id, d.sent_at, d.next_check_at, d.query_step) == (
        "20241105093000000001", AT, AT + dt.timedelta(seconds=10), 0)
    d.accepted(AT + dt.timedelta(seconds=60))
    assert (d.state, d.next_check_at) == (S.ACCEPTED, AT + dt.timedelta(seconds=60))
    with pytest.raises(IllegalTransition, match="only a debit being sent"):
        d.sent("20241105093000000002", AT, AT)


def test_a_late_acceptance_keeps_the_timer() -> None:
    d = debit(state=S.IN_DOUBT, next_check_at=AT)
    d.accepted(AT + dt.timedelta(hours=1))
    assert (d.state, d.next_check_at) == (S.IN_DOUBT, AT)


def test_in_doubt_starts_the_queries_and_a_result_ends_them() -> None:
    d = debit()
    d.in_doubt("no 9120 in time", AT)
    assert (d.state, d.next_check_at, d.query_step) == (S.IN_DOUBT, AT, 0)
    d.query_scheduled(AT + dt.timedelta(minutes=5), 1)
    d.unknown_result("12345", "未知", AT + dt.timedelta(minutes=6))
    assert (d.result_code, d.next_check_at, d.query_step) == ("12345", AT + dt.timedelta(minutes=6), 0)
    d.succeeded(DAY, at=AT + dt.timedelta(minutes=7))
    assert (d.next_check_at, d.resolved_at) == (None, AT + dt.timedelta(minutes=7))


def test_the_resend_after_98_keeps_the_key_and_takes_a_new_msg_id() -> None:
    d = debit(state=S.IN_DOUBT, msg_id="20241105093000000001")
    d.resend_after_not_found(DAY)
    d.sent("20241105094000000009", AT, AT + dt.timedelta(seconds=10))
    assert (d.state, d.resent, d.msg_id, d.tra_no) == (S.SENT, True, "20241105094000000009", "00000123")


@pytest.mark.parametrize("state,reversed_", [(S.SENT, True), (S.ACCEPTED, True), (S.IN_DOUBT, True),
                                             (S.SUCCEEDED, True), (S.FAILED, False),
                                             (S.REVERSED, False)])
def test_a_reversal_confirmed_by_the_ets(state: S, reversed_: bool) -> None:
    d = debit(state=state, next_check_at=AT)
    assert d.reversal_confirmed("9004 OpStat 97", at=AT) is reversed_
    if reversed_:
        assert (d.state, d.next_check_at, d.resolved_at) == (S.REVERSED, None, AT)
    else:
        assert d.state is state


def test_levy_amounts_are_exact_and_add_up() -> None:
    assert debit().levy_amount(2) == Decimal("3086.40")
    with pytest.raises(InvalidAmount, match="不等于"):
        debit(amount=Decimal("12345.61"))
    with pytest.raises(InvalidAmount, match="个金额"):
        debit(levy_amounts=AMOUNTS[:2], amount=Decimal("11726.40"))
    assert debit(originator="").originator == "14401060000"
    assert debit(kind=DebitKind.COUNTER, originator="102581000013").originator == "102581000013"
