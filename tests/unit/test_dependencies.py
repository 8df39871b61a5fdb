"""The lock files `make run`, `make test` and CI install from agree with pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)")


def project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def requirements(group: str | None) -> list[Requirement]:
    meta = project()["project"]
    texts = meta["dependencies"] if group is None else meta["optional-dependencies"][group]
    return [Requirement(text) for text in texts]


def pins(lock: str) -> dict[str, tuple[Version, list[str]]]:
    """name -> (version, hashes) of each ``name==version`` entry of a lock file."""
    found: dict[str, tuple[Version, list[str]]] = {}
    name = ""
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            name = canonicalize_name(match[1])
            found[name] = (Version(match[2]), [])
        elif line.strip().startswith("--hash=sha256:") and name:
            found[name][1].append(line.strip())
    return found


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", [None]), ("requirements-dev.lock", [None, "dev"])],
)
def test_each_lock_pins_every_declared_dependency_within_its_bounds_with_hashes(
    lock: str, groups: list[str | None]
) -> None:
    locked = pins(lock)
    for group in groups:
        for requirement in requirements(group):
            name = canonicalize_name(requirement.name)
            assert name in locked, f"{requirement} is not in {lock}: run `make lock`"
            version, _ = locked[name]
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {name}=={version}, outside {requirement}: run `make lock`"
            )
    assert all(hashes for _, hashes in locked.values()), f"{lock} has a pin without a hash"


def test_the_runtime_lock_has_no_dev_tools_and_the_dev_lock_keeps_its_versions() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    dev_only = {canonicalize_name(r.name) for r in requirements("dev")}
    assert not dev_only & set(runtime), "make run would install dev tools"
    for name, (version, _) in runtime.items():
        assert dev[name][0] == version, f"{name}: {version} at run time, {dev[name][0]} in tests"


def test_the_locks_carry_what_installing_podium_itself_needs_without_build_isolation() -> None:
    """`pip install --no-deps --no-build-isolation -e .` builds with the locked backend."""
    backend = [Requirement(text) for text in project()["build-system"]["requires"]]
    for lock in ("requirements.lock", "requirements-dev.lock"):
        locked = pins(lock)
        for requirement in backend:
            version, _ = locked[canonicalize_name(requirement.name)]
            assert requirement.specifier.contains(version), f"{lock}: {requirement}"


def test_make_installs_only_from_the_locks_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = re.findall(r"pip install ([^\n]+)", makefile)
    project_installs = [line for line in installs if "pip-tools" not in line]
    assert "--quiet --require-hashes -r requirements.lock" in project_installs
    assert "--quiet --require-hashes -r requirements-dev.lock" in project_installs
    for line in project_installs:
        assert "--require-hashes" in line or "--no-deps" in line, line
