"""Maker-checker through the message bus on a real database: a change is pending until a second
person approves it; a value in force is only superseded; a stale proposal is refused at approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from gateway.domain.reference import ParameterKey, ParameterKind, ParameterVersion
from gateway.domain.reference_changes import ChangeAction, ParameterChange, ProposalState
from gateway.domain.reference_commands import (ApproveParameterChange, ProposeParameterChange,
                                               RejectParameterChange)
from gateway.domain.reference_errors import SameApprover
from gateway.domain.reference_timeline import TimelineEdit
from gateway.persistence.records import ParameterProposalRecord, ParameterVersionRecord
from gateway.services import reference as service
from gateway.services.messagebus import MessageBus
from gateway.services.options import GatewayOptions

D = Decimal
KEY = ParameterKey(ParameterKind.BASE_CEILING, "4401", "UNIT")


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock(dt.datetime(2025, 5, 10, 9, 0))


@pytest.fixture
def bus(uow, clock):
    with uow() as u:  # the value in force: 社保年度 2024
        u.parameters.apply([TimelineEdit(added=(ParameterVersion(
            KEY, dt.date(2024, 7, 1), dt.date(2025, 6, 30), D("26421.00")),))], None)
        u.commit()
    return MessageBus(uow, GatewayOptions(), clock, handlers=service.REFERENCE_HANDLERS)


def _history(uow):
    with uow() as u:
        return [(v.valid_from, v.valid_to, v.value) for v in u.parameters.timeline(KEY).versions]


def _schedule(value="28000.00", start=dt.date(2025, 6, 1), end=None):
    return ParameterChange(ChangeAction.SCHEDULE, KEY, start, end, D(value))


def test_a_change_takes_effect_only_with_a_second_persons_approval(bus, uow):
    before = _history(uow)
    proposal = bus.handle(ProposeParameterChange((_schedule(),), "staff_gz", "2025年度上限提前"))
    assert proposal.state is ProposalState.PENDING and _history(uow) == before
    with pytest.raises(SameApprover):
        bus.handle(ApproveParameterChange(proposal.id, "staff_gz"))
    assert _history(uow) == before
    done = bus.handle(ApproveParameterChange(proposal.id, "head_gz", "同意"))
    assert done.applied == {"added": 1, "changed": 1, "removed": 0}
    assert _history(uow) == [(dt.date(2024, 7, 1), dt.date(2025, 5, 31), D("26421.00")),
                             (dt.date(2025, 6, 1), None, D("28000.00"))]
    with uow() as u:
        row = u.session.scalars(select(ParameterProposalRecord).where(
            ParameterProposalRecord.id == proposal.id)).one()
        versions = u.parameters.versions(city_code="4401")
        assert (row.state, row.maker, row.checker, row.note) == ("APPROVED", "staff_gz", "head_gz", "同意")
        assert row.decided_at is not None and row.applied == "added=1 changed=1 removed=0"
    new = next(v for v in versions if v.value == D("28000.00"))
    with uow() as u:  # the new version records the proposal that made it
        assert u.session.get(ParameterVersionRecord, new.id).proposal_id == proposal.id


def test_the_value_in_force_cannot_be_corrected_only_superseded(bus, uow):
    with uow() as u:
        in_force = u.parameters.timeline(KEY).versions[0]
    correct = ParameterChange(ChangeAction.CORRECT, KEY, dt.date(2024, 7, 1), dt.date(2025, 6, 30),
                              D("1.00"), in_force.id)
    with pytest.raises(service.ProposalRefused, match="已于 2024-07-01 生效，不能修改"):
        bus.handle(ProposeParameterChange((correct,), "staff_gz", "改错"))
    past = _schedule(start=dt.date(2025, 5, 1))
    with pytest.raises(service.ProposalRefused, match="未来日期"):
        bus.handle(ProposeParameterChange((past,), "staff_gz", "补录"))


def test_a_future_value_is_corrected_and_withdrawn_through_proposals(bus, uow):
    p = bus.handle(ProposeParameterChange((_schedule(start=dt.date(2025, 7, 1)),), "staff_gz", "新年度"))
    bus.handle(ApproveParameterChange(p.id, "head_gz"))
    with uow() as u:
        future = u.parameters.timeline(KEY).versions[-1]
    fix = ParameterChange(ChangeAction.CORRECT, KEY, dt.date(2025, 7, 1), None, D("27800.00"), future.id)
    p2 = bus.handle(ProposeParameterChange((fix,), "staff_gz", "数值有误"))
    bus.handle(ApproveParameterChange(p2.id, "head_fs"))
    assert _history(uow)[-1] == (dt.date(2025, 7, 1), None, D("27800.00"))
    drop = ParameterChange(ChangeAction.WITHDRAW, KEY, dt.date(2025, 7, 1), None, D("27800.00"), future.id)
    p3 = bus.handle(ProposeParameterChange((drop,), "staff_gz", "暂缓"))
    bus.handle(ApproveParameterChange(p3.id, "head_gz"))
    # The withdrawn period goes back to the value before it, which runs on until superseded.
    assert _history(uow) == [(dt.date(2024, 7, 1), None, D("26421.00"))]


def test_a_stale_proposal_is_refused_at_approval_and_stays_pending(bus, uow, clock):
    p = bus.handle(ProposeParameterChange((_schedule(start=dt.date(2025, 5, 20)),), "staff_gz", "x"))
    clock.now = dt.datetime(2025, 5, 21, 9, 0)  # its start date has passed while it waited
    with pytest.raises(service.ProposalRefused, match="未来日期"):
        bus.handle(ApproveParameterChange(p.id, "head_gz"))
    with uow() as u:
        assert u.proposals.get(p.id).state is ProposalState.PENDING
    rejected = bus.handle(RejectParameterChange(p.id, "head_gz", "已过生效日期"))
    assert rejected.state is ProposalState.REJECTED
    assert _history(uow) == [(dt.date(2024, 7, 1), dt.date(2025, 6, 30), D("26421.00"))]


def test_two_proposals_for_the_same_period_the_second_approval_names_the_overlap(bus, uow):
    first = bus.handle(ProposeParameterChange((_schedule("28000.00", dt.date(2025, 7, 1)),), "a", "x"))
    second = bus.handle(ProposeParameterChange((_schedule("29000.00", dt.date(2025, 7, 1)),), "b", "y"))
    bus.handle(ApproveParameterChange(first.id, "c"))
    with pytest.raises(service.ProposalRefused, match="有效期重叠.*28000.00.*29000.00"):
        bus.handle(ApproveParameterChange(second.id, "c"))
