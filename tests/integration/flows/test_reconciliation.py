"""Day-end reconciliation (§6.8) and the fund entry report (§6.9) on SQLite and PostgreSQL: each
kind of discrepancy from an altered 3122, settlement, idempotent re-runs, the missing
sub-package alert, and a fund report that breaks the balance identity."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from gateway.codec.messages import (BatchHead3122, BillHead3128, CompDeduct3122, Msg2001,
                                    Msg3122, Msg3128, Msg9120, MsgReturn9120, SingleReturn2001,
                                    Stock3128)
from gateway.domain.commands import SubmitDebit
from gateway.domain.errors import IllegalTransition
from gateway.domain.reconciliation import (ALERT_FUND_UNBALANCED, ALERT_SUBPACKAGE_MISSING,
                                           ResolveDiscrepancy, RunReconciliation)
from gateway.persistence.records import (AlertRecord, DebitRecord, FundReportLineRecord,
                                         LevyRecord, ReconDiscrepancyRecord, ReconPackageRecord)
from tests.integration.flows.conftest import DAY, make_harness

ORG = "14401060000"
TREASURY = "4401000000"


@pytest.fixture
def h(tmp_path, db_url):
    harness = make_harness(tmp_path, db_url, recon_absent_grace_days=0)
    yield harness
    harness.rt.close()


def paid_debit(h, payer, result="90000"):
    """A single debit of all the payer's levies, answered ``result`` (SUCCEEDED when 90000)."""
    d = h.handle(SubmitDebit(payer_id=payer, levy_ids=tuple(h.data.levies[payer]),
                             requested_by="test"))
    req = h.last("1001")
    h.deliver(Msg9120(MsgReturn9120(ori_msg_no="1001", result="90000")), msg_ref=req.head.msg_id)
    h.deliver(Msg2001(SingleReturn2001(
        ori_tax_org_code=ORG, ori_entrust_date=DAY, ori_tra_no=req.body.real_head1001.tra_no,
        tax_vou_no=req.body.payment1001.tax_vou_no,
        tax_date=DAY if result == "90000" else None, result=result)), msg_ref=req.head.msg_id)
    return d


def item_of(d, **changes) -> CompDeduct3122:
    base = CompDeduct3122(TREASURY, "1001", ORG, DAY, "00000000", d.tra_no, d.tax_vou_no,
                          d.amount, DAY, "20")
    return dataclasses.replace(base, **changes)


