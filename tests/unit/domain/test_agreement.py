import datetime as dt
from itertools import product

import pytest

from gateway.domain.agreement import (TRANSITIONS, Agreement, AgreementChannel, AgreementState as A,
                                      mask_account)
from gateway.domain.errors import AgreementNotActive, IllegalTransition

NOW = dt.datetime(2024, 11, 5, 9, 30)
ALLOWED = {
    (A.PENDING, A.ACTIVE), (A.PENDING, A.REJECTED), (A.PENDING, A.TERMINATED),
    (A.ACTIVE, A.REVOKED), (A.ACTIVE, A.SUSPENDED), (A.ACTIVE, A.TERMINATED),
    (A.SUSPENDED, A.ACTIVE), (A.SUSPENDED, A.REVOKED), (A.SUSPENDED, A.TERMINATED),
    (A.REJECTED, A.PENDING), (A.REJECTED, A.TERMINATED),
}


def agreement(state=A.PENDING) -> Agreement:
    return Agreement(id=1, protocol_no="4401062024000000456", payer_id=1, tax_org_code="14401060000",
                     pay_bk_code="102581000013", pay_op_bk_code="102581002107",
                     pay_acct="3602000109200123456", hand_org_name="广州市天河区云帆信息科技有限公司",
                     channel=AgreementChannel.ONLINE, state=state)


def test_table():
    assert {(a, b) for a, ts in TRANSITIONS.items() for b in ts} == ALLOWED


def test_verify_passes_activates_with_time():
    a = agreement()
    a.verified(True, "", NOW)
    assert a.state is A.ACTIVE and a.activated_at == NOW
    a.ensure_debitable()


def test_verify_fails_rejects_with_reason():
    a = agreement()
    a.verified(False, "户名不符", NOW)
    assert a.state is A.REJECTED and a.reason == "户名不符"
    with pytest.raises(AgreementNotActive, match="REJECTED"):
        a.ensure_debitable()


def test_suspend_and_reverify():
    a = agreement(A.ACTIVE)
    a.suspend("24009", "无协议")
    assert a.state is A.SUSPENDED
    a.suspend("24001", "again")  # idempotent
    a.verified(False, "still wrong", NOW)
    assert a.state is A.SUSPENDED
    a.verified(True, "", NOW)
    assert a.state is A.ACTIVE


def test_revoke_only_from_active_or_suspended():
    a = agreement(A.ACTIVE)
    a.revoked()
    assert a.state is A.REVOKED
    with pytest.raises(IllegalTransition):
        agreement(A.PENDING).revoked()
    with pytest.raises(IllegalTransition):
        a.verified(True, "", NOW)


def test_resubmit_after_rejection():
    a = agreement(A.REJECTED)
    a.resubmit()
    assert a.state is A.PENDING


@pytest.mark.parametrize("current,target", [(a, b) for a, b in product(A, A)
                                            if (a, b) not in ALLOWED and a is not b])
def test_refused(current, target):
    from gateway.domain import states

    with pytest.raises(IllegalTransition):
        states.check(TRANSITIONS, "agreement", "P1", current, target)


def test_mask_account():
    assert mask_account("3602000109200123456") == "3602***********3456"
    assert mask_account("1234") == "****"
