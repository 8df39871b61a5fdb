# Podium — everyday commands. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCALES := bot/i18n/locales
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: private-env run run-demo test lint format typecheck i18n i18n-extract i18n-compile i18n-check migrate check-config bench lock clean

# Installs come only from the lock files (exact versions with sha256 hashes, for Linux and
# CPython 3.11), then Podium itself without dependencies (setuptools and wheel are locked
# too, hence --no-build-isolation). `make run` installs what running needs; `make test`
# adds the dev tools. Each part is reinstalled when its lock file or pyproject.toml changes.
# Debian's python3 without python3-venv leaves a .venv with no pip: check for pip.
$(BIN)/pip:
	$(PYTHON) -m venv $(VENV) || { echo "Creating $(VENV) failed. On Debian/Ubuntu: sudo apt install python3-venv"; exit 1; }

private-env:  ## .env holds the bot's secrets: readable and writable by its owner only
	@if [ -f .env ]; then chmod 600 .env; fi

$(RUN_STAMP): requirements.lock pyproject.toml | $(BIN)/pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# The dev lock holds the runtime lock's exact versions, so it satisfies `make run` too.
$(DEV_STAMP): requirements-dev.lock pyproject.toml | $(BIN)/pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP) private-env  ## install if needed, then start the bot (reads .env and competition.toml)
	@test -f competition.toml || { cp competition.example.toml competition.toml; echo "created competition.toml from competition.example.toml — edit it for your competition"; }
	$(BIN)/podium run

DEMO_DB := demo.db
run-demo: $(RUN_STAMP) private-env  ## a demo competition in demo.db and the web pages alone: no Discord needed
	@test -f competition.toml || { cp competition.example.toml competition.toml; echo "created competition.toml from competition.example.toml"; }
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	DATABASE_URL=sqlite+aiosqlite:///$(DEMO_DB) $(BIN)/podium seed-demo
	DATABASE_URL=sqlite+aiosqlite:///$(DEMO_DB) $(BIN)/podium run --only web --print-login-link 1

test: $(DEV_STAMP) lint typecheck i18n-check  ## ruff, mypy, catalog check, then the whole test suite
	@# The project's bytecode, written once: the tests start hundreds of podium processes,
	@# and where PYTHONDONTWRITEBYTECODE is set each one would compile every module again.
	$(BIN)/python -m compileall -q -j 0 bot cogs storage tests >/dev/null
	$(BIN)/pytest -q

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

i18n: i18n-extract i18n-compile  ## refresh the catalogs from the code, then compile them

i18n-extract: $(DEV_STAMP)
	$(BIN)/python -m bot.i18n.extract

i18n-compile: $(DEV_STAMP)
	$(BIN)/pybabel compile --domain podium --directory $(LOCALES) --statistics

i18n-check: $(DEV_STAMP)  ## fails when a string is missing from a catalog or untranslated
	$(BIN)/python -m bot.i18n.extract --check

migrate: $(RUN_STAMP)
	$(BIN)/podium migrate

check-config: $(RUN_STAMP)
	$(BIN)/podium check-config

bench: $(DEV_STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Regenerate both lock files from pyproject.toml with pip-tools (kept in its own venv).
# Pins already in the locks stay unless pyproject.toml excludes them; UPGRADE=1 takes the
# newest allowed releases. Run it on Linux with CPython 3.11, the platform CI installs on.
LOCK_VENV := .venv-lock
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links --build-deps-for editable $(if $(UPGRADE),--upgrade)

$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet 'pip-tools==7.6.2'

lock: $(LOCK_VENV)/bin/pip-compile  ## requirements.lock (runtime) and requirements-dev.lock (+ dev tools)
	$(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) --output-file requirements.lock pyproject.toml
	$(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) --extra dev --constraint requirements.lock \
		--output-file requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) $(LOCK_VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
