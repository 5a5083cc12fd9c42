"""The unit of work: one database transaction per inbound message, web request or job run."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.domain.events import Event
from gateway.persistence.messaging_repositories import (BatchInboundRepository, ErrorStore,
                                                        InboxRepository, OutboxRepository)
from gateway.persistence.payment_repositories import (DebitRepository, ReversalRepository,
                                                      VerificationRepository, VoucherRepository)
from gateway.persistence.serial_blocks import SerialBlocks, pool_for
from gateway.persistence.repositories import (AgreementRepository, AlertRepository,
                                              LevyRepository, PayerRepository, ReviewRepository,
                                              RouteRepository, SerialRepository, StateRepository)


# The transaction was aborted to resolve a conflict with another one, so running it again may
# succeed: a deadlock (40P01), a serialization failure (40001), or a unique key that a concurrent
# transaction took between this one's look-up and its insert (23505: two imports creating the
# same resident; on the second run the handler's own look-up finds the committed row). SQLite
# needs none of this: its writers hold the write lock from their first statement on.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001", "23505"})


class SqlUnitOfWork:
    """``with uow: ... uow.commit()``; leaving the block without commit rolls back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        self.session: Session | None = None
        # Events the handlers raised in this transaction; the bus publishes them once it (or
        # the caller that passed this unit of work) has committed. A rollback discards them.
        self.raised: list[Event] = []

    def __enter__(self) -> "SqlUnitOfWork":
        s = self.session = self._factory()
        self.raised = []
        self.levies = LevyRepository(s)
        self.agreements = AgreementRepository(s)
        self.debits = DebitRepository(s)
        self._blocks = SerialBlocks(s, pool_for(self.engine))
        self.serials = SerialRepository(s, self._blocks)
        self.state = StateRepository(s)
        self.reviews = ReviewRepository(s)
        self.payers = PayerRepository(s)
        self.routes = RouteRepository(s)
        self.alerts = AlertRepository(s)
        self.reversals = ReversalRepository(s)
        self.verifications = VerificationRepository(s)
        self.vouchers = VoucherRepository(s)
        self.outbox = OutboxRepository(s, self._blocks)
        self.inbox = InboxRepository(s)
        self.errors = ErrorStore(s)
        self.batch_inbound = BatchInboundRepository(s)
        self._batch_repositories(s)
        from gateway.persistence.individual_repositories import IndividualRepository
        self.individuals = IndividualRepository(s)  # services.individual_ports
        from gateway.persistence.reconciliation_repositories import ReconciliationRepository
        self.reconciliation = ReconciliationRepository(s)
        return self

    def _batch_repositories(self, s: Session) -> None:
        """The batch flow's repositories (services.batch_ports.BatchUnitOfWork)."""
        from gateway.persistence.batch_case_repositories import (NotificationRepository,
                                                                 RefundRepository, StopRepository)
        from gateway.persistence.batch_realtime import RealtimeBatchRepository
        from gateway.persistence.batch_repositories import PackageRepository
        from gateway.persistence.batch_selection import BatchListRepository
        self.batch_lists = BatchListRepository(s)
        self.packages = PackageRepository(s)
        self.realtime_batches = RealtimeBatchRepository(s)
        self.stops = StopRepository(s)
        self.refunds = RefundRepository(s)
        self.notifications = NotificationRepository(s)
        from gateway.persistence.summaries import SummaryRepository
        self.summaries = SummaryRepository(s)

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.session is not None
        try:
            self._blocks.rolled_back()  # after a commit nothing is pending any more
            self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()
        self._blocks.committed()  # only now may the rest of a block reserved here be used

    def savepoint(self) -> "Savepoint":
        """A SAVEPOINT in the open transaction (``.commit()`` releases it, ``.rollback()``
        undoes what came after it): one message of a batch backed out, the others kept."""
        assert self.session is not None
        nested = self.session.begin_nested()
        self.session.connection()  # emits the SAVEPOINT now: Core statements follow (a get)
        return Savepoint(nested, self._blocks)

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
        self._blocks.rolled_back()
        self.raised.clear()

    def conflicted(self, error: BaseException) -> bool:
        """PostgreSQL's deadlock_detected, serialization_failure and unique_violation."""
        return getattr(getattr(error, "orig", None), "sqlstate", None) in CONFLICT_SQLSTATES


class Savepoint:
    """A nested transaction whose rollback also drops the serial blocks reserved in this
    transaction: a reservation after the savepoint is undone with it (and one before it is
    merely wasted, never reissued)."""

    def __init__(self, nested, blocks: SerialBlocks) -> None:  # noqa: ANN001
        self.nested, self.blocks = nested, blocks

    def commit(self) -> None:
        self.nested.commit()

    def rollback(self) -> None:
        self.nested.rollback()
        self.blocks.rolled_back()
