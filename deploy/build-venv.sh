#!/bin/sh
# The image's install steps, in one place: the Dockerfile runs them, and CI runs them outside
# Docker (tests/e2e/test_image_steps.py), so what the image installs is proved without an engine.
#
#   deploy/build-venv.sh deps PREFIX LOCKFILE   a venv at PREFIX with exactly the locked
#                                               runtime packages (hashes checked)
#   deploy/build-venv.sh app PREFIX SOURCE      Podium from SOURCE into it, without deps,
#                                               with its catalogs compiled
#   deploy/build-venv.sh check PREFIX           no dev tools in it; `podium --help` works
#
# PODIUM_PIP_FLAGS adds pip options (CI passes --no-compile: byte-compiling the packages is
# the one step it skips, about 15 s of CPU).
set -eu
pip_flags=${PODIUM_PIP_FLAGS:-}
step=$1
prefix=$2
case "$step" in
  deps)
    python3 -m venv "$prefix"
    "$prefix/bin/python" -m pip install --quiet --disable-pip-version-check \
      --require-hashes --no-deps $pip_flags -r "$3"
    ;;
  app)
    # The catalogs ship compiled (.mo); Babel is a runtime dependency.
    "$prefix/bin/pybabel" compile --domain podium --directory "$3/bot/i18n/locales" --statistics
    # Setuptools and wheel come from the lock file (--no-build-isolation): nothing unhashed.
    "$prefix/bin/python" -m pip install --quiet --disable-pip-version-check \
      --no-deps --no-build-isolation --no-cache-dir $pip_flags "$3"
    ;;
  check)
    "$prefix/bin/python" - <<'PY'
import importlib.util
import sys

dev = [name for name in ("pytest", "ruff", "mypy", "hypothesis", "playwright", "aiosmtpd")
       if importlib.util.find_spec(name) is not None]
if dev:
    sys.exit(f"dev tools in the runtime venv: {', '.join(dev)}")
PY
    "$prefix/bin/podium" --help >/dev/null
    "$prefix/bin/podium" --version
    ;;
  *)
    echo "usage: $0 deps PREFIX LOCKFILE | app PREFIX SOURCE | check PREFIX" >&2
    exit 2
    ;;
esac
