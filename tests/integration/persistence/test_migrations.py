import sqlalchemy as sa

from gateway.persistence import migrate
from gateway.persistence.engine import make_engine
from gateway.persistence.records import metadata


def test_upgrade_creates_every_table_and_index(db_url):
    engine = make_engine(db_url)
    assert migrate.current_revision(engine) is None
    assert migrate.upgrade(engine) == migrate.head_revision()
    insp = sa.inspect(engine)
    tables = set(insp.get_table_names())
    assert set(metadata.tables) <= tables
    debit_indexes = {ix["name"]: ix for ix in insp.get_indexes("debit")}
    assert debit_indexes["uq_debit_key"]["unique"]
    assert debit_indexes["uq_debit_key"]["column_names"] == ["originator", "entrust_date", "tra_no"]
    assert insp.get_indexes("inbox") and any(
        ix["column_names"] == ["src", "msg_id"] and ix["unique"] for ix in insp.get_indexes("inbox"))
    assert any(ix["column_names"] == ["tax_org_code", "entrust_date", "pack_no"] and ix["unique"]
               for ix in insp.get_indexes("package"))
    engine.dispose()


def test_upgrade_is_idempotent_and_downgrade_works(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.downgrade(engine, "base")
    assert "levy" not in sa.inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert "levy" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_models_match_migrations(db_url):
    """No drift: autogenerate against the migrated schema finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, metadata)
    assert diff == []
    engine.dispose()


def test_sqlite_is_durable_wal(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
