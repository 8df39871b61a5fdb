"""The deployment files, checked without Docker or a booted systemd (no engine runs in CI):
compose.yaml's services, order and health checks, the Dockerfile's build, user and
HEALTHCHECK, .dockerignore, and the systemd units (``systemd-analyze verify`` when present)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy_support import parse_yaml_subset

ROOT = Path(__file__).resolve().parents[2]
PODIUM_SERVICES = {"migrate", "gateway", "worker", "web"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return parse_yaml_subset((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_postgres_a_migration_gateway_two_workers_two_web_and_optional_caddy(
    compose,
):
    services = compose["services"]
    assert set(services) == {"postgres", "caddy"} | PODIUM_SERVICES
    assert services["migrate"]["command"] == ["migrate"]
    for role in ("gateway", "worker", "web"):
        assert services[role]["command"] == ["run", "--only", role]
    assert "deploy" not in services["gateway"]  # exactly one gateway connection
    assert services["worker"]["deploy"]["replicas"] == "2"
    assert services["web"]["deploy"]["replicas"] == "2"
    assert services["caddy"]["profiles"] == ["tls"]
    assert services["caddy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_compose_migrates_once_after_postgres_is_healthy_and_before_any_podium_process(compose):
    services = compose["services"]
    postgres = services["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert compose["volumes"]["pgdata"] is None
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    for role in ("gateway", "worker", "web"):
        assert services[role]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }


def test_compose_takes_every_secret_from_env_and_builds_the_one_local_image(compose):
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    services = compose["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    for name in PODIUM_SERVICES:
        service = services[name]
        assert service["build"] == "."
        assert service["image"] == "podium:local"  # built here, never pulled
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"] == (
            "postgresql+asyncpg://podium:${POSTGRES_PASSWORD}@postgres:5432/podium"
        )
        assert "user" not in service  # the image's own non-root user
    for name in ("gateway", "worker", "web"):
        assert services[name]["environment"]["WEB_HOST"] == "0.0.0.0"  # noqa: S104
        assert "./competition.toml:/srv/podium/competition.toml:ro" in services[name]["volumes"]
    # No secret is written in the file itself.
    assert not re.search(r"(TOKEN|SECRET|PASSWORD)\s*[:=]\s*[\"']?[A-Za-z0-9]{8,}", text)


def test_the_compose_reader_refuses_what_it_cannot_read():
    for source in ("a: &x 1\n", "a: |\n  text\n", "a: {b: 1}\n", "a:\n\tb: 1\n"):
        with pytest.raises(ValueError, match="support"):
            parse_yaml_subset(source)
    assert parse_yaml_subset('a:\n  - x: "1"\n    y: [b, "c"]\n  - z\n') == {
        "a": [{"x": "1", "y": ["b", "c"]}, "z"]
    }


def _instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined), comments left out."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_the_dockerfile_builds_in_two_stages_from_the_lock_and_runs_as_podium():
    steps = _instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    stages = [rest for word, rest in steps if word == "FROM"]
    assert stages == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]
    assert ("ARG", "PYTHON_IMAGE=python:3.11-slim-bookworm") in steps
    runtime = steps[[i for i, (w, _) in enumerate(steps) if w == "FROM"][1] :]
    build = steps[: len(steps) - len(runtime)]
    runs = " ".join(rest for word, rest in build if word == "RUN")
    assert "build-venv.sh deps /opt/podium requirements.lock" in runs
    assert "build-venv.sh app /opt/podium" in runs
    assert "build-venv.sh check /opt/podium" in runs
    # The runtime stage takes the finished venv and installs nothing itself.
    assert ("COPY", "--from=build /opt/podium /opt/podium") in runtime
    assert not any("pip" in rest for word, rest in runtime if word == "RUN")
    assert [rest for word, rest in runtime if word == "USER"] == ["podium:podium"]
    health = [rest for word, rest in runtime if word == "HEALTHCHECK"]
    assert len(health) == 1
    assert "podium-healthcheck" in health[0]
    assert ("COPY", "deploy/healthcheck.py /opt/podium/bin/podium-healthcheck") in runtime
    assert ("ENTRYPOINT", '["podium"]') in runtime


def test_the_build_script_installs_only_hashed_locked_packages():
    script = (ROOT / "deploy" / "build-venv.sh").read_text(encoding="utf-8")
    assert "--require-hashes --no-deps" in script
    assert "--no-deps --no-build-isolation" in script
    assert "requirements-dev" not in script


def test_dockerignore_sends_only_the_sources_the_image_needs():
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "*"  # everything out, then the few things the build copies
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert allowed == {
        "Dockerfile",
        "requirements.lock",
        "pyproject.toml",
        "README.md",
        "bot",
        "cogs",
        "storage",
        "deploy/build-venv.sh",
        "deploy/healthcheck.py",
    }
    copied = {
        rest.split()[0]
        for word, rest in _instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
        if word == "COPY" and not rest.startswith("--from")
    }
    assert copied <= allowed | {"./"} | {"requirements.lock", "pyproject.toml"}


UNITS = ROOT / "deploy" / "systemd"


def _unit(name: str) -> dict[str, list[str]]:
    section, values = "", dict[str, list[str]]()
    for line in (UNITS / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(f"{section}.{key}", []).append(value)
    return values


@pytest.mark.parametrize("name", ["podium@.service", "podium.service", "podium-migrate.service"])
def test_every_unit_runs_as_podium_with_its_data_folder_the_only_writable_path(name):
    unit = _unit(name)
    assert unit["Service.User"] == ["podium"]
    assert unit["Service.NoNewPrivileges"] == ["yes"]
    assert unit["Service.ProtectSystem"] == ["strict"]
    assert unit["Service.PrivateTmp"] == ["yes"]
    assert unit["Service.ReadWritePaths"] == ["/var/lib/podium"]
    assert unit["Service.CapabilityBoundingSet"] == [""]
    assert "/etc/podium/podium.env" in unit["Service.EnvironmentFile"]


def test_the_role_template_runs_its_instance_role_after_the_migrations():
    unit = _unit("podium@.service")
    assert unit["Service.Environment"] == ["PODIUM_ROLE=%i"]
    assert unit["Service.ExecStart"] == ["/opt/podium/bin/podium run --only ${PODIUM_ROLE}"]
    assert "-/etc/podium/%i.env" in unit["Service.EnvironmentFile"]
    assert unit["Unit.Requires"] == ["podium-migrate.service"]
    assert "podium-migrate.service" in unit["Unit.After"][0]
    assert _unit("podium-migrate.service")["Service.Type"] == ["oneshot"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path):
    # verify checks that ExecStart's program exists: point it at this venv's podium.
    podium = Path(sys.executable).with_name("podium")
    for unit in UNITS.glob("*.service"):
        text = unit.read_text(encoding="utf-8").replace("/opt/podium/bin/podium", str(podium))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    names = ["podium.service", "podium-migrate.service", "podium@worker.service"]
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in names)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
