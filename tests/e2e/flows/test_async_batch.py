"""An asynchronous batch (§6.6) of 10,002 levies between the real gateway and simulator
processes: 3,334 payers over two offices and three paying banks, packaged by ``etsgw batch
submit`` (its own process) with the package limit set to 500 so that every (office, bank)
group needs several packages; some accounts are short of money, so packages come back partly
paid. Packages never mix banks or offices and never pass the limit; every item ends paid or
failed with the bank's reason; the money is conserved (the banks' net = the gateway's paid)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from gateway.domain import batch_messages as bm
from gateway.domain.pending_list import Selection
from gateway.persistence.records import (AgreementRecord, DebitLevyRecord, DebitRecord,
                                         LevyRecord, PackageRecord)
from tests.e2e.flows.batch_seed import BANKS, OFFICES, clearing_day_from_today, seed_groups
from tests.e2e.flows.harness import LOW_BALANCE, System, sim_account

PAYERS = 3334  # × 3 levies = 10,002
LIMIT = 500
POOR_EVERY = 7  # payer i with i % 7 == 0 cannot pay: its item fails (24007)
_banks: dict[int, str] = {}


def seeder(engine):  # noqa: ANN001, ANN201
    data, banks = seed_groups(engine, PAYERS)
    _banks.update(banks)
    return data


def accounts(data):  # noqa: ANN001, ANN201
    return [sim_account(data, pid, pay_bk_code=_banks[pid], pay_op_bk_code=BANKS[_banks[pid]],
                        **({"balance": LOW_BALANCE} if i % POOR_EVERY == 0 else {}))
            for i, pid in enumerate(data.payers)]


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    started = time.monotonic()
    sys_ = System.start(tmp_path_factory.mktemp("async_batch"), seeder=seeder, accounts=accounts,
                        gateway_extra=f"max_package_items = {LIMIT}",
                        work_date=clearing_day_from_today())
    print(f"\n3,334-payer system up in {time.monotonic() - started:.1f} s")
    try:
        yield sys_
        sys_.check_conservation(sys_.data.payers)
    finally:
        sys_.close()


def test_10000_levies_in_packages_by_bank_and_office_partly_paid_and_conserved(system):
    system.touched.update(system.data.payers)
    summary = system.rt.bus.handle(bm.SelectLevies(
        Selection(tax_org_code="14401000000", run_at=dt.datetime(2024, 11, 5, 9)), "e2e"))
    assert summary.levies == 3 * PAYERS and len(summary.groups) == len(OFFICES) * len(BANKS)
    started = time.monotonic()
    done = system.etsgw("batch", "submit", str(summary.list_id), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    packed = time.monotonic() - started
    p = PackageRecord
    packages = system.rows(select(p))
    # Never more than the limit; every group needs ceil(its payers / 500) packages.
    assert max(x.item_count for x in packages) <= LIMIT
    assert sum(x.item_count for x in packages) == PAYERS
    for g in summary.groups:
        mine = [x for x in packages if (x.tax_org_code, x.pay_bk_code) == (g.tax_org_code,
                                                                            g.pay_bk_code)]
        assert len(mine) == -(-g.payers // LIMIT) >= 2
    # No package mixes offices or banks: its items' offices and agreements' banks are its own.
    d, a = DebitRecord, AgreementRecord
    mixed = system.rows(select(d.package_id).join(p, p.id == d.package_id)
                        .join(a, a.id == d.agreement_id)
                        .where((d.tax_org_code != p.tax_org_code) | (a.pay_bk_code != p.pay_bk_code)))
    assert mixed == []

    def answered():  # noqa: ANN202
        return system.rows(select(func.count()).where(p.state != "ANSWERED"))[0][0] == 0

    system.wait(answered, 180, "every package's 2102")
    assert system.rows(select(func.count()).where(p.late.is_(True)))[0][0] == 0  # in time
    print(f"packaged by the CLI in {packed:.1f} s; all {len(packages)} packages answered "
          f"{time.monotonic() - started:.1f} s after the submit started")
    states = dict(system.rows(select(d.state, func.count()).where(d.package_id.is_not(None))
                              .group_by(d.state)))
    poor = len(range(0, PAYERS, POOR_EVERY))
    assert states == {"SUCCEEDED": PAYERS - poor, "FAILED": poor}
    reasons = {r[0] for r in system.rows(select(d.reason).where(d.state == "FAILED"))}
    assert reasons and all(reasons)  # each failed item carries the bank's reason
    partly = system.rows(select(p.id).where(p.succ_num > 0, p.succ_num < p.item_count))
    assert partly  # partial packages
    lv, dl = LevyRecord, DebitLevyRecord
    paid = system.rows(select(func.coalesce(func.sum(lv.amount), 0)).where(lv.state == "PAID"))[0][0]
    debited = system.rows(select(func.coalesce(func.sum(d.amount), 0)).where(d.state == "SUCCEEDED"))[0][0]
    assert paid == debited
    assert system.rows(select(func.count()).where(lv.state == "LOCKED"))[0][0] == 0
    assert system.rows(select(dl.levy_id).join(d, d.id == dl.debit_id).where(d.state == "SUCCEEDED")
                       .group_by(dl.levy_id).having(func.count() > 1)) == []
