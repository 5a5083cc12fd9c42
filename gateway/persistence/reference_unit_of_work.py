"""The unit of work of the reference-data use cases: the SQL unit of work plus the parameter,
proposal, basis, bank-directory and impact repositories on the same session.

:meth:`SqlReferenceUnitOfWork.on_connection` joins a transaction the caller already holds (the
demo loader imports its parameters inside its own load): commit then releases a savepoint and
the caller's transaction decides.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import sessionmaker

from gateway.persistence.bank_directory import BankDirectoryRepository
from gateway.persistence.reference_impact import OfficeImpact, unit_levy_impact
from gateway.persistence.reference_repositories import (BasisRepository, ParameterRepository,
                                                        ProposalRepository)
from gateway.persistence.unit_of_work import SqlUnitOfWork


class LevyImpact:
    """The preview query, bound to the unit of work's session."""

    def __init__(self, session) -> None:
        self.s = session

    def unit_levies(self, city_code: str, start: dt.date, end: dt.date | None,
                    insurance_code: str = "", district_code: str = "") -> list[OfficeImpact]:
        self.s.flush()
        return unit_levy_impact(self.s, city_code, start, end, insurance_code, district_code)


class SqlReferenceUnitOfWork(SqlUnitOfWork):
    def __init__(self, engine: Engine | Connection) -> None:
        if isinstance(engine, Connection):
            super().__init__(engine.engine)
            self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True,
                                         join_transaction_mode="create_savepoint")
        else:
            super().__init__(engine)

    @classmethod
    def on_connection(cls, conn: Connection) -> "SqlReferenceUnitOfWork":
        return cls(conn)

    def __enter__(self) -> "SqlReferenceUnitOfWork":
        super().__enter__()
        s = self.session
        self.parameters = ParameterRepository(s)
        self.proposals = ProposalRepository(s)
        self.bases = BasisRepository(s)
        self.banks = BankDirectoryRepository(s)
        self.impact = LevyImpact(s)
        return self
