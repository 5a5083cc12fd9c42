"""Group commit of packages (PackMany) on SQLite and PostgreSQL: many packages in one
transaction, each whole or not at all behind its savepoint; a package that fails is rolled back
alone and met first (and raised) by the next call."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from gateway.domain import batch_messages as bm
from gateway.domain.errors import LevyLocked
from gateway.domain.pending_list import Selection
from gateway.persistence.batch_repositories import PackageRepository
from gateway.persistence.records import (BatchListEntryRecord, DebitRecord, LevyRecord, OutboxRecord,
                                         PackageRecord)
from tests.integration.flows.conftest import make_harness

RUN_AT = dt.datetime(2024, 11, 5, 9, 0)


@pytest.fixture
def h(tmp_path, db_url):
    """Three payers in one office × bank group, one item a package: three packages."""
    harness = make_harness(tmp_path, db_url, max_package_items=1)
    yield harness
    harness.rt.close()


def count(h, stmt) -> int:
    with h.rt.app.engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def select_list(h) -> int:
    return h.handle(bm.SelectLevies(Selection(tax_org_code="14401000000", run_at=RUN_AT),
                                    "t")).list_id


def competing_lock_on_call(monkeypatch, nth: int) -> None:
    """On the ``nth`` package's lock, another payment takes one of its levies first (a real
    UPDATE in the same transaction, just before the package's own)."""
    original = PackageRepository.lock_levies
    calls = {"n": 0}

    def lock_levies(self, package_id, reason):
        calls["n"] += 1
        if calls["n"] == nth:
            self.s.execute(text(
                "UPDATE levy SET state = 'LOCKED', lock_kind = 'DEBIT', lock_ref = 'other' "
                "WHERE id = (SELECT MIN(dl.levy_id) FROM debit_levy dl JOIN debit d "
                "ON d.id = dl.debit_id WHERE d.package_id = :p)"), {"p": package_id})
        return original(self, package_id, reason)

    monkeypatch.setattr(PackageRepository, "lock_levies", lock_levies)


def test_many_packages_in_one_call(h):
    list_id = select_list(h)
    made = h.handle(bm.PackMany(list_id, "t"))
    assert len(made) == 3 and [p.item_count for p in made] == [1, 1, 1]
    assert len({p.pack_no for p in made}) == 3
    assert count(h, select(func.count()).select_from(OutboxRecord)
                 .where(OutboxRecord.msg_no == "1102")) == 3
    assert count(h, select(func.count()).select_from(LevyRecord)
                 .where(LevyRecord.state != "LOCKED")) == 0
    assert count(h, select(func.count()).select_from(BatchListEntryRecord)
                 .where(BatchListEntryRecord.state != "IN_PACKAGE")) == 0
    assert h.handle(bm.PackMany(list_id, "t")) == ()


def test_max_packages_bounds_one_call(h):
    list_id = select_list(h)
    assert len(h.handle(bm.PackMany(list_id, "t", max_packages=2))) == 2
    assert len(h.handle(bm.PackMany(list_id, "t", max_packages=2))) == 1


def test_max_items_bounds_one_call(h):
    """The item bound keeps one transaction (and SQLite's write lock) short: a call stops once
    it has written that many items (a package is never cut by it)."""
    list_id = select_list(h)
    assert [p.item_count for p in h.handle(bm.PackMany(list_id, "t", max_items=2))] == [1, 1]
    assert len(h.handle(bm.PackMany(list_id, "t", max_items=2))) == 1


def test_a_failing_package_is_rolled_back_alone_and_retried_first(h, monkeypatch):
    list_id = select_list(h)
    competing_lock_on_call(monkeypatch, nth=2)
    first = h.handle(bm.PackMany(list_id, "t"))
    assert len(first) == 1  # the second package was backed out; the first one committed
    assert count(h, select(func.count()).select_from(PackageRecord)) == 1
    assert count(h, select(func.count()).select_from(DebitRecord)) == 1
    assert count(h, select(func.count()).select_from(OutboxRecord)
                 .where(OutboxRecord.msg_no == "1102")) == 1
    # its competing lock went with it: the next call packages the other two
    assert count(h, select(func.count()).select_from(LevyRecord)
                 .where(LevyRecord.lock_ref == "other")) == 0
    rest = h.handle(bm.PackMany(list_id, "t"))
    assert len(rest) == 2
    assert len({p.key for p in (*first, *rest)}) == 3
    assert count(h, select(func.count()).select_from(OutboxRecord)
                 .where(OutboxRecord.msg_no == "1102")) == 3


def test_a_failing_first_package_raises_with_nothing_written(h, monkeypatch):
    list_id = select_list(h)
    competing_lock_on_call(monkeypatch, nth=1)
    with pytest.raises(LevyLocked):
        h.handle(bm.PackMany(list_id, "t"))
    assert count(h, select(func.count()).select_from(PackageRecord)) == 0
    assert count(h, select(func.count()).select_from(OutboxRecord)) == 0
    assert count(h, select(func.count()).select_from(LevyRecord)
                 .where(LevyRecord.state != "UNPAID")) == 0
