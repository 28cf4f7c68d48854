# Castellan: `make run` starts a local server, `make test` runs the suite.
# Everything lives in .venv (Python) and .castellan/ (database, broker, beat schedule).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

# First interpreter that actually runs and is >= 3.11. pyenv shims for versions that are not
# selected exist but exit non-zero, so each candidate is run, not just looked up.
# `make install PYTHON=/path/to/python3.12` picks one by hand.
ifneq ($(origin PYTHON),command line)
PYTHON = $(shell for py in python3.13 python3.12 python3.11 python3 \
		$(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) \
		$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) \
		$(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3); do \
	if "$$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
		echo "$$py"; break; fi; done)
endif

.PHONY: help install run test lint bench clean stop-db reset-db

help:
	@echo "make run       install if needed, then start Castellan on http://$${HOST:-127.0.0.1}:$${PORT:-8000}/"
	@echo "make test      install if needed, then run the test suite (PYTEST_ARGS='-k jwks' to narrow)"
	@echo "make lint      ruff check"
	@echo "make bench     run bench/run.py"
	@echo "make clean     remove caches and collected static files (keeps .env and the database)"
	@echo "make stop-db   stop the embedded PostgreSQL (make run starts it again)"
	@echo "make reset-db  CONFIRM=1: stop the embedded PostgreSQL and delete .castellan/pgdata"

install: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x "$(PY)" ]; then \
		py="$(PYTHON)"; \
		if [ -z "$$py" ]; then \
			echo "error: no Python >= 3.11 found (tried python3.13, python3.12, python3.11, python3, ~/.pyenv)." >&2; \
			exit 1; fi; \
		echo "Creating $(VENV) with $$py ($$("$$py" -c 'import platform; print(platform.python_version())'))"; \
		"$$py" -m venv "$(VENV)" || { rm -rf "$(VENV)"; exit 1; }; fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch "$(STAMP)"

run: install
	$(PY) -m config.launcher

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

stop-db:
	@if [ -x "$(PY)" ]; then $(PY) -c 'from pathlib import Path; from config.embedded_postgres import stop; \
		print("Embedded PostgreSQL stopped." if stop(Path.cwd()) else "Embedded PostgreSQL was not running.")'; fi

reset-db:
	@if [ "$(CONFIRM)" != "1" ]; then \
		echo "This deletes every server, client, key and token in .castellan/pgdata."; \
		echo "Run 'make reset-db CONFIRM=1' to go ahead."; exit 1; fi
	@$(MAKE) --no-print-directory stop-db
	rm -rf .castellan/pgdata .castellan/celerybeat-schedule*
	@echo "Embedded database removed; the next 'make run' creates a fresh one."
