"""The counter voucher's reservation and payment (§6.4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.domain.errors import IllegalTransition, InvalidAmount
from gateway.domain.levy import LockKind, LockOwner
from gateway.domain.voucher import TRANSITIONS, CounterVoucher, VoucherState as W

UNTIL = dt.datetime(2024, 11, 5, 10, 30)


def voucher() -> CounterVoucher:
    return CounterVoucher(id=5, tax_vou_no="344010624110500001", tax_org_code="14401060000",
                          payer_id=1, levy_ids=(1, 2), total=Decimal("100.50"))


def test_table() -> None:
    assert {(a, b) for a, ts in TRANSITIONS.items() for b in ts} == {
        (W.ISSUED, W.RESERVED), (W.ISSUED, W.PAID), (W.RESERVED, W.ISSUED), (W.RESERVED, W.PAID)}


def test_reserve_renew_release_and_pay() -> None:
    v = voucher()
    assert v.owner == LockOwner(LockKind.COUNTER, "5")
    v.reserve(UNTIL)
    v.reserve(UNTIL + dt.timedelta(minutes=10))  # a repeated 2091 renews it
    assert (v.state, v.reserved_until) == (W.RESERVED, UNTIL + dt.timedelta(minutes=10))
    v.release()
    assert (v.state, v.reserved_until) == (W.ISSUED, None)
    v.release()  # releasing a printable voucher changes nothing
    assert v.state is W.ISSUED
    v.paid()  # a lapsed reservation may still be paid
    assert (v.state, v.reserved_until) == (W.PAID, None)
    v.release()
    assert v.state is W.PAID
    with pytest.raises(IllegalTransition):
        v.reserve(UNTIL)
    with pytest.raises(IllegalTransition):
        v.paid()


def test_the_total_is_exact_money() -> None:
    with pytest.raises(InvalidAmount):
        CounterVoucher(id=None, tax_vou_no="1", tax_org_code="1", payer_id=1, levy_ids=(1,),
                       total=Decimal("1.005"))
    with pytest.raises(ValueError, match="no id"):
        _ = CounterVoucher(id=None, tax_vou_no="1", tax_org_code="1", payer_id=1, levy_ids=(1,),
                           total=Decimal("1.00")).owner
