"""Migrated databases for the service tests, made quickly.

Migrating a new database runs every Alembic revision: ~0.3 s on SQLite and ~1 s on
PostgreSQL, for each of some 1,500 tests. So, per test process:

* SQLite: one database is migrated into a template file; each test gets a copy of it
  (SQLite's backup API), already at the head revision.
* PostgreSQL: one schema is migrated and kept; after each test the tables holding rows
  (but ``alembic_version``) are truncated and every sequence restarted, which leaves
  exactly what a new schema would hold. A schema a test left at another revision (a
  migration test) is dropped and the next test migrates a new one. The schema goes at the
  end of the run.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from pathlib import Path

import asyncpg

from storage.engine import Database
from storage.migrate import head_revision, migrate
from tests.databases import _asyncpg_dsn


class SqliteTemplate:
    """A migrated SQLite file, copied for each test."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "migrated.db"
        self.ready = False

    async def fresh(self, target: Path) -> Database:
        """A new migrated database at ``target`` (a copy of the template)."""
        if not self.ready:
            template = Database(f"sqlite+aiosqlite:///{self.path}")
            try:
                await migrate(template)
            finally:
                await template.dispose()
            self.ready = True
        with sqlite3.connect(self.path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
        copy.close()
        return Database(f"sqlite+aiosqlite:///{target}")


class PostgresSchema:
    """One migrated schema in the test database, emptied after each test."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name: str | None = None
        self._head: str | None = None

    async def acquire(self) -> Database:
        """The schema, migrated and empty, as a Database."""
        if self.name is None:
            name = f"t_{secrets.token_hex(6)}"
            await self._admin(f'CREATE SCHEMA "{name}"')
            database = Database(self.url, pg_schema=name)
            await migrate(database)
            self.name = name
            return database
        return Database(self.url, pg_schema=self.name)

    async def release(self, database: Database) -> None:
        """Close the test's connections and empty the schema (or drop it when the test
        moved it off the head revision)."""
        await database.dispose()
        name = self.name
        if name is None:
            return
        if self._head is None:
            self._head = head_revision()
        conn = await asyncpg.connect(_asyncpg_dsn(self.url))
        try:
            # A connection a cancelled task never gave back may sit idle in a transaction
            # holding locks on the schema's tables; TRUNCATE would wait for it forever.
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = $1 AND pid <> pg_backend_pid()",
                name,
            )
            tables = [
                row["tablename"]
                for row in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = $1", name
                )
            ]
            version = None
            if "alembic_version" in tables:
                version = await conn.fetchval(
                    f'SELECT version_num FROM "{name}".alembic_version'  # noqa: S608 - our name
                )
            if version != self._head:
                await conn.execute(f'DROP SCHEMA "{name}" CASCADE')
                self.name = None
                return
            await self._empty(conn, name, [t for t in tables if t != "alembic_version"])
        finally:
            await conn.close()

    @staticmethod
    async def _empty(conn: asyncpg.Connection, name: str, tables: list[str]) -> None:
        """Truncate the tables holding rows (most tests touch a few; TRUNCATE costs
        per table) and restart every sequence, as in a new schema."""
        if not tables:
            return
        probe = " UNION ALL ".join(
            f'SELECT \'{t}\' WHERE EXISTS (SELECT 1 FROM "{name}"."{t}")'  # noqa: S608
            for t in tables
        )
        filled = [row[0] for row in await conn.fetch(probe)]
        if filled:
            listed = ", ".join(f'"{name}"."{t}"' for t in filled)
            await conn.execute(f"TRUNCATE {listed} CASCADE")
        await conn.execute(
            "SELECT setval(c.oid, 1, false) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = $1",
            name,
        )

    def drop(self) -> None:
        """Drop the schema (end of the run)."""
        if self.name is not None:
            asyncio.run(self._admin(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
            self.name = None

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(self.url))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
