# Podium — everyday commands. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCALES := bot/i18n/locales

.PHONY: run run-demo test lint format typecheck i18n i18n-extract i18n-compile i18n-check migrate check-config bench clean

# The virtual environment is rebuilt when pyproject.toml changes.
$(BIN)/podium: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/podium

run: $(BIN)/podium  ## install if needed, then start the bot (reads .env and competition.toml)
	@test -f competition.toml || { cp competition.example.toml competition.toml; echo "created competition.toml from competition.example.toml — edit it for your competition"; }
	$(BIN)/podium run

DEMO_DB := demo.db
run-demo: $(BIN)/podium  ## a demo competition in demo.db and the web pages alone: no Discord needed
	@test -f competition.toml || { cp competition.example.toml competition.toml; echo "created competition.toml from competition.example.toml"; }
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	DATABASE_URL=sqlite+aiosqlite:///$(DEMO_DB) $(BIN)/podium seed-demo
	DATABASE_URL=sqlite+aiosqlite:///$(DEMO_DB) $(BIN)/podium run --only web --print-login-link 1

test: $(BIN)/podium lint typecheck i18n-check  ## ruff, mypy, catalog check, then the whole test suite
	$(BIN)/pytest -q

lint: $(BIN)/podium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/podium
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(BIN)/podium
	$(BIN)/mypy

i18n: i18n-extract i18n-compile  ## refresh the catalogs from the code, then compile them

i18n-extract: $(BIN)/podium
	$(BIN)/python -m bot.i18n.extract

i18n-compile: $(BIN)/podium
	$(BIN)/pybabel compile --domain podium --directory $(LOCALES) --statistics

i18n-check: $(BIN)/podium  ## fails when a string is missing from a catalog or untranslated
	$(BIN)/python -m bot.i18n.extract --check

migrate: $(BIN)/podium
	$(BIN)/podium migrate

check-config: $(BIN)/podium
	$(BIN)/podium check-config

bench: $(BIN)/podium
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
