"""Stops (§6.7, 1123 ⇒ 2123) between the real gateway and simulator processes. The simulator's
bank starts debiting a package ``package_delay_s`` after its receipt and then holds its 2102
back for a while (a configured ``delay:2102``): a stop before that moment is accepted (the
package STOPPED, its levies unlocked only now), one after it is refused and leaves everything
as it was, with the ETS's reason; the package's 2102 then decides its items as usual."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gateway.domain import batch_messages as bm
from gateway.domain.pending_list import Selection
from gateway.persistence.records import DebitRecord, LevyRecord, PackageRecord, StopRequestRecord
from tests.e2e.flows.batch_seed import BANKS, clearing_day_from_today, seed_groups
from tests.e2e.flows.harness import System, sim_account

_banks: dict[int, str] = {}


def seeder(engine):  # noqa: ANN001, ANN201
    data, banks = seed_groups(engine, 12)  # six (office, bank) groups of two payers
    _banks.update(banks)
    return data


def accounts(data):  # noqa: ANN001, ANN201
    return [sim_account(data, pid, pay_bk_code=_banks[pid], pay_op_bk_code=BANKS[_banks[pid]])
            for pid in data.payers]


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    sys_ = System.start(tmp_path_factory.mktemp("batch_stops"), seeder=seeder, accounts=accounts,
                        sim_faults=["delay:2102:8"], sim_extra="package_delay_s = 4",
                        work_date=clearing_day_from_today())
    try:
        yield sys_
        sys_.check_conservation(sys_.data.payers)
    finally:
        sys_.close()


@pytest.fixture(scope="module")
def list_id(system):
    summary = system.rt.bus.handle(bm.SelectLevies(
        Selection(tax_org_code="14401000000", run_at=dt.datetime(2024, 11, 5, 9)), "e2e"))
    return summary.list_id


def package_of(system, pkg):  # noqa: ANN001, ANN201
    return system.rows(select(PackageRecord).where(PackageRecord.id == pkg.id))[0]


def levies_of(system, pkg):  # noqa: ANN001, ANN201
    payers = [r.payer_id for r in system.rows(select(DebitRecord.payer_id)
                                              .where(DebitRecord.package_id == pkg.id))]
    for pid in payers:
        system.touched.add(pid)
    return {r.state for r in system.rows(select(LevyRecord.state)
                                         .where(LevyRecord.payer_id.in_(payers)))}


def stop_row(system, stop):  # noqa: ANN001, ANN201
    return system.rows(select(StopRequestRecord).where(StopRequestRecord.id == stop.id))[0]


def test_a_stop_before_debiting_starts_is_accepted_and_unlocks_only_then(system, list_id):
    pkg = system.rt.bus.handle(bm.PackNext(list_id, "e2e"))
    stop = system.rt.bus.handle(bm.StopPackage(pkg.id, "缴费人申请止付", "e2e"))
    assert levies_of(system, pkg) == {"LOCKED"}  # sent, not yet answered: still locked
    row = system.wait(lambda: (r := stop_row(system, stop)).state != "SENT" and r, 30,
                      "the 2123 to the stop")
    assert row.state == "STOPPED"
    assert package_of(system, pkg).state == "STOPPED"
    assert levies_of(system, pkg) == {"UNPAID"}
    items = system.rows(select(DebitRecord.state).where(DebitRecord.package_id == pkg.id))
    assert {i.state for i in items} == {"FAILED"}


def test_a_stop_after_debiting_started_is_refused_and_changes_nothing(system, list_id):
    pkg = system.rt.bus.handle(bm.PackNext(list_id, "e2e"))
    key = f"{pkg.tax_org_code}|{pkg.entrust_date:%Y%m%d}|{pkg.pack_no}"
    system.wait(lambda: (k := system.sim_key("1102", key)) and k["op_stat"] == "20", 30,
                "the simulator's bank to start debiting the package")
    first = system.rows(select(DebitRecord.tra_no).where(DebitRecord.package_id == pkg.id)
                        .order_by(DebitRecord.tra_no))[0].tra_no
    stop = system.rt.bus.handle(bm.StopPackage(pkg.id, "缴费人申请止付", "e2e", tra_no=first))
    row = system.wait(lambda: (r := stop_row(system, stop)).state != "SENT" and r, 30,
                      "the 2123 to the stop")
    assert row.state == "REFUSED" and "不能止付" in row.add_word  # the ETS says why
    before = package_of(system, pkg)
    assert before.state in ("SENT", "ACCEPTED") and levies_of(system, pkg) == {"LOCKED"}
    done = system.wait(lambda: (p := package_of(system, pkg)).state == "ANSWERED" and p, 60,
                       "the delayed 2102")
    assert done.succ_num == done.item_count  # the refused stop stopped nothing
    assert levies_of(system, pkg) == {"PAID"}
