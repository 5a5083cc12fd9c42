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
        return self

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

    def savepoint(self):  # noqa: ANN201 - SQLAlchemy's nested SessionTransaction
        """A SAVEPOINT in the open transaction (``.commit()`` releases it, ``.rollback()``
        undoes what came after it): one message of a batch backed out, the others kept."""
        assert self.session is not None
        nested = self.session.begin_nested()
        self.session.connection()  # emits the SAVEPOINT now: Core statements follow (a get)
        return nested

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
        self.raised.clear()
