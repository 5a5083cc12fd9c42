"""Checked by mypy, never run: the real adapters and the test fakes satisfy the services' ports.

``test_ports.py`` type-checks this module; each function below fails to type-check if an
adapter's method or attribute stops matching its Protocol.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.persistence import payment_repositories as pay
from gateway.persistence import repositories as repo
from gateway.persistence.messaging_repositories import BatchInboundRepository
from gateway.services import batch_ports, ports
from gateway.wire.messenger import OutboxMessenger
from gateway.wire.unit_of_work import GatewayUnitOfWork
from tests.unit.services.fake_messenger import FakeMessenger
from tests.unit.services.fake_uow import FakeUnitOfWork


def gateway_unit_of_work(uow: GatewayUnitOfWork) -> ports.UnitOfWork:
    return uow


def fake_unit_of_work(uow: FakeUnitOfWork) -> ports.UnitOfWork:
    return uow


def outbox_messenger(m: OutboxMessenger) -> ports.Messenger:
    return m


def fake_messenger(m: FakeMessenger) -> ports.Messenger:
    return m


def sql_repositories(s: Session) -> tuple[
        ports.DebitRepository, ports.ReversalRepository, ports.VerificationRepository,
        ports.VoucherRepository, ports.LevyRepository, ports.AgreementRepository,
        ports.PayerRepository, ports.RouteRepository, ports.SerialRepository,
        ports.StateRepository, ports.ReviewRepository, ports.AlertRepository,
        ports.BatchInboundRepository]:
    return (pay.DebitRepository(s), pay.ReversalRepository(s), pay.VerificationRepository(s),
            pay.VoucherRepository(s), repo.LevyRepository(s), repo.AgreementRepository(s),
            repo.PayerRepository(s), repo.RouteRepository(s), repo.SerialRepository(s),
            repo.StateRepository(s), repo.ReviewRepository(s), repo.AlertRepository(s),
            BatchInboundRepository(s))


def batch_sql_repositories(s: Session) -> tuple[
        batch_ports.BatchListRepository, batch_ports.PackageRepository,
        batch_ports.StopRepository, batch_ports.RefundRepository,
        batch_ports.NotificationRepository]:
    from gateway.persistence import batch_case_repositories as cases
    from gateway.persistence.batch_repositories import PackageRepository
    from gateway.persistence.batch_selection import BatchListRepository
    return (BatchListRepository(s), PackageRepository(s), cases.StopRepository(s),
            cases.RefundRepository(s), cases.NotificationRepository(s))


def batch_fake_repositories(uow: FakeUnitOfWork) -> tuple[
        batch_ports.BatchListRepository, batch_ports.PackageRepository,
        batch_ports.StopRepository, batch_ports.RefundRepository,
        batch_ports.NotificationRepository]:
    return uow.batch_lists, uow.packages, uow.stops, uow.refunds, uow.notifications
