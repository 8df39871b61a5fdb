"""Browser tests: Debian's chromium driven by Playwright (no browser download) against the
real ``podium run --only web`` process on a database filled by ``podium seed-demo``.

Without chromium or Playwright the tests skip with the reason, except under ``CI=1``,
where they fail: CI installs chromium (``.ci/run``). Screenshots of the public board
(desktop and phone width) and of the dashboard go to ``tests/browser/screenshots/``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE_COMPETITION, ROOT
from tests.demo_cache import once_per_run
from tests.e2e.conftest import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).with_name("screenshots")


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


def require_browser() -> None:
    """Skip with the reason when the browser is missing; fail instead under CI=1."""
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI") == "1":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


#: Login links issued before the web process starts, by their ``dashboard-link`` options:
#: while it runs, it is the database's one writer and ``dashboard-link`` is refused.
LINKS_ISSUED = {(): 10, ("--ttl", "0"): 2}


@dataclass
class DemoSite:
    workdir: Path
    env: dict[str, str]
    base_url: str
    proc: subprocess.Popen[bytes] | None = None
    links: dict[tuple[str, ...], list[str]] = field(default_factory=dict)

    def podium(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def podium_batch(self, *commands: list[str]) -> list[str]:
        """Run several ``podium`` commands through the real CLI entry point
        (``bot.cli.main``) in one Python process, one after the other (an interpreter
        start-up each cost ~1.7 s); returns each one's standard output, and fails on the
        first that does not exit 0."""
        script = (
            "import contextlib, io, json, sys\n"
            "from bot.cli import main\n"
            "outs = []\n"
            "for argv in json.loads(sys.argv[1]):\n"
            "    out = io.StringIO()\n"
            "    with contextlib.redirect_stdout(out):\n"
            "        code = main(argv)\n"
            "    if code != 0:\n"
            "        sys.exit(f'podium {argv} exited {code}')\n"
            "    outs.append(out.getvalue())\n"
            "print(json.dumps(outs))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, json.dumps([list(c) for c in commands])],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
        return outputs

    def issue_links(self) -> None:
        """Issue ``LINKS_ISSUED`` with the real ``podium dashboard-link`` (before the web
        process starts, so it is the only writer)."""
        wanted = [extra for extra, count in LINKS_ISSUED.items() for _ in range(count)]
        outputs = self.podium_batch(*(["dashboard-link", "--user", "1", *e] for e in wanted))
        for extra, output in zip(wanted, outputs, strict=True):
            self.links.setdefault(extra, []).append(output.strip())

    def link(self, *extra: str) -> str:
        """An unused single-use login link for organizer 1, issued with ``extra``."""
        pool = self.links.get(tuple(extra))
        assert pool, f"no more login links with {extra}: raise LINKS_ISSUED"
        return pool.pop()

    def log(self) -> str:
        return (self.workdir / "web.log").read_text(errors="replace")


def seed_site(workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> DemoSite:
    """A demo database made by the real ``podium seed-demo`` in ``workdir`` (not served):
    seeded once per test run, for every worker, then copied (the demo is deterministic)."""
    shutil.copy(EXAMPLE_COMPETITION, workdir / "competition.toml")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "TWILIO_", "DATABASE_", "WEB_", "PUBLIC_", "DASHBOARD_"))
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'demo.db'}",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
    }

    def seed_with_the_cli(directory: Path) -> Path:
        shutil.copy(EXAMPLE_COMPETITION, directory / "competition.toml")
        seeded = subprocess.run(
            [sys.executable, "-m", "bot", "seed-demo"],
            cwd=directory,
            env=env | {"DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'demo.db'}"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert seeded.returncode == 0, seeded.stderr
        template = directory / "template.db"
        _checkpointed_copy(directory / "demo.db", template)
        return template

    template = once_per_run(tmp_path_factory, "browser-demo", seed_with_the_cli)
    shutil.copy(template, workdir / "demo.db")
    return DemoSite(workdir, env, f"http://127.0.0.1:{port}")


def _checkpointed_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database whole (its WAL folded in) through SQLite's backup API."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


@contextmanager
def serve(site: DemoSite) -> Iterator[DemoSite]:
    """Run the real ``podium run --only web`` on the site's database until the block ends."""
    log = (site.workdir / "web.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--only", "web"],
        cwd=site.workdir,
        env=site.env,
        stdout=log,
        stderr=log,
    )
    log.close()
    site.proc = proc
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"podium run --only web exited {proc.returncode}:\n{site.log()}")
        try:
            with urllib.request.urlopen(f"{site.base_url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"the web app did not come up:\n{site.log()}")
        time.sleep(0.2)
    try:
        yield site
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    require_browser()
    site = seed_site(tmp_path_factory.mktemp("browser"), tmp_path_factory)
    site.issue_links()
    with serve(site):
        yield site


@pytest.fixture(scope="module")
def browser(demo_site: DemoSite) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()
