"""A crashed pytest-xdist worker fails its test and the run goes on (tests/xdist_scheduling.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CRASHING_FILE = """
import os

def test_before_the_crash():
    pass

def test_that_kills_its_worker():
    os._exit(1)

def test_after_the_crash():
    pass
"""

PASSING_FILE = """
def test_a():
    pass

def test_b():
    pass
"""


def _run_pytest(directory: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (directory / "pytest.ini").write_text("[pytest]\n")
    (directory / "conftest.py").write_text(
        "from tests.xdist_scheduling import pytest_xdist_make_scheduler  # noqa: F401\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTEST_ADDOPTS", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "tests.xdist_scheduling",
        "-p",
        "no:cacheprovider",
    ]
    try:
        return subprocess.run(
            [*command, "-n", "1", "--dist", "loadfile", "-rf", *options, str(directory)],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the run hung after the worker crashed:\n{exc.stdout!r}") from exc


def test_a_crashed_worker_fails_its_test_and_the_run_finishes_the_other_files(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_1_crash.py").write_text(CRASHING_FILE)
    (tmp_path / "test_2_pass.py").write_text(PASSING_FILE)
    (tmp_path / "test_3_pass.py").write_text(PASSING_FILE)

    result = _run_pytest(tmp_path)

    assert result.returncode == 1, result.stdout
    assert "test_that_kills_its_worker" in result.stdout
    # The crashed test is reported once as failed and not run again; every other test ran.
    assert "1 failed, 6 passed" in result.stdout, result.stdout