def send_3122(h, items, child: int = 1, only: tuple[int, ...] | None = None, pack_no="00000031"):
    """The package of ``items`` in ``child`` sub-packages; ``only`` delivers just those."""
    items = list(items)
    total = sum((i.tra_amt for i in items), Decimal("0.00"))
    size = -(-len(items) // child) if items else 0
    chunks = [items[n * size:(n + 1) * size] for n in range(child)] if items else [[]]
    outcomes = []
    for number, chunk in enumerate(chunks, 1):
        if only is not None and number not in only:
            continue
        head = BatchHead3122(DAY, pack_no, ORG, len(items), total, len(chunks), number,
                             len(chunk), sum((i.tra_amt for i in chunk), Decimal("0.00")))
        outcomes.append(h.deliver(Msg3122(head, tuple(chunk)), queue=h.rt.queues.batch_out,
                                  work_date=DAY + dt.timedelta(days=1)))
    return outcomes


def rows(h, record, *where):
    with h.rt.app.engine.connect() as conn:
        return conn.execute(select(record).where(*where).order_by(record.id)).all()


def levy_states(h, payer):
    return [r.state for r in rows(h, LevyRecord, LevyRecord.payer_id == payer)]


def kinds(h):
    return sorted((r.kind, r.debit_id) for r in rows(h, ReconDiscrepancyRecord))


def test_each_kind_of_discrepancy_and_settlement(h):
    p0, p1, p2 = h.data.payers
    good, dearer, revoucher = (paid_debit(h, p) for p in (p0, p1, p2))
    unknown = item_of(good, ori_tra_no="00009999", ori_tax_vou_no="X1")
    counter = item_of(good, ori_msg_no="2108", ori_send_org_code="102581000013",
                      ori_tra_no="00000077", ori_tax_vou_no="Y1")
    send_3122(h, [item_of(good), item_of(dearer, tra_amt=dearer.amount + Decimal("0.01")),
                  item_of(revoucher, ori_tax_vou_no="344010600000000001"), unknown, counter])
    assert levy_states(h, p0) == ["SETTLED"] * 3
    assert levy_states(h, p1) == levy_states(h, p2) == ["PAID"] * 3  # held until resolved
    assert kinds(h) == sorted([("AMOUNT", dearer.id), ("VOUCHER", revoucher.id),
                               ("UNKNOWN", 0), ("COUNTER_UNKNOWN", 0)])
    amount = next(r for r in rows(h, ReconDiscrepancyRecord) if r.kind == "AMOUNT")
    assert (amount.reported_amount, amount.held_amount) == (dearer.amount + Decimal("0.01"),
                                                            dearer.amount)
    pkg = rows(h, ReconPackageRecord)[0]
    assert (pkg.state, pkg.items, pkg.settled_items, pkg.settled_levies, pkg.discrepancies) == (
        "RECONCILED", 5, 1, 3, 4)

    # idempotent: the same figures, no second line, settled stays settled
    h.handle(RunReconciliation(DAY, operator="ops"))
    h.handle(RunReconciliation(DAY))
    assert kinds(h) == sorted([("AMOUNT", dearer.id), ("VOUCHER", revoucher.id),
                               ("UNKNOWN", 0), ("COUNTER_UNKNOWN", 0)])
    again = rows(h, ReconPackageRecord)[0]
    assert (again.items, again.settled_items, again.settled_levies, again.discrepancies,
            again.runs) == (5, 1, 3, 4, 3)
    assert levy_states(h, p0) == ["SETTLED"] * 3

    # staff resolve the amount difference: note kept, its levies settled; twice is refused
    h.handle(ResolveDiscrepancy(amount.id, operator="staff1", note="银行确认金额差一分已退回"))
    done = rows(h, ReconDiscrepancyRecord, ReconDiscrepancyRecord.id == amount.id)[0]
    assert (done.state, done.resolved_by, done.note) == ("RESOLVED", "staff1",
                                                         "银行确认金额差一分已退回")
    assert levy_states(h, p1) == ["SETTLED"] * 3
    with pytest.raises(IllegalTransition):
        h.handle(ResolveDiscrepancy(amount.id, operator="staff1", note="again"))


def test_absent_reversed_and_state_differs(h):
    p0, p1, p2 = h.data.payers
    reversed_there, absent = paid_debit(h, p0), paid_debit(h, p1)
    failed_here = paid_debit(h, p2, result="24007")  # FAILED here, entered there
    send_3122(h, [item_of(reversed_there, op_stat="97"), item_of(failed_here)])
    assert kinds(h) == sorted([("REVERSED_PAID", reversed_there.id), ("ABSENT", absent.id),
                               ("STATE_DIFFERS", failed_here.id)])
    assert levy_states(h, p0) == levy_states(h, p1) == ["PAID"] * 3
    h.handle(RunReconciliation(DAY))
    assert len(rows(h, ReconDiscrepancyRecord)) == 3


def test_absence_waits_for_the_grace(tmp_path, db_url):
    h = make_harness(tmp_path, db_url, recon_absent_grace_days=1)
    try:
        absent = paid_debit(h, h.data.payers[0])
        send_3122(h, [])
        assert kinds(h) == []  # one clearing day of grace: not yet
        next_day = DAY + dt.timedelta(days=1)  # Wednesday 20241106
        empty = Msg3122(BatchHead3122(next_day, "00000040", ORG, 0, Decimal("0.00"), 1, 1, 0,
                                      Decimal("0.00")), ())
        h.deliver(empty, queue=h.rt.queues.batch_out, work_date=next_day)
        assert kinds(h) == [("ABSENT", absent.id)]
        line = rows(h, ReconDiscrepancyRecord)[0]
        assert line.chk_date == DAY  # listed on the date it belongs to
    finally:
        h.rt.close()


def test_duplicate_sub_package_is_ignored_and_a_missing_one_alerted(h):
    d = paid_debit(h, h.data.payers[0])
    other = paid_debit(h, h.data.payers[1])
    items = [item_of(d), item_of(other)]
    assert send_3122(h, items, child=2, only=(1,)) == ["PROCESSED"]
    assert send_3122(h, items, child=2, only=(1,)) == ["DUPLICATE"]
    assert rows(h, ReconPackageRecord)[0].state == "RECEIVING"
    assert levy_states(h, h.data.payers[0]) == ["PAID"] * 3
    h.handle(RunReconciliation())  # before 12:00 of the next clearing day: no alert yet
    assert not rows(h, AlertRecord, AlertRecord.source == ALERT_SUBPACKAGE_MISSING)
    h.clock.t = dt.datetime(2024, 11, 6, 12, 0)
    h.handle(RunReconciliation())
    h.handle(RunReconciliation())  # alerted once
    alerts = rows(h, AlertRecord, AlertRecord.source == ALERT_SUBPACKAGE_MISSING)
    assert len(alerts) == 1 and "缺子包：2" in alerts[0].message
    assert send_3122(h, items, child=2, only=(2,)) == ["PROCESSED"]
    assert rows(h, ReconPackageRecord)[0].state == "RECONCILED"
    assert levy_states(h, h.data.payers[0]) == ["SETTLED"] * 3
    assert kinds(h) == []


def test_fund_report_is_stored_per_account_and_a_violation_alerted(h):
    good = Stock3128(TREASURY, "4401000000270001", "社保费专户", DAY, Decimal("100.00"),
                     Decimal("20.00"), Decimal("5.00"), Decimal("115.00"))
    bad = Stock3128("4406000000", "4406000000270001", "社保费专户", DAY, Decimal("100.00"),
                    Decimal("20.00"), Decimal("0.00"), Decimal("119.99"))
    h.deliver(Msg3128(BillHead3128(DAY, 2), (good, bad)), queue=h.rt.queues.batch_out)
    lines = rows(h, FundReportLineRecord)
    assert [(r.tre_code, r.balanced, r.difference) for r in lines] == [
        (TREASURY, True, Decimal("0.00")), ("4406000000", False, Decimal("0.01"))]
    assert lines[0].acct_name == "社保费专户" and lines[0].report_date == DAY
    alerts = rows(h, AlertRecord, AlertRecord.source == ALERT_FUND_UNBALANCED)
    assert len(alerts) == 1 and "4406000000/4406000000270001" in alerts[0].message
    assert TREASURY + "/" not in alerts[0].message


def test_an_office_with_business_but_no_3122_is_alerted(h):
    paid_debit(h, h.data.payers[0])
    h.handle(RunReconciliation())  # the work date is still DAY: nothing closed yet
    with h.rt.uow() as uow:  # the ETS moved to the next day (as a 9101 would)
        uow.state.set("work_date", "20241106", h.clock())
        uow.commit()
    h.clock.t = dt.datetime(2024, 11, 6, 11, 59)
    h.handle(RunReconciliation())
    assert not rows(h, AlertRecord, AlertRecord.source == ALERT_SUBPACKAGE_MISSING)
    h.clock.t = dt.datetime(2024, 11, 6, 12, 0)
    h.handle(RunReconciliation())
    h.handle(RunReconciliation())
    alerts = rows(h, AlertRecord, AlertRecord.source == ALERT_SUBPACKAGE_MISSING)
    assert len(alerts) == 1 and "未收到任何子包" in alerts[0].message
    # the package arrives late: it replaces the placeholder and is reconciled
    send_3122(h, [item_of(rows(h, DebitRecord)[0])])
    (pkg,) = rows(h, ReconPackageRecord)
    assert (pkg.pack_no, pkg.state) == ("00000031", "RECONCILED")
    assert levy_states(h, h.data.payers[0]) == ["SETTLED"] * 3
