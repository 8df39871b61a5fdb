"""Applies Alembic migrations to a Podium database (at start and by `podium migrate`)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from storage.engine import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """An Alembic config pointing at Podium's migration scripts (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    """The newest migration shipped with this code, or several joined by "+" while two
    branches of work await their merge revision."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return "+".join(sorted(heads)) or None


def _current(connection: Connection) -> str | None:
    heads = MigrationContext.configure(connection).get_current_heads()
    return "+".join(sorted(heads)) or None


def _upgrade(connection: Connection) -> tuple[str | None, str | None]:
    before = _current(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")
    return before, _current(connection)


async def migrate(db: Database) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; returns (revision before, revision after).

    Safe to run on every start: an up-to-date database is left untouched.
    """
    async with db.write() as conn:
        before, after = await conn.run_sync(_upgrade)
    if before != after:
        log.info("database migrated from=%s to=%s", before, after)
    return before, after


async def current_revision(db: Database) -> str | None:
    """The revision ``db`` is at (None: no Podium migration was ever applied to it)."""
    async with db.read() as conn:
        return await conn.run_sync(_current)
