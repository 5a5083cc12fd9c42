import datetime as dt
from decimal import Decimal
from itertools import product

import pytest

from gateway.domain.errors import IllegalTransition, LevyLocked
from gateway.domain.levy import TRANSITIONS, Levy, LevyState, LockKind, LockOwner, PaymentOutcome

D1 = LockOwner(LockKind.DEBIT, "1")
D2 = LockOwner(LockKind.DEBIT, "2")
TODAY = dt.date(2024, 11, 5)


def levy(state=LevyState.UNPAID, owner=None) -> Levy:
    lv = Levy(id=7, payer_id=1, tax_org_code="14401060000", insurance_code="PENSION",
              period_start=dt.date(2024, 10, 1), period_end=dt.date(2024, 10, 31),
              amount=Decimal("8640.00"))
    lv.state, lv.lock_owner = state, owner
    if state is LevyState.PAID:
        lv.paid_by = str(owner or D1)
    return lv


def test_table_matches_the_state_model_of_the_interface():
    allowed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert allowed == {
        (LevyState.UNPAID, LevyState.LOCKED), (LevyState.LOCKED, LevyState.PAID),
        (LevyState.LOCKED, LevyState.UNPAID), (LevyState.UNPAID, LevyState.PAID),
        (LevyState.PAID, LevyState.UNPAID), (LevyState.PAID, LevyState.SETTLED),
        (LevyState.UNPAID, LevyState.VOIDED),
    }


def test_lock_and_release_by_owner():
    lv = levy()
    lv.lock(D1, "1001 sent")
    assert lv.state is LevyState.LOCKED and lv.lock_owner == D1
    lv.unlock(D1, "2001 24007")
    assert lv.state is LevyState.UNPAID and lv.lock_owner is None
    assert "released by 2001 24007" in lv.history[-1]


def test_one_lock_only():
    lv = levy()
    lv.lock(D1, "1001 sent")
    with pytest.raises(LevyLocked) as err:
        lv.lock(D2, "another debit")
    assert "locked by DEBIT:1" in str(err.value)
    assert err.value.rule == "levy.one_lock"


def test_repeated_lock_by_same_owner_restarts_reservation():
    lv = levy()
    counter = LockOwner(LockKind.COUNTER, "V1")
    lv.lock(counter, "2091", until=dt.datetime(2024, 11, 5, 10, 0))
    lv.lock(counter, "2091 again", until=dt.datetime(2024, 11, 5, 10, 30))
    assert lv.lock_until == dt.datetime(2024, 11, 5, 10, 30)


def test_only_owner_unlocks():
    lv = levy()
    lv.lock(D1, "sent")
    with pytest.raises(IllegalTransition, match="only the lock owner"):
        lv.unlock(D2, "wrong owner")
    assert lv.state is LevyState.LOCKED


@pytest.mark.parametrize("state", [LevyState.UNPAID, LevyState.PAID, LevyState.SETTLED, LevyState.VOIDED])
def test_unlock_refused_when_not_locked(state):
    with pytest.raises(IllegalTransition):
        levy(state).unlock(D1, "x")


def test_success_pays_locked_levy_once_and_flags_the_second():
    lv = levy()
    lv.lock(D1, "sent")
    assert lv.apply_success(D1, TODAY) is PaymentOutcome.APPLIED
    assert lv.state is LevyState.PAID and lv.tax_date == TODAY and lv.paid_by == "DEBIT:1"
    assert lv.apply_success(D2, TODAY) is PaymentOutcome.DUPLICATE
    assert lv.paid_by == "DEBIT:1"


def test_late_success_on_levy_locked_by_another_payment_pays_it():
    lv = levy()
    lv.lock(D2, "new debit")
    assert lv.apply_success(D1, TODAY) is PaymentOutcome.APPLIED
    assert lv.state is LevyState.PAID and lv.lock_owner is None
    assert lv.apply_success(D2, TODAY) is PaymentOutcome.DUPLICATE


def test_late_success_on_unpaid_levy():
    lv = levy()
    assert lv.apply_success(D1, TODAY) is PaymentOutcome.APPLIED


@pytest.mark.parametrize("state", [LevyState.SETTLED, LevyState.VOIDED])
def test_success_on_final_levy_is_duplicate(state):
    lv = levy(state)
    assert lv.apply_success(D1, TODAY) is PaymentOutcome.DUPLICATE
    assert lv.state is state


def test_reversal_from_paid_and_from_locked():
    lv = levy()
    lv.lock(D1, "sent")
    lv.apply_success(D1, TODAY)
    lv.reverse(D1)
    assert lv.state is LevyState.UNPAID and lv.tax_date is None
    lv.lock(D1, "sent again")
    lv.reverse(D1)
    assert lv.state is LevyState.UNPAID


def test_reversal_of_another_payment_is_refused():
    lv = levy()
    lv.apply_success(D1, TODAY)
    with pytest.raises(IllegalTransition, match="paid by DEBIT:1"):
        lv.reverse(D2)


def test_settle_only_from_paid():
    lv = levy()
    with pytest.raises(IllegalTransition):
        lv.settle()
    lv.apply_success(D1, TODAY)
    lv.settle()
    assert lv.state is LevyState.SETTLED
    with pytest.raises(IllegalTransition):
        lv.reverse(D1)


def test_void_refused_while_locked_names_the_payment():
    lv = levy()
    lv.lock(D1, "abandoned payment")
    with pytest.raises(LevyLocked, match="resolve it first"):
        lv.void()
    lv.unlock(D1, "resolved")
    lv.void()
    assert lv.state is LevyState.VOIDED


@pytest.mark.parametrize("state", [LevyState.PAID, LevyState.SETTLED, LevyState.VOIDED])
def test_void_refused_unless_unpaid(state):
    with pytest.raises(IllegalTransition):
        levy(state).void()


@pytest.mark.parametrize("state", [LevyState.PAID, LevyState.SETTLED, LevyState.VOIDED])
def test_lock_refused_unless_unpaid(state):
    with pytest.raises(IllegalTransition):
        levy(state).lock(D1, "x")


def test_every_refused_pair_is_refused_by_the_table():
    from gateway.domain import states

    for a, b in product(LevyState, LevyState):
        if b in TRANSITIONS[a]:
            continue
        with pytest.raises(IllegalTransition) as err:
            states.check(TRANSITIONS, "levy", 1, a, b)
        assert f"{a.value} -> {b.value}" in str(err.value)


def test_levy_amount_positive_and_period_ordered():
    with pytest.raises(IllegalTransition):
        Levy(id=1, payer_id=1, tax_org_code="1", insurance_code="P", period_start=dt.date(2024, 1, 1),
             period_end=dt.date(2024, 1, 31), amount=Decimal("0.00"))
    with pytest.raises(IllegalTransition):
        Levy(id=1, payer_id=1, tax_org_code="1", insurance_code="P", period_start=dt.date(2024, 2, 1),
             period_end=dt.date(2024, 1, 31), amount=Decimal("1.00"))


def test_a_repeated_report_of_the_same_payment_is_not_a_duplicate():
    lv = levy()
    lv.lock(D1, "sent")
    assert lv.apply_success(D1, TODAY) is PaymentOutcome.APPLIED
    assert lv.apply_success(D1, TODAY) is PaymentOutcome.ALREADY
    assert lv.apply_success(D2, TODAY) is PaymentOutcome.DUPLICATE
