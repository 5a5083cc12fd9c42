import datetime as dt
from decimal import Decimal
from itertools import product

import pytest

from gateway.domain.debit import TRANSITIONS, Debit, DebitKind, DebitState as S, debit_amount
from gateway.domain.errors import IllegalTransition, NotSameWorkDate, TooManyItems

DAY = dt.date(2024, 11, 5)

ALLOWED = {
    (S.SENT, S.ACCEPTED), (S.SENT, S.FAILED), (S.SENT, S.IN_DOUBT), (S.SENT, S.SUCCEEDED),
    (S.ACCEPTED, S.SUCCEEDED), (S.ACCEPTED, S.FAILED), (S.ACCEPTED, S.IN_DOUBT),
    (S.IN_DOUBT, S.SUCCEEDED), (S.IN_DOUBT, S.FAILED), (S.IN_DOUBT, S.REVERSED), (S.IN_DOUBT, S.SENT),
    (S.SUCCEEDED, S.REVERSED), (S.FAILED, S.SUCCEEDED),
}


def debit(state=S.SENT, kind=DebitKind.SINGLE) -> Debit:
    d = Debit(id=1, kind=kind, tax_org_code="14401060000", entrust_date=DAY, tra_no="00000123",
              tax_vou_no="344010624110500123", payer_id=1, amount=Decimal("12345.60"),
              levy_ids=(1, 2, 3))
    d.state = state
    return d


def test_table_is_the_interface_state_model():
    assert {(a, b) for a, ts in TRANSITIONS.items() for b in ts} == ALLOWED
    assert TRANSITIONS[S.REVERSED] == frozenset()


def _apply(d: Debit, target: S) -> None:
    {S.ACCEPTED: d.accepted, S.SUCCEEDED: lambda: d.succeeded(DAY),
     S.FAILED: lambda: d.failed("24007", "余额不足"), S.IN_DOUBT: lambda: d.in_doubt("timeout"),
     S.REVERSED: d.reversed, S.SENT: lambda: d.resend_after_not_found(DAY)}[target]()


@pytest.mark.parametrize("current,target", sorted(ALLOWED))
def test_allowed_transitions(current, target):
    d = debit(current)
    _apply(d, target)
    assert d.state is target


@pytest.mark.parametrize("current,target",
                         [(a, b) for a, b in product(S, S) if (a, b) not in ALLOWED and a is not b])
def test_refused_transitions(current, target):
    d = debit(current)
    if (current, target) == (S.ACCEPTED, S.ACCEPTED):
        return
    if target is S.ACCEPTED:
        d.accepted()  # a late acceptance changes nothing
        assert d.state is current
        return
    with pytest.raises(IllegalTransition) as err:
        _apply(d, target)
    assert d.state is current
    assert "is not allowed" in str(err.value) or "resent" in str(err.value)


def test_success_records_tax_date_and_code():
    d = debit()
    d.succeeded(DAY, "94051")
    assert d.tax_date == DAY and d.result_code == "94051"


def test_resend_only_once_and_only_on_entrust_date():
    d = debit(S.IN_DOUBT)
    with pytest.raises(IllegalTransition, match="moved past"):
        d.resend_after_not_found(DAY + dt.timedelta(days=1))
    d.resend_after_not_found(DAY)
    assert d.state is S.SENT and d.resent
    d.in_doubt("again")
    with pytest.raises(IllegalTransition, match="already resent once"):
        d.resend_after_not_found(DAY)


def test_reversal_rules():
    debit(S.SUCCEEDED).ensure_reversible(DAY)
    debit(S.IN_DOUBT).ensure_reversible(DAY)
    with pytest.raises(NotSameWorkDate):
        debit(S.SUCCEEDED).ensure_reversible(DAY + dt.timedelta(days=1))
    with pytest.raises(IllegalTransition, match="only SUCCEEDED or IN_DOUBT"):
        debit(S.FAILED).ensure_reversible(DAY)
    with pytest.raises(IllegalTransition, match="only single"):
        debit(S.SUCCEEDED, DebitKind.BATCH_ITEM).ensure_reversible(DAY)


def test_limits_and_amount():
    with pytest.raises(TooManyItems):
        Debit(id=1, kind=DebitKind.SINGLE, tax_org_code="1", entrust_date=DAY, tra_no="00000001",
              tax_vou_no="1", payer_id=1, amount=Decimal("1.00"), levy_ids=tuple(range(100)))
    with pytest.raises(IllegalTransition):
        Debit(id=1, kind=DebitKind.SINGLE, tax_org_code="1", entrust_date=DAY, tra_no="00000001",
              tax_vou_no="1", payer_id=1, amount=Decimal("1.00"), levy_ids=())
    assert debit_amount([Decimal("8640.00"), Decimal("3086.40"), Decimal("619.20")]) == Decimal("12345.60")
    assert debit().key == "14401060000/20241105/00000123"
