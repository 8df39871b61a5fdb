"""`podium migrate-data` (bot/migrate_data_cli.py, storage/transfer.py): a seeded demo season
copied from SQLite into PostgreSQL or SQLite, table by table, with fresh ids afterwards;
refusals that write nothing; a failed copy rolled back."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from bot.cli import main
from bot.migrate_data_cli import ProgressBar
from storage.engine import Database
from storage.lock import acquire_writer_lock
from storage.migrate import migrate
from storage.schema import metadata
from tests.conftest import T0
from tests.databases import BACKENDS, TestSQL, create_postgres_database, drop_postgres_database
from tests.demo_cache import shared_sqlite_demo

TABLES = [table.name for table in metadata.sorted_tables]
ID_TABLES = [t.name for t in metadata.sorted_tables if t.autoincrement_column is not None]


@pytest.fixture(autouse=True)
def _keep_umask() -> Iterator[None]:
    """`podium` sets a private umask for its process; give the other tests theirs back."""
    old = os.umask(0o077)
    os.umask(old)
    yield
    os.umask(old)


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file holding the demo season that the run shares (tests copy it)."""
    url, _ = shared_sqlite_demo(tmp_path_factory)
    return Path(make_url(url).database or "")


@pytest.fixture
def source(demo_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "source.db"
    path.write_bytes(demo_file.read_bytes())
    return path


@pytest.fixture(params=BACKENDS)
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path / "target.db")
        return
    url = asyncio.run(create_postgres_database())
    yield url
    asyncio.run(drop_postgres_database(url))


def _counts(sql: TestSQL) -> dict[str, int]:
    return {name: sql.rows(f"SELECT count(*) FROM {name}")[0][0] for name in TABLES}  # noqa: S608


def _run(*args: str) -> int:
    return main(["migrate-data", *args])


def test_a_seeded_season_arrives_whole_with_fresh_ids_after_it(
    source, target_url, tmp_path, capsys
):
    code = _run("--from", _sqlite_url(source), "--to", target_url, "--batch-size", "50")
    out = capsys.readouterr().out
    assert code == 0, out
    before, after = TestSQL(_sqlite_url(source)), TestSQL(target_url)
    try:
        source_counts = _counts(before)
        assert _counts(after) == source_counts
        assert sum(1 for count in source_counts.values() if count) >= 20
        # The progress bar ran to the end, and the summary says the counts were checked.
        assert "100%" in out
        assert f"{sum(source_counts.values()):,}/{sum(source_counts.values()):,} rows" in out
        assert "Row counts match in every table." in out
        # Every table with an id column hands out an id above the copied ones.
        for name in ID_TABLES:
            highest = after.rows(f"SELECT coalesce(max(id), 0) FROM {name}")[0][0]  # noqa: S608
            if not after.is_sqlite:
                fresh = after.rows(f"SELECT nextval(pg_get_serial_sequence('{name}', 'id'))")
                assert fresh[0][0] > highest, name
        # A real row inserted afterwards gets the next id, not a copied one.
        highest = after.rows("SELECT max(id) FROM audit_log")[0][0]
        after.execute(
            "INSERT INTO audit_log (at, action, details) VALUES (?, ?, ?)",
            T0,
            "test.after-copy",
            "{}",
        )
        new_id = after.rows("SELECT id FROM audit_log WHERE action = 'test.after-copy'")[0][0]
        assert new_id > highest
    finally:
        before.close()
        after.close()
    # Every value arrives unchanged: copied (back) into a SQLite file, each table's rows are
    # the source's, byte for byte. From PostgreSQL this also runs the PostgreSQL source path.
    if target_url.startswith("sqlite"):
        copy = Path(target_url.split("///", 1)[1])
    else:
        copy = tmp_path / "round-trip.db"
        assert main(["migrate-data", "--from", target_url, "--to", _sqlite_url(copy)]) == 0
    assert _all_rows(copy, skip_action="test.after-copy") == _all_rows(source)


