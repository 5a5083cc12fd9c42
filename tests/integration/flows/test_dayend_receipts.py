"""Receipts for the ETS's day-end and batch notices: stored as received, answered with 9121."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from gateway.codec.messages import (BatchHead2102, BatchHead3122, BatchReturn2102, BillHead3128,
                                    CompDeduct3122, Msg2102, Msg3122, Msg3128, Stock3128)
from gateway.persistence.records import BatchInboundRecord, ReviewItemRecord
from tests.integration.flows.conftest import DAY, ETS

ORG = "14401060000"


def _3122(items: int, cur_pack_no: int = 1, child: int = 1):
    details = tuple(CompDeduct3122("4401000000", "1001", ORG, DAY, "00000000", f"{i + 1:08d}",
                                   f"3440106241105{i + 1:05d}", Decimal("10.00"), DAY, "20")
                    for i in range(items))
    total = Decimal("10.00") * items
    return Msg3122(BatchHead3122(DAY, "00000007", ORG, items * child, total * child, child,
                                 cur_pack_no, items, total), details)


def stored(h):
    with h.rt.app.engine.connect() as conn:
        return conn.execute(select(BatchInboundRecord.msg_no, BatchInboundRecord.business_key,
                                   BatchInboundRecord.state)).all()


def test_3122_sub_packages_are_stored_and_acknowledged(harness):
    h = harness
    q = h.rt.queues.batch_out
    assert h.deliver(_3122(2, 1, 2), queue=q) == "PROCESSED"
    assert h.deliver(_3122(2, 2, 2), queue=q) == "PROCESSED"
    receipts = [m for _, m in h.outbox("9121")]
    assert [r.body.msg_return9121.result for r in receipts] == ["90000", "90000"]
    r = receipts[0].body.msg_return9121
    assert (r.ori_msg_no, r.ori_send_org_code, r.ori_entrust_date, r.ori_request_no) == (
        "3122", ETS, DAY, "00000007")
    assert receipts[0].head.msg_ref != receipts[1].head.msg_ref  # MsgRef names the sub-package
    assert [(n, k) for n, k, _ in stored(h)] == [("3122", f"{ORG}/20241105/00000007/1"),
                                                  ("3122", f"{ORG}/20241105/00000007/2")]
    assert all(m.queue == "ETS.EXT.BATCH.IN" for m, _ in h.outbox("9121"))
    # a duplicate sub-package (new MsgID, same key) is acknowledged again and ignored
    assert h.deliver(_3122(2, 1, 2), queue=q) == "DUPLICATE"
    assert len(h.outbox("9121")) == 3 and len(stored(h)) == 2


def test_empty_3122_is_acknowledged(harness):
    h = harness
    empty = Msg3122(BatchHead3122(DAY, "00000008", ORG, 0, Decimal("0.00"), 1, 1, 0,
                                  Decimal("0.00")), ())
    h.deliver(empty, queue=h.rt.queues.batch_out)
    assert h.last("9121").body.msg_return9121.result == "90000"


def test_unbalanced_3128_is_stored_flagged_and_acknowledged(harness):
    h = harness
    good = Stock3128("4401000000", "4401000000270001", "社保费专户", DAY, Decimal("100.00"),
                     Decimal("20.00"), Decimal("5.00"), Decimal("115.00"))
    bad = Stock3128("4406000000", "4406000000270001", "社保费专户", DAY, Decimal("100.00"),
                    Decimal("20.00"), Decimal("0.00"), Decimal("119.99"))
    h.deliver(Msg3128(BillHead3128(DAY, 2), (good, bad)), queue=h.rt.queues.batch_out)
    r = h.last("9121").body.msg_return9121
    assert (r.ori_msg_no, r.ori_entrust_date, r.ori_request_no, r.result) == ("3128", DAY, "00000000", "90000")
    assert stored(h) == [("3128", "20241105", "FLAGGED")]
    with h.rt.app.engine.connect() as conn:
        details = conn.execute(select(ReviewItemRecord.detail)).scalars().all()
    assert any("4406000000/4406000000270001" in d and "4401000000/" not in d for d in details)


def test_2102_for_an_unknown_package_is_answered_24023(harness):
    h = harness
    head = BatchHead2102("102581000013", DAY + dt.timedelta(days=1), "00000789", ORG, DAY,
                         "00000045", 1, Decimal("10.00"), 0, Decimal("0.00"), "90000", None)
    item = BatchReturn2102("00000201", Decimal("10.00"), "344010624110500201", None, "24007", "余额不足")
    h.deliver(Msg2102(head, (item,)), queue=h.rt.queues.batch_out)
    r = h.last("9121").body.msg_return9121
    assert (r.ori_msg_no, r.ori_send_org_code, r.ori_request_no, r.result) == (
        "2102", "102581000013", "00000789", "24023")
    with h.rt.app.engine.connect() as conn:
        assert conn.execute(select(ReviewItemRecord.kind)).scalars().all() == ["UNKNOWN_PACKAGE_2102"]
