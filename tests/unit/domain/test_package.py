import datetime as dt
from itertools import product

import pytest

from gateway.domain.batch import TRANSITIONS, Package, PackageState as P
from gateway.domain.calendar import ClearingCalendar
from gateway.domain.errors import IllegalTransition

ALLOWED = {(P.SENT, P.ACCEPTED), (P.SENT, P.ANSWERED), (P.SENT, P.FAILED), (P.SENT, P.STOPPED),
           (P.ACCEPTED, P.ANSWERED), (P.ACCEPTED, P.FAILED), (P.ACCEPTED, P.STOPPED),
           (P.FAILED, P.ANSWERED)}


def package(state=P.SENT) -> Package:
    return Package(id=1, tax_org_code="14401060000", entrust_date=dt.date(2024, 11, 5),
                   pack_no="00000045", pay_bk_code="102581000013", item_count=3000, state=state)


def test_table():
    assert {(a, b) for a, ts in TRANSITIONS.items() for b in ts} == ALLOWED


@pytest.mark.parametrize("current,target", sorted(ALLOWED))
def test_allowed(current, target):
    p = package(current)
    p.go(target)
    assert p.state is target


@pytest.mark.parametrize("current,target", [(a, b) for a, b in product(P, P)
                                            if (a, b) not in ALLOWED])
def test_refused(current, target):
    p = package(current)
    with pytest.raises(IllegalTransition) as err:
        p.go(target, "test")
    assert p.state is current and "14401060000/20241105/00000045" in str(err.value)


def test_deadline_and_return_term():
    cal = ClearingCalendar()
    assert package().deadline(cal) == dt.datetime(2024, 11, 7)
    with pytest.raises(ValueError):
        Package(id=1, tax_org_code="1", entrust_date=dt.date(2024, 11, 5), pack_no="00000001",
                pay_bk_code="1", item_count=1, return_term=11)
