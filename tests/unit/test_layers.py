"""The layering rules of SPEC §1, checked on the source: services know no transport,
cogs and the Twilio adapter run no SQL, storage decides no rule."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files(folder: str) -> list[Path]:
    found = sorted((ROOT / folder).rglob("*.py"))
    assert found, f"no Python files under {folder}"
    return found


def offending(folder: str, banned: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files(folder)
        for name in sorted(imported_modules(path))
        if name.split(".")[0] in banned
        or any(name.startswith(b + ".") or name == b for b in banned)
    ]


def test_services_never_import_discord_or_twilio():
    assert offending("bot/services", ("discord", "twilio", "aiohttp")) == []


def test_cogs_never_touch_the_database_or_twilio():
    assert offending("cogs", ("sqlalchemy", "storage", "aiosqlite", "asyncpg", "twilio")) == []


def test_the_twilio_adapter_works_through_the_services_never_the_database():
    assert offending("bot/whatsapp", ("sqlalchemy", "storage", "aiosqlite", "asyncpg")) == []


def test_storage_knows_nothing_of_discord_twilio_or_the_services():
    assert offending("storage", ("discord", "twilio", "bot", "cogs")) == []


@pytest.mark.parametrize("source", ["import discord\n", "from discord.ext import commands\n"])
def test_the_import_scan_catches_both_import_forms(tmp_path, source):
    sample = tmp_path / "sample.py"
    sample.write_text(source)
    assert any(name.split(".")[0] == "discord" for name in imported_modules(sample))


RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("bot/services/probe.py", "import discord\n"),
        ("bot/services/contests/probe.py", "from twilio.rest import Client\n"),
        ("bot/services/probe.py", "from aiohttp import web\n"),
        ("cogs/probe.py", "from storage.engine import Database\n"),
        ("cogs/contests/probe.py", "import sqlalchemy\n"),
        ("storage/queries/probe.py", "from bot.services import teams\n"),
        ("storage/probe.py", "import discord\n"),
    ],
)
def test_ruff_refuses_an_import_across_the_layers(path, source):
    # The same rules, tool-enforced: ruff's banned-api (TID251) in the folders' ruff.toml.
    result = subprocess.run(
        [str(RUFF), "check", "--select", "TID251", "--stdin-filename", path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "TID251" in result.stdout
