"""The `podium` command line as a newcomer meets it: bad configuration, migrate, backup."""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import EXAMPLE_COMPETITION, GUILD_ID, ROOT
from tests.e2e.conftest import DASHBOARD_SECRET, base_env, free_port
from tests.fakes.discord import FakeDiscord

pytestmark = pytest.mark.e2e


def podium(
    workdir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env or base_env(workdir),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def good_env(workdir: Path) -> dict[str, str]:
    return base_env(workdir) | {
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_GUILD_ID": "900000000000000001",
        "DASHBOARD_SECRET": DASHBOARD_SECRET,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'podium.db'}",
    }


def test_run_without_env_lists_each_missing_key_with_where_to_get_it_and_exits_2(tmp_path: Path):
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    result = podium(tmp_path, "run")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    for key in ("DISCORD_TOKEN", "DISCORD_GUILD_ID", "DASHBOARD_SECRET"):
        line = next(line for line in result.stderr.splitlines() if key in line)
        assert "Fix:" in line


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus_Mons"'), "timezone"),
        (("promotion_threshold = 500", "promotion_threshold = -5"), "promotion_threshold"),
        (("[teams]", "[teams]\nmaxsize = 3"), "maxsize"),
    ],
)
def test_run_with_an_invalid_competition_file_names_the_key_and_exits_2(
    tmp_path: Path, edit, expected
):
    text = EXAMPLE_COMPETITION.read_text(encoding="utf-8")
    assert edit[0] in text, "the example changed; update this test"
    (tmp_path / "competition.toml").write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    result = podium(tmp_path, "run", env=good_env(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert any(expected in line and "Fix:" in line for line in result.stderr.splitlines())
    assert not (tmp_path / "podium.db").exists(), (
        "nothing may be written before the config is valid"
    )


def test_check_config_accepts_the_example_files(tmp_path: Path):
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    result = podium(tmp_path, "check-config", env=good_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Configuration OK" in result.stdout


def test_migrate_then_backup_makes_a_consistent_copy(tmp_path: Path):
    env = good_env(tmp_path)
    first = podium(tmp_path, "migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "migrated" in first.stdout
    assert "already at revision" in podium(tmp_path, "migrate", env=env).stdout
    result = podium(tmp_path, "backup", str(tmp_path / "copy.db"), env=env)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert {"members", "audit_log", "scheduled_jobs", "guild_resources"} <= tables
    refused = podium(tmp_path, "backup", str(tmp_path / "copy.db"), env=env)
    assert refused.returncode == 2
    assert "already exists" in refused.stderr


def test_python_dash_m_bot_and_the_console_script_are_the_same_program():
    script = Path(sys.executable).with_name("podium")
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=30, cwd=ROOT
    )
    assert result.returncode == 0
    assert all(name in result.stdout for name in ("run", "migrate", "check-config", "backup"))


# -- ordinary failures a newcomer meets: a clear message, a non-zero exit, no traceback --


def unreachable_discord_env(workdir: Path, api_base_url: str) -> dict[str, str]:
    shutil.copy(EXAMPLE_COMPETITION, workdir / "competition.toml")
    return good_env(workdir) | {
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(free_port()),
        "DISCORD_API_BASE_URL": api_base_url,
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway",
    }


@pytest.mark.parametrize(
    "api_base_url",
    [
        pytest.param("http://discord-api.invalid/api/v10", id="name-does-not-resolve"),
        pytest.param(f"http://127.0.0.1:{free_port()}/api/v10", id="connection-refused"),
    ],
)
def test_run_when_discord_cannot_be_reached_says_so_and_what_to_check_without_a_traceback(
    tmp_path: Path, api_base_url: str
):
    result = podium(tmp_path, "run", env=unreachable_discord_env(tmp_path, api_base_url))
    assert result.returncode not in (0, 2), result.stderr  # 2 is for configuration problems
    assert "Traceback" not in result.stderr + result.stdout
    assert "cannot reach Discord" in result.stderr
    for what_to_check in ("network", "DISCORD_API_BASE_URL", "DISCORD_GATEWAY_URL", "proxy"):
        assert what_to_check in result.stderr


async def test_run_with_a_token_discord_refuses_says_which_setting_to_fix_without_a_traceback(
    tmp_path: Path,
):
    fake = FakeDiscord(guild_id=GUILD_ID, token="the-real-token")
    await fake.start()
    try:
        shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
        env = good_env(tmp_path) | {
            "DISCORD_TOKEN": "a-wrong-token",
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(free_port()),
            "DISCORD_API_BASE_URL": fake.api_base_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        await fake.stop()
    stderr = err.decode()
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr + out.decode()
    assert "DISCORD_TOKEN: Discord refused the token" in stderr


@pytest.mark.parametrize("only_web", [False, True], ids=["run", "run-only-web"])
def test_run_with_the_web_port_in_use_names_the_port_and_the_setting_without_a_traceback(
    tmp_path: Path, only_web: bool
):
    env = unreachable_discord_env(tmp_path, f"http://127.0.0.1:{free_port()}/api/v10")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env["WEB_PORT"] = str(port)
        result = podium(tmp_path, "run", *(["--only", "web"] if only_web else []), env=env)
    assert result.returncode not in (0, 2), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "WEB_PORT" in result.stderr
    assert "WEB_HOST" in result.stderr


@pytest.mark.parametrize(
    ("command", "database"),
    [
        pytest.param(["export", "out"], "podium-typo.db", id="export"),
        pytest.param(["export", "out"], "typo/podium.db", id="export-folder-missing-too"),
        pytest.param(
            ["import-points", "points.csv", "--dry-run"], "podium-typo.db", id="import-dry-run"
        ),
        pytest.param(["import-points", "points.csv"], "typo/podium.db", id="import-points"),
    ],
)
def test_commands_that_read_the_database_refuse_a_missing_sqlite_file_and_create_none(
    tmp_path: Path, command: list[str], database: str
):
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    (tmp_path / "points.csv").write_text("team,points,reason,member,key\n", encoding="utf-8")
    missing = tmp_path / database
    env = good_env(tmp_path) | {"DATABASE_URL": f"sqlite+aiosqlite:///{missing}"}
    result = podium(tmp_path, *command, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert f"{missing} does not exist" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert not missing.exists()
    assert not (tmp_path / "typo").exists()
    assert not (tmp_path / "out").exists()


# -- install and help --


def test_version_prints_the_installed_package_version():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"podium {importlib.metadata.version('podium')}"


def subcommand_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every subcommand's parser, nested ones too, by their full command line."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            summaries = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                assert (summaries.get(name) or "").strip(), f"{name} has no summary in the list"
                found[child.prog] = child
                found |= subcommand_parsers(child)
    return found


def test_every_subcommand_has_a_summary_in_the_list_and_a_description_in_its_help():
    from bot.cli import build_parser

    parsers = subcommand_parsers(build_parser())
    assert {"podium run", "podium export", "podium seed-demo"} <= set(parsers)
    for prog, parser in parsers.items():
        description = " ".join((parser.description or "").split())
        assert description, f"`{prog} --help` has no description"
        assert description in " ".join(parser.format_help().split())


async def read_lines_until(stream: asyncio.StreamReader, done, limit: float = 120) -> list[str]:
    lines: list[str] = []
    async with asyncio.timeout(limit):
        while not lines or not done(lines[-1]):
            raw = await stream.readline()
            assert raw, "the process ended:\n" + "\n".join(lines)
            lines.append(raw.decode().rstrip("\n"))
    return lines


async def test_run_demo_prints_its_login_link_alone_on_the_last_line_once_the_web_server_listens(
    tmp_path: Path,
):
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    port = free_port()
    env = {k: v for k, v in good_env(tmp_path).items() if not k.startswith("DASHBOARD_")} | {
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
    }
    seeded = podium(tmp_path, "seed-demo", env=env, timeout=300)  # a minute on a busy machine
    assert seeded.returncode == 0, seeded.stderr
    login = f"http://127.0.0.1:{port}/admin/login?token="
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot", "run", "--only", "web", "--print-login-link", "1"],
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,  # as a terminal shows them: log lines and the link
    )
    try:
        assert proc.stdout is not None
        lines = await read_lines_until(proc.stdout, lambda line: login in line)
        assert lines[-1].startswith(login)
        assert " " not in lines[-1]
        assert lines[-2] == "Open this link to sign in to the dashboard:"
        assert lines[-3] == ""
        assert any("web server listening" in line for line in lines[:-3])
        async with (
            aiohttp.ClientSession() as http,
            http.get(lines[-1], allow_redirects=False) as response,
        ):
            assert response.status in (302, 303), await response.text()
            assert response.headers["Location"].startswith("/admin")
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nrun-demo:", 1)[1].split("\n\n", 1)[0]
    assert "podium run --only web --print-login-link 1" in recipe
    assert "dashboard-link" not in recipe, "the link is printed once, last"