def _all_rows(path: Path, *, skip_action: str | None = None) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        rows = {
            name: sorted(conn.execute(f"SELECT * FROM {name}").fetchall(), key=repr)  # noqa: S608
            for name in TABLES
        }
    conn.close()
    if skip_action is not None:
        rows["audit_log"] = [row for row in rows["audit_log"] if skip_action not in row]
    return rows


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_target_holding_rows_is_refused_and_left_as_it_was(source, tmp_path, capsys):
    target = tmp_path / "target.db"
    target.write_bytes(source.read_bytes())  # another season's database
    digest = _digest(target)
    assert _run("--from", _sqlite_url(source), "--to", _sqlite_url(target)) == 2
    err = capsys.readouterr().err
    assert "the target already holds data" in err
    assert "Nothing was written." in err
    assert _digest(target) == digest


def test_a_source_a_running_podium_writes_is_refused(source, tmp_path, capsys):
    target = tmp_path / "target.db"
    with acquire_writer_lock(source, "podium run"):
        code = _run("--from", _sqlite_url(source), "--to", _sqlite_url(target))
    err = capsys.readouterr().err
    assert code == 2
    assert "in use by another Podium process" in err
    assert "podium run" in err
    assert not target.exists()


@pytest.mark.parametrize(
    ("make_source", "expected"),
    [
        (lambda p: None, "does not exist"),
        (lambda p: sqlite3.connect(p).close(), "is not a Podium database"),
    ],
    ids=["missing-file", "not-podium"],
)
def test_a_source_that_is_not_a_podium_database_is_refused(tmp_path, capsys, make_source, expected):
    path = tmp_path / "source.db"
    make_source(path)
    target = tmp_path / "target.db"
    assert _run("--from", _sqlite_url(path), "--to", _sqlite_url(target)) == 2
    assert expected in capsys.readouterr().err


def test_a_source_behind_this_podiums_revision_is_refused(tmp_path, capsys):
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config, head_revision

    path = tmp_path / "old.db"
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_revision(str(head_revision()))
    assert head is not None
    older = head.down_revision
    asyncio.run(_migrated(path, revision=str(older)))
    target = tmp_path / "target.db"
    assert _run("--from", _sqlite_url(path), "--to", _sqlite_url(target)) == 2
    err = capsys.readouterr().err
    assert f"the source is at revision {older}" in err
    assert "podium migrate" in err
    assert not target.exists()


def test_the_same_database_on_both_sides_is_refused(source, capsys):
    assert _run("--from", f"sqlite:///{source}", "--to", _sqlite_url(source)) == 2
    assert "the same database" in capsys.readouterr().err


def test_a_copy_the_target_refuses_midway_is_rolled_back_whole(
    source, tmp_path, capsys, monkeypatch
):
    target = tmp_path / "target.db"
    # Without --to, the target is DATABASE_URL (as in compose's migrate service).
    monkeypatch.setenv("DATABASE_URL", _sqlite_url(target))
    asyncio.run(_migrated(target))
    # The target refuses rows of a table copied late, after most others went in.
    with sqlite3.connect(target) as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON votes BEGIN SELECT RAISE(ABORT, 'no'); END"
        )
    conn.close()
    no_env_file = str(tmp_path / "absent.env")
    code = main(["--env-file", no_env_file, "migrate-data", "--from", _sqlite_url(source)])
    assert code == 1
    assert "rolled back" in capsys.readouterr().err
    sql = TestSQL(_sqlite_url(target))
    assert set(_counts(sql).values()) == {0}


async def _migrated(path: Path, *, revision: str | None = None) -> None:
    db = Database(_sqlite_url(path))
    try:
        if revision is None:
            await migrate(db)
        else:
            async with db.write() as conn:
                await conn.run_sync(_upgrade_to, revision)
    finally:
        await db.dispose()


def _upgrade_to(connection, revision: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def test_the_progress_bar_prints_a_line_per_tenth_off_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar(1_000, stream)
    for _ in range(100):
        bar.advance("teams", 10)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # 0%, then each tenth
    assert lines[-1].startswith("[" + "#" * 30 + "] 100%  1,000/1,000 rows  teams")
