"""The container image's build steps, run outside Docker: the Dockerfile's
deploy/build-venv.sh makes a fresh venv from requirements.lock with hashes, installs Podium
from a copy of what the Dockerfile copies, finds no dev tools, and the installed `podium run
--only web` answers the image's HEALTHCHECK.

For a machine without a Docker engine. CI builds the real image and runs the compose stack
(tests/containers/compose_smoke.sh, beside the suite: ``PODIUM_COMPOSE_SMOKE=1``), and this
test then skips: the same steps run there for real."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_COMPETITION, ROOT
from tests.e2e.conftest import free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        os.environ.get("PODIUM_COMPOSE_SMOKE") == "1",
        reason="the image is built by Docker in this run (tests/containers/compose_smoke.sh)",
    ),
]

#: What the Dockerfile COPYs into /src (the rest of the tree is in .dockerignore).
COPIED = ["requirements.lock", "pyproject.toml", "README.md", "bot", "cogs", "storage"]
BOUND_S = 120  # a bound on a hang, not a speed requirement


def _env() -> dict[str, str]:
    """This machine's environment (pip's cache and index settings) without the test venv,
    the source tree on the path, or any Podium setting."""
    return {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
        and not key.startswith(("DISCORD_", "TWILIO_", "DATABASE_", "WEB_", "DASHBOARD_"))
    }


def _step(*args: str, env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        ["sh", str(cwd / "deploy" / "build-venv.sh"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local http)
            return response.status == 200
    except OSError:  # refused while starting, or 503 (urllib's HTTPError is an OSError)
        return False


def test_the_image_steps_install_only_the_runtime_and_the_installed_web_answers_healthz(
    tmp_path,
):
    src = tmp_path / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in COPIED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    (src / "deploy").mkdir()
    shutil.copy2(ROOT / "deploy" / "build-venv.sh", src / "deploy" / "build-venv.sh")
    prefix = tmp_path / "opt-podium"
    env = _env() | {"PODIUM_PIP_FLAGS": "--no-compile"}

    _step("deps", str(prefix), "requirements.lock", env=env, cwd=src)
    _step("app", str(prefix), str(src), env=env, cwd=src)
    version = _step("check", str(prefix), env=env, cwd=src)
    assert version.startswith("podium ")

    # Installed, not linked to the source: the catalogs ship compiled inside the package.
    python = prefix / "bin" / "python"
    located = subprocess.run(
        [str(python), "-c", "import bot.i18n, pathlib; print(pathlib.Path(bot.i18n.__file__))"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(located).is_relative_to(prefix)
    assert (Path(located).parent / "locales/zh_CN/LC_MESSAGES/podium.mo").is_file()
    # The check step really refuses a dev tool.
    planted = next((prefix / "lib").glob("python3*/site-packages")) / "pytest.py"
    planted.write_text("")
    refused = subprocess.run(
        ["sh", str(src / "deploy" / "build-venv.sh"), "check", str(prefix)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert "dev tools in the runtime venv: pytest" in refused.stderr
    planted.unlink()

    # The installed web role answers the image's HEALTHCHECK script.
    workdir = tmp_path / "srv"
    workdir.mkdir()
    port = free_port()
    run_env = env | {
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'podium.db'}",
        "COMPETITION_CONFIG": str(EXAMPLE_COMPETITION),
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
    }
    health = [str(python), str(ROOT / "deploy" / "healthcheck.py")]
    assert subprocess.run(health, env=run_env, capture_output=True, check=False).returncode == 1
    log = (workdir / "podium.log").open("wb")
    proc = subprocess.Popen(
        [str(prefix / "bin" / "podium"), "run", "--only", "web"],
        cwd=workdir,
        env=run_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # Wait for it here (a Python start per poll would cost more than the whole wait),
        # then run the HEALTHCHECK script once.
        deadline = time.monotonic() + BOUND_S
        while not _answers(f"http://127.0.0.1:{port}/healthz"):
            assert proc.poll() is None, (workdir / "podium.log").read_text()
            assert time.monotonic() < deadline, (workdir / "podium.log").read_text()
            time.sleep(0.2)
        check = subprocess.run(health, env=run_env, capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=BOUND_S) == 0, (workdir / "podium.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
