"""The asynchronous batch on a real database (SQLite and PostgreSQL): selection, packaging in
one transaction per package, the 9121 receipt, a partial 2102, the deadline, a late 2102 with
a duplicate payment, and stops accepted and refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from gateway.codec.messages import (BatchHead2102, BatchReturn2102, Msg2102, Msg2123, Msg9121,
                                    MsgReturn9121, StopReturn2123)
from gateway.domain import batch_messages as bm
from gateway.domain.pending_list import Selection
from gateway.persistence.records import (AlertRecord, BatchListEntryRecord, DebitRecord, LevyRecord,
                                         PackageRecord, RefundCaseRecord, ReviewItemRecord)
from tests.integration.flows.conftest import DAY
from tests.support.seed import BANK, ORG

RUN_AT = dt.datetime(2024, 11, 5, 9, 0)


def deliver(h, body, msg_ref=None, work_date=DAY):
    """As the consumer does: process in one unit of work, commit, then publish what it raised."""
    from gateway.codec import CfxMessage, Head
    from gateway.codec.mq_ids import correl_id_for, msg_id_to_mqmd
    from gateway.transports.base import Envelope
    from tests.integration.flows.conftest import ETS, GW

    msg_id = h.new_msg_id()
    head = Head(ver="1.0", src=ETS, des=GW, app="ETS", msg_no=body.MSG_NO, msg_id=msg_id,
                msg_ref=msg_ref or msg_id, work_date=work_date)
    env = Envelope(body=h.rt.codec.encode(CfxMessage(head=head, body=body)),
                   msg_id=msg_id_to_mqmd(msg_id), correl_id=correl_id_for(body.MSG_NO, msg_ref or msg_id),
                   ccsid=h.rt.codec.ccsid, queue=h.rt.queues.batch_out,
                   put_time=dt.datetime.now(dt.timezone.utc))
    with h.rt.uow() as uow:
        outcome = h.rt.consumer.processor.process(env, uow, None)
        uow.commit()
    h.rt.bus.publish(uow)
    return outcome


def rows(h, stmt):
    with h.rt.app.engine.connect() as conn:
        return conn.execute(stmt).all()


def launch(h, max_items=None):
    summary = h.handle(bm.SelectLevies(Selection(tax_org_code="14401000000", run_at=RUN_AT), "t"))
    return summary, h.handle(bm.PackNext(summary.list_id, "t"))


def accept(h, pkg):
    body = Msg9121(MsgReturn9121("1102", pkg.tax_org_code, pkg.entrust_date, pkg.pack_no, "90000"))
    assert deliver(h, body, msg_ref=pkg.msg_id) == "PROCESSED"


def result_2102(h, pkg, outcomes, pack_no="00000789", work_date=DAY):
    """outcomes: per item in TraNo order, a result code."""
    items = rows(h, select(DebitRecord).where(DebitRecord.package_id == pkg.id)
                 .order_by(DebitRecord.tra_no))
    returns = tuple(BatchReturn2102(i.tra_no, i.amount, i.tax_vou_no,
                                    DAY if code in ("90000", "94051") else None, code)
                    for i, code in zip(items, outcomes, strict=True))
    won = [r for r in returns if r.result in ("90000", "94051")]
    head = BatchHead2102(BANK, work_date, pack_no, pkg.tax_org_code, pkg.entrust_date,
                         pkg.pack_no, len(returns), sum(r.tra_amt for r in returns),
                         len(won), sum((r.tra_amt for r in won), Decimal("0.00")), "90000")
    return deliver(h, Msg2102(head, returns), msg_ref=pkg.msg_id, work_date=work_date)


def levy_states(h):
    return {r.id: r.state for r in rows(h, select(LevyRecord.id, LevyRecord.state))}


def test_selection_packages_locks_and_sends_one_1102(harness):
    h = harness
    summary, pkg = launch(h)
    assert summary.levies == 9 and summary.amount == Decimal("12345.60") * 3
    assert [(g.tax_org_code, g.pay_bk_code, g.payers) for g in summary.groups] == [(ORG, BANK, 3)]
    assert pkg.item_count == 3 and pkg.total_amount == Decimal("12345.60") * 3
    assert set(levy_states(h).values()) == {"LOCKED"}
    m = h.last("1102")
    assert m.body.batch_head1102.all_num == 3 and m.body.batch_head1102.pack_no == pkg.pack_no
    assert [p.tax_type_num for p in m.body.payment1102] == [3, 3, 3]
    assert pkg.deadline_at == dt.datetime(2024, 11, 7)  # end of Wed 20241106
    # nothing left: a second PackNext returns None; the entries are packaged
    assert h.handle(bm.PackNext(summary.list_id, "t")) is None
    assert {r.state for r in rows(h, select(BatchListEntryRecord.state))} == {"IN_PACKAGE"}
    # a new selection excludes packaged levies
    again = h.handle(bm.SelectLevies(Selection(tax_org_code=ORG, run_at=RUN_AT), "t"))
    assert again.levies == 0


def test_partial_2102_pays_and_fails_item_by_item(harness):
    h = harness
    _, pkg = launch(h)
    accept(h, pkg)
    assert {r.state for r in rows(h, select(DebitRecord.state))} == {"ACCEPTED"}
    assert result_2102(h, pkg, ["90000", "24007", "24001"]) == "PROCESSED"
    receipt = h.last("9121").body.msg_return9121
    assert (receipt.ori_msg_no, receipt.result) == ("2102", "90000")
    items = rows(h, select(DebitRecord).order_by(DebitRecord.tra_no))
    assert [i.state for i in items] == ["SUCCEEDED", "FAILED", "FAILED"]
    assert "余额不足" in items[1].reason
    states = [levy_states(h)[lid] for pid in h.data.payers for lid in h.data.levies[pid]]
    assert states == ["PAID"] * 3 + ["UNPAID"] * 6
    assert rows(h, select(PackageRecord.state, PackageRecord.succ_num))[0] == ("ANSWERED", 1)


def test_deadline_fails_and_a_late_2102_pays_or_flags_duplicates(harness):
    h = harness
    _, pkg = launch(h)
    accept(h, pkg)
    h.clock.t = dt.datetime(2024, 11, 7, 0, 0, 1)
    h.sweep()
    assert rows(h, select(PackageRecord.state))[0][0] == "FAILED"
    assert set(levy_states(h).values()) == {"UNPAID"}
    assert [a.source for a in rows(h, select(AlertRecord))] == ["package_deadline"]
    # payer 0 pays another way meanwhile (a single debit would; here the levies are marked paid)
    first = h.data.payers[0]
    with h.rt.uow() as uow:
        for levy in uow.levies.get_many(h.data.levies[first]):
            from gateway.domain.levy import LockKind, LockOwner
            levy.apply_success(LockOwner(LockKind.DEBIT, "999"), DAY)
            uow.levies.save([levy])
        uow.commit()
    assert result_2102(h, pkg, ["90000", "90000", "24007"], work_date=dt.date(2024, 11, 7)) == "PROCESSED"
    items = rows(h, select(DebitRecord).order_by(DebitRecord.tra_no))
    assert [i.state for i in items] == ["SUCCEEDED", "SUCCEEDED", "FAILED"]
    second = h.data.payers[1]
    assert all(levy_states(h)[lid] == "PAID" for lid in h.data.levies[second])
    refunds = rows(h, select(RefundCaseRecord.levy_id, RefundCaseRecord.state))
    assert sorted(r[0] for r in refunds) == sorted(h.data.levies[first])
    assert {r[1] for r in refunds} == {"FLAGGED"}
    kinds = {r[0] for r in rows(h, select(ReviewItemRecord.kind))}
    assert {"DUPLICATE_PAYMENT", "LATE_2102", "LATE_SUCCESS"} <= kinds
    assert rows(h, select(PackageRecord.state, PackageRecord.late))[0] == ("ANSWERED", True)


def test_stop_refused_changes_nothing_and_accepted_unlocks(harness):
    h = harness
    _, pkg = launch(h)
    accept(h, pkg)
    stop = h.handle(bm.StopPackage(pkg.id, "单位申请止付", "t", tra_no="00000002"))
    m = h.last("1123").body.stop_apply1123
    assert (m.stop_type, m.ori_tra_no) == ("0", "00000002")
    refused = Msg2123(StopReturn2123(ORG, DAY, stop.stop_no, pkg.entrust_date, pkg.pack_no,
                                     "00000002", "2", "银行已开始扣款，不能止付"))
    deliver(h, refused)
    assert set(levy_states(h).values()) == {"LOCKED"}
    whole = h.handle(bm.StopPackage(pkg.id, "整包止付", "t"))
    ok = Msg2123(StopReturn2123(ORG, DAY, whole.stop_no, pkg.entrust_date, pkg.pack_no,
                                "00000000", "1"))
    deliver(h, ok)
    assert set(levy_states(h).values()) == {"UNPAID"}
    assert rows(h, select(PackageRecord.state))[0][0] == "STOPPED"
    assert {r.result_code for r in rows(h, select(DebitRecord.result_code))} == {"24020"}


def test_void_reports_what_stays_pending(harness):
    h = harness
    summary = h.handle(bm.SelectLevies(Selection(tax_org_code=ORG, run_at=RUN_AT), "t"))
    h.handle(bm.PackNext(summary.list_id, "t"))  # all three payers packaged
    other = h.handle(bm.SelectLevies(Selection(tax_org_code=ORG, run_at=RUN_AT), "t"))
    assert other.levies == 0
    report = h.handle(bm.VoidPendingEntries(h.data.payers[0], "新申报", "portal"))
    assert not report.complete and len(report.still_pending) == 3
    assert "仍在批扣中" in report.message()


def _package_queries(h, pkg):
    return [m.body.tra_status_check9003 for _, m in h.outbox("9003")
            if m.body.tra_status_check9003.ori_pack_no == pkg.pack_no]


def test_accepted_package_is_queried_once_before_its_deadline(harness):
    """A 2102 lost on its way: one 9003 an hour before the deadline (timers.package_result_check_s)
    makes the ETS resend it (§6.10), and it is applied in time instead of the package failing."""
    from gateway.codec.messages import Msg9004, TraStatusReturn9004
    h = harness
    _, pkg = launch(h)
    accept(h, pkg)
    h.clock.t = dt.datetime(2024, 11, 6, 22, 59)
    h.sweep()
    assert _package_queries(h, pkg) == []  # not yet due
    h.clock.t = dt.datetime(2024, 11, 6, 23, 0)
    h.sweep()
    h.sweep()
    queries = _package_queries(h, pkg)
    assert [(q.search_type, q.ori_msg_no, q.ori_entrust_date) for q in queries] == [
        ("1", "1102", pkg.entrust_date)]  # one check, not one per sweep
    status = TraStatusReturn9004(pkg.tax_org_code, "1", "1102", pkg.entrust_date, pkg.pack_no,
                                 "00000000", DAY, "20")
    h.deliver(Msg9004(status))
    assert rows(h, select(PackageRecord.state))[0][0] == "ACCEPTED"  # 20: its 2102 comes again
    assert result_2102(h, pkg, ["90000", "90000", "90000"]) == "PROCESSED"
    assert rows(h, select(PackageRecord.state, PackageRecord.late))[0] == ("ANSWERED", False)
    assert set(levy_states(h).values()) == {"PAID"}
    h.clock.t = dt.datetime(2024, 11, 7, 0, 0, 1)
    h.sweep()
    assert len(_package_queries(h, pkg)) == 1
    assert [a for a in rows(h, select(AlertRecord.source)) if a[0] == "package_deadline"] == []


def test_accepted_package_failed_at_its_deadline_is_queried_too(harness):
    """At the deadline the package fails (§6.6 rule 5) and one 9003 goes with it, so a 2102 that
    exists at the ETS is resent and applied late (rule 6) rather than waiting for the 3122."""
    h = harness
    _, pkg = launch(h)
    accept(h, pkg)
    h.clock.t = dt.datetime(2024, 11, 7, 0, 0, 1)  # the pre-deadline check was never swept
    h.sweep()
    assert rows(h, select(PackageRecord.state))[0][0] == "FAILED"
    assert len(_package_queries(h, pkg)) == 1


def test_each_levy_is_locked_for_its_own_item(harness):
    """lock_levies' UPDATE … FROM names every levy's owner: the item that carries it."""
    from gateway.persistence.records import DebitLevyRecord
    h = harness
    _, pkg = launch(h)
    owners = dict(rows(h, select(DebitLevyRecord.levy_id, DebitLevyRecord.debit_id)
                       .join(DebitRecord, DebitRecord.id == DebitLevyRecord.debit_id)
                       .where(DebitRecord.package_id == pkg.id)))
    locks = {lid: (kind, ref) for lid, kind, ref in rows(
        h, select(LevyRecord.id, LevyRecord.lock_kind, LevyRecord.lock_ref))}
    assert len(owners) == 9 and len(set(owners.values())) == 3
    assert {lid: locks[lid] for lid in owners} == {
        lid: ("BATCH_ITEM", str(debit)) for lid, debit in owners.items()}


def test_two_selections_in_one_unit_of_work(harness):
    """The PostgreSQL selection stages its rows in a temporary table; a second list in the same
    transaction must find it gone and select the same levies (none is packaged yet)."""
    from gateway.domain.pending_list import ListKind
    from gateway.services.batch_ports import batch_uow
    h = harness
    sel = Selection(tax_org_code="14401000000", run_at=RUN_AT)
    with h.rt.uow() as uow:
        lists = batch_uow(uow).batch_lists
        first = lists.create(ListKind.SELECTION, sel, RUN_AT, "t")
        second = lists.create(ListKind.SELECTION, sel, RUN_AT, "t")
        uow.commit()
    per_list = {}
    for list_id, levy_id in rows(h, select(BatchListEntryRecord.list_id, BatchListEntryRecord.levy_id)):
        per_list.setdefault(list_id, set()).add(levy_id)
    assert set(per_list) == {first, second}
    assert len(per_list[first]) == 9 and per_list[first] == per_list[second]
