"""Schema migrations with Alembic, driven from code (no alembic.ini to find at run time).

The scripts are the package ``gateway.persistence.migrations``, located through
:mod:`importlib.resources`, so an installed wheel finds them as a source checkout does.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

# Alembic runs env.py and the revisions from files, so this is a folder on disk (pip installs
# packages as files; a zipped import would not do).
MIGRATIONS = resources.files("gateway.persistence.migrations")


def _config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Create or upgrade the schema; returns the revision now in force."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)
    return current_revision(engine) or ""


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(_config(None)).get_current_head() or ""


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the records (developer tool)."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
