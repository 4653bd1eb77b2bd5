# Every target bootstraps .venv itself; re-running is quick once it is installed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint format arch bench run clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mentorbot needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing mentorbot and its dependencies into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)  ## the guided tour on the shell adapter, then an interactive prompt
	@$(BIN)/mentorbot demo

run: $(STAMP)  ## the bot with the settings from the environment / .env
	@$(BIN)/mentorbot run

test: $(STAMP) lint arch  ## lint, architecture check, then the whole test suite
	@$(BIN)/python -m pytest -q

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

format: $(STAMP)
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

arch: $(STAMP)  ## core imports no adapter, storage, bot or platform SDK
	@$(BIN)/lint-imports

# PostgreSQL numbers need a server: the local one when it answers, or MENTORBOT_BENCH_POSTGRES_URL.
bench: $(STAMP)  ## benchmarks: prints a table, writes bench-results.json
	@MENTORBOT_BENCH_POSTGRES_URL="$${MENTORBOT_BENCH_POSTGRES_URL:-$$(pg_isready -q -h 127.0.0.1 2>/dev/null && echo postgresql://postgres@127.0.0.1:5432/test)}" $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
