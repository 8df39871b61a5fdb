"""Applies Alembic migrations to a Podium database (at start and by `podium migrate`).

Every process start checks its database: one that is at the shipped head (every start
but the first after an upgrade) is recognized without Alembic, from the migration files'
``revision`` lines and the ``alembic_version`` table (Alembic, Mako and the migration
modules cost about a fifth of a second of each start); the rest goes through Alembic.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from storage.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: ``revision = "0030"`` and ``down_revision = "0029"`` (or a tuple, after a merge).
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


def shipped_heads() -> str | None:
    """``head_revision`` read from the migration files' ``revision`` and
    ``down_revision`` lines, without loading Alembic or the migrations."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = {match[1]: match[2] for match in _REVISION_LINE.finditer(path.read_text())}
        if "revision" not in found:
            continue
        revisions.add(str(ast.literal_eval(found["revision"])))
        down = ast.literal_eval(found.get("down_revision", "None"))
        parents.update(down if isinstance(down, tuple) else () if down is None else (down,))
    return "+".join(sorted(revisions - parents)) or None


def alembic_config() -> Config:
    """An Alembic config pointing at Podium's migration scripts (no alembic.ini needed)."""
    from alembic.config import Config  # see the module docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    """The newest migration shipped with this code, or several joined by "+" while two
    branches of work await their merge revision."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return "+".join(sorted(heads)) or None


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    return "+".join(sorted(heads)) or None


def _upgrade(connection: Connection) -> tuple[str | None, str | None]:
    from alembic import command

    before = _current(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")
    return before, _current(connection)


async def migrate(db: Database) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; returns (revision before, revision after).

    Safe to run on every start: an up-to-date database is left untouched.
    """
    current = await _stored_revision(db)
    if current is not None and current == shipped_heads():
        return current, current
    async with db.write() as conn:
        before, after = await conn.run_sync(_upgrade)
    if before != after:
        log.info("database migrated from=%s to=%s", before, after)
    return before, after


async def _stored_revision(db: Database) -> str | None:
    """What ``alembic_version`` holds, read with plain SQL (None: no such table yet)."""
    try:
        async with db.read() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return "+".join(sorted(str(version) for (version,) in rows)) or None
    except DBAPIError:
        return None


async def current_revision(db: Database) -> str | None:
    """The revision ``db`` is at (None: no Podium migration was ever applied to it)."""
    async with db.read() as conn:
        return await conn.run_sync(_current)
