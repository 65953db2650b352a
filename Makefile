# Pendo Engage -> DuckDB ELT. `make demo` runs everything against the local Pendo simulator; `make test` tests it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv builds .venv from uv.lock. When uv is missing, `make setup` installs this version with pip.
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt --no-use-colors
DBT_ARGS := --project-dir transform --profiles-dir .

# One database file for dlt and dbt, always absolute so no tool creates a stray file elsewhere.
DUCKDB_PATH ?= pendo.duckdb
override DUCKDB_PATH := $(abspath $(DUCKDB_PATH))
export DUCKDB_PATH
# dbt writes logs and artifacts inside transform/, never in the caller's directory.
export DBT_LOG_PATH := $(CURDIR)/transform/logs
export DBT_TARGET_PATH := $(CURDIR)/transform/target
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: help setup extract transform elt publish demo docs lint test clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.synced ## Install uv if missing, then build .venv from uv.lock

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen --quiet
	@touch $@

extract: setup ## Pull Pendo into the pendo_raw dataset (dlt)
	$(PY) -m extract $(if $(RESOURCES),--resources $(RESOURCES))

transform: setup ## Build and test staging and marts (dbt build)
	$(DBT) build $(DBT_ARGS)

elt: ## Extract, then transform, then publish the marts for BI tools
	$(MAKE) extract
	$(MAKE) transform
	$(MAKE) publish

publish: setup ## Copy the marts to a read-only <db>_marts.duckdb for BI tools (atomic replace)
	$(PY) scripts/publish.py

demo: setup ## Run the whole ELT against the local Pendo simulator into demo.duckdb
	$(PY) scripts/demo.py --duckdb-path $(CURDIR)/demo.duckdb

docs: setup ## Generate dbt docs and serve them on localhost
	$(DBT) docs generate $(DBT_ARGS)
	$(DBT) docs serve $(DBT_ARGS) --host 127.0.0.1 --port $(or $(PORT),8080)

lint: setup ## sqlfluff on the dbt models, ruff on the Python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/sqlfluff lint transform

test: setup ## Run the test suite
	$(VENV)/bin/pytest $(PYTEST_ARGS)

clean: ## Remove build artifacts and the demo data (keeps pendo.duckdb)
	rm -rf transform/target transform/logs .demo demo.duckdb .pytest_cache .ruff_cache
