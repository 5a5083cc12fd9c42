"""Maker-checker proposals and the bank-branch directory entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.domain.bank_directory import BankBranch, BranchState
from gateway.domain.reference import ParameterKey, ParameterKind
from gateway.domain.reference_changes import ChangeAction, ParameterChange, Proposal, ProposalState
from gateway.domain.reference_errors import (InvalidBankBranch, InvalidParameter, ProposalNotPending,
                                             SameApprover)

NOW = dt.datetime(2025, 3, 1, 10, 0)
KEY = ParameterKey(ParameterKind.BASE_CEILING, "4401", "UNIT")
CHANGE = ParameterChange(ChangeAction.SCHEDULE, KEY, dt.date(2025, 7, 1), None, Decimal("28000.00"))


def _proposal() -> Proposal:
    return Proposal(7, "staff_gz", "2025年度上限", NOW, (CHANGE,))


def test_a_second_different_person_approves_once():
    p = _proposal()
    with pytest.raises(SameApprover, match="另一人"):
        p.approve("staff_gz", NOW)
    assert p.state is ProposalState.PENDING
    p.approve("head_gz", NOW, "同意")
    assert (p.state, p.checker, p.decided_at, p.note) == (ProposalState.APPROVED, "head_gz", NOW, "同意")
    with pytest.raises(ProposalNotPending):
        p.approve("other", NOW)
    with pytest.raises(ProposalNotPending):
        p.withdraw("staff_gz", NOW)


def test_reject_needs_a_reason_and_another_person_withdraw_only_the_maker():
    p = _proposal()
    with pytest.raises(InvalidParameter, match="理由"):
        p.reject("head_gz", NOW, " ")
    with pytest.raises(SameApprover):
        p.reject("staff_gz", NOW, "不对")
    with pytest.raises(InvalidParameter, match="提出人"):
        p.withdraw("head_gz", NOW)
    p.withdraw("staff_gz", NOW)
    assert p.state is ProposalState.WITHDRAWN


def test_a_change_names_its_target_exactly_when_it_needs_one():
    with pytest.raises(InvalidParameter):
        ParameterChange(ChangeAction.CORRECT, KEY, dt.date(2025, 7, 1), None, Decimal("1.00"))
    with pytest.raises(InvalidParameter):
        ParameterChange(ChangeAction.SCHEDULE, KEY, dt.date(2025, 7, 1), None, Decimal("1.00"), 3)
    with pytest.raises(InvalidParameter):
        Proposal(None, "", "x", NOW, (CHANGE,))
    with pytest.raises(InvalidParameter):
        Proposal(None, "staff_gz", "x", NOW, ())
    assert "原版本 #3" in ParameterChange(ChangeAction.WITHDRAW, KEY, dt.date(2025, 7, 1), None,
                                          Decimal("1.00"), 3).describe()


def test_bank_branch_entries_are_checked():
    b = BankBranch(" 102581002107", "中国工商银行广州天河支行 ", "中国工商银行", "102581000013", "4401")
    assert (b.code, b.name, b.state) == ("102581002107", "中国工商银行广州天河支行", BranchState.ACTIVE)
    for bad in (dict(code="10258100210"), dict(clearing_code="x" * 12), dict(name=""),
                dict(city_code="44010"), dict(state="GONE")):
        fields = dict(code="102581002107", name="n", bank_name="b", clearing_code="102581000013",
                      city_code="4401") | bad
        with pytest.raises(InvalidBankBranch):
            BankBranch(**fields)
