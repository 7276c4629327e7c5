"""Alembic migrations shipped inside the package (``store/migrations``), run in code: no
``alembic.ini`` is needed. `upgrade` brings a database to the newest schema; the service runs it
at start-up and ``stratowatch db upgrade`` runs it by hand."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["upgrade", "current_revision", "head_revision", "alembic_config"]

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on ``engine`` (its connection is passed to ``env.py``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest schema revision shipped with this version."""
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Migrate to the newest revision (nothing to do when already there); returns it."""
    head = head_revision()
    if current_revision(engine) != head:
        command.upgrade(alembic_config(engine), "head")
    return head
