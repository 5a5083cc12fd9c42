"""The unit of work: one database transaction per inbound message, web request or job run."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.domain.events import Event
from gateway.persistence.messaging_repositories import (BatchInboundRepository, ErrorStore,
                                                        InboxRepository, OutboxRepository)
from gateway.persistence.payment_repositories import (DebitRepository, ReversalRepository,
                                                      VerificationRepository, VoucherRepository)
from gateway.persistence.repositories import (AgreementRepository, AlertRepository,
                                              LevyRepository, PayerRepository, ReviewRepository,
                                              RouteRepository, SerialRepository, StateRepository)


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
        self.serials = SerialRepository(s)
        self.state = StateRepository(s)
        self.reviews = ReviewRepository(s)
        self.payers = PayerRepository(s)
        self.routes = RouteRepository(s)
        self.alerts = AlertRepository(s)
        self.reversals = ReversalRepository(s)
        self.verifications = VerificationRepository(s)
        self.vouchers = VoucherRepository(s)
        self.outbox = OutboxRepository(s)
        self.inbox = InboxRepository(s)
        self.errors = ErrorStore(s)
        self.batch_inbound = BatchInboundRepository(s)
        self._batch_repositories(s)
        return self

    def _batch_repositories(self, s: Session) -> None:
        """The batch flow's repositories (services.batch_ports.BatchUnitOfWork)."""
        from gateway.persistence.batch_case_repositories import (NotificationRepository,
                                                                 RefundRepository, StopRepository)
        from gateway.persistence.batch_repositories import PackageRepository
        from gateway.persistence.batch_selection import BatchListRepository
        self.batch_lists = BatchListRepository(s)
        self.packages = PackageRepository(s)
        self.stops = StopRepository(s)
        self.refunds = RefundRepository(s)
        self.notifications = NotificationRepository(s)

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.session is not None
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
        self.raised.clear()
