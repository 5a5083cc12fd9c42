"""A migrated database with the tax offices and banks of the demo, but no parameters yet."""

from __future__ import annotations

import pytest

from gateway.demodata.bulk import BulkLoader
from gateway.demodata.reference_rows import insert_reference_data
from gateway.persistence.engine import make_engine
from gateway.persistence.migrate import upgrade
from gateway.persistence.reference_unit_of_work import SqlReferenceUnitOfWork


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        insert_reference_data(BulkLoader(conn))
    yield engine
    engine.dispose()


@pytest.fixture
def uow(engine):
    return lambda: SqlReferenceUnitOfWork(engine)
