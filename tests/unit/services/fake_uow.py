"""FakeUnitOfWork: the UnitOfWork port in memory, with transactions.

A :class:`FakeDatabase` holds the committed data. Entering a unit of work takes a private copy
(``tx``) that its repositories and its messenger change; ``commit`` makes that copy the
database's data, ``rollback`` (or leaving without commit) throws it away — so a handler that
raises leaves nothing behind, and events raised in a rolled-back unit are never published.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from types import TracebackType
from typing import Any

from gateway.domain.agreement import Agreement
from gateway.domain.batch import Package
from gateway.domain.package import StopRequest
from gateway.domain.refund import RefundCase
from gateway.domain.debit import Debit
from gateway.domain.events import Event
from gateway.domain.levy import Levy
from gateway.domain.parties import Payer, TreasuryRoute
from gateway.domain.reversal import Reversal
from gateway.domain.verification import Verification
from gateway.domain.voucher import CounterVoucher
from tests.unit.services.fake_batch import (FakeBatchListRepository, FakeNotificationRepository,
                                            FakeRealtimeBatchRepository,
                                           FakePackageRepository, FakeRefundRepository,
                                           FakeStopRepository)
from tests.unit.services.fake_reconciliation import FakeReconciliationRepository
from tests.unit.services.fake_messenger import FakeMessenger, Sent
from tests.unit.services.fake_reference import (
    FakeAgreementRepository, FakeAlertRepository, FakeBatchInboundRepository, FakeLevyRepository,
    FakePayerRepository, FakeReviewRepository, FakeRouteRepository, FakeSerialRepository,
    FakeStateRepository)
from tests.unit.services.fake_repositories import (FakeDebitRepository, FakeReversalRepository,
                                                   FakeVerificationRepository,
                                                   FakeVoucherRepository)

Review = tuple[str, str, str, str, Decimal | None]  # kind, detail, tax_org_code, ref, amount


@dataclass
class FakeData:
    """Every table the handlers reach, as plain Python."""

    levies: dict[int, Levy] = field(default_factory=dict)
    agreements: dict[int, Agreement] = field(default_factory=dict)
    debits: dict[int, Debit] = field(default_factory=dict)
    payers: dict[int, Payer] = field(default_factory=dict)
    routes: dict[str, TreasuryRoute] = field(default_factory=dict)
    reversals: dict[int, Reversal] = field(default_factory=dict)
    verifications: dict[int, Verification] = field(default_factory=dict)
    vouchers: dict[int, CounterVoucher] = field(default_factory=dict)
    serials: dict[tuple[str, str, dt.date], int] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    reviews: list[Review] = field(default_factory=list)
    alerts: list[tuple[str, str, str]] = field(default_factory=list)
    flags: list[tuple[str, str, str]] = field(default_factory=list)
    outbox: list[Sent] = field(default_factory=list)
    packages: dict[int, Package] = field(default_factory=dict)
    stops: dict[int, StopRequest] = field(default_factory=dict)
    refunds: dict[int, RefundCase] = field(default_factory=dict)
    notices: list[list[Any]] = field(default_factory=list)
    list_entries: list[dict[str, Any]] = field(default_factory=list)  # real-time batch only
    realtime_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 0
    next_msg: int = 0
    recon_packages: dict[Any, Any] = field(default_factory=dict)
    fund_lines: list[Any] = field(default_factory=list)


class FakeConflict(Exception):
    """What the fake database raises for a conflict with a concurrent transaction (the real
    one's deadlock or serialization failure)."""


class FakeDatabase:
    def __init__(self) -> None:
        self.data = FakeData()
        self.commits = 0


class FakeUnitOfWork:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.tx = copy.deepcopy(db.data)
        self.raised: list[Event] = []
        self.committed = False
        self.levies = FakeLevyRepository(self)
        self.agreements = FakeAgreementRepository(self)
        self.debits = FakeDebitRepository(self)
        self.payers = FakePayerRepository(self)
        self.routes = FakeRouteRepository(self)
        self.verifications = FakeVerificationRepository(self)
        self.reversals = FakeReversalRepository(self)
        self.vouchers = FakeVoucherRepository(self)
        self.serials = FakeSerialRepository(self)
        self.state = FakeStateRepository(self)
        self.reviews = FakeReviewRepository(self)
        self.alerts = FakeAlertRepository(self)
        self.batch_inbound = FakeBatchInboundRepository(self)
        self.messages = FakeMessenger(self)
        self.packages = FakePackageRepository(self)
        self.stops = FakeStopRepository(self)
        self.refunds = FakeRefundRepository(self)
        self.notifications = FakeNotificationRepository(self)
        self.batch_lists = FakeBatchListRepository(self)
        self.reconciliation = FakeReconciliationRepository(self)
        self.realtime_batches = FakeRealtimeBatchRepository(self)

    def __enter__(self) -> "FakeUnitOfWork":
        self.tx = copy.deepcopy(self.db.data)
        self.raised = []
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.tx = copy.deepcopy(self.db.data)  # what was not committed is gone

    def commit(self) -> None:
        self.db.data = copy.deepcopy(self.tx)
        self.db.commits += 1
        self.committed = True

    def rollback(self) -> None:
        self.tx = copy.deepcopy(self.db.data)
        self.raised.clear()

    def conflicted(self, error: BaseException) -> bool:
        return isinstance(error, FakeConflict)
