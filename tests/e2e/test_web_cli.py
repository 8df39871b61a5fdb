"""`podium seed-demo`, `podium dashboard-link` and `podium run --only web` as real processes."""

import asyncio
import shutil
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import EXAMPLE_COMPETITION
from tests.e2e.conftest import base_env, free_port

pytestmark = pytest.mark.e2e


async def podium(workdir: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_a_newcomer_seeds_a_demo_gets_a_link_and_opens_the_web_app_without_discord(
    tmp_path: Path,
):
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    port = free_port()
    env = {
        k: v
        for k, v in base_env(tmp_path).items()
        if not k.startswith(("WEB_", "PUBLIC_", "DASHBOARD_"))
    } | {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
    }
    code, out, err = await podium(tmp_path, env, "seed-demo")
    assert code == 0, err
    assert "24 teams" in out
    assert "podium dashboard-link --user 1" in out
    code, _, err = await podium(tmp_path, env, "seed-demo")
    assert code == 2
    assert "already has teams" in err
    code, link, err = await podium(tmp_path, env, "dashboard-link", "--user", "1")
    assert code == 0, err
    assert link.strip().startswith(f"http://127.0.0.1:{port}/admin/login?token=")
    code, _, err = await podium(tmp_path, env, "dashboard-link", "--user", "1", "--ttl", "601")
    assert code == 2
    assert "between 0 and 600 seconds" in err

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--only",
        "web",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            async with http.get(f"http://127.0.0.1:{port}/") as response:
                assert response.status == 200
                assert "Silk Road Sellers" in await response.text()
            async with http.get(link.strip(), allow_redirects=False) as response:
                assert response.status == 303
                cookie = response.cookies["podium_session"].value
            async with http.get(
                f"http://127.0.0.1:{port}/admin",
                headers={"Cookie": f"podium_session={cookie}"},
                allow_redirects=False,
            ) as response:
                assert response.status == 200
                assert "<svg" in await response.text()
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert "podium_teams 24.0" in await response.text()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, stderr.decode()


async def test_judge_link_refuses_an_unknown_judge_and_a_too_long_lifetime(tmp_path: Path):
    shutil.copy(EXAMPLE_COMPETITION, tmp_path / "competition.toml")
    env = base_env(tmp_path) | {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'j.db'}"}
    code, out, err = await podium(tmp_path, env, "judge-link", "--judge", "999")
    assert code == 2
    assert out == ""
    assert "judge-link: There is no judge #999." in err
    code, _, err = await podium(
        tmp_path, env, "judge-link", "--judge", "1", "--ttl", str(72 * 3600 + 1)
    )
    assert code == 2
    assert "between 0 and 72 hours" in err
