# Pendo Engage -> DuckDB ELT. `make demo` runs everything against the local Pendo simulator; `make test` tests it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv builds .venv from uv.lock. When uv is missing, `make setup` installs this version with pip.
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
PY := $(VENV)/bin/python
# The ELT's one entry point (elt/__main__.py). `$(ELT) dbt …` runs dbt on transform/; on Postgres with POSTGRES_* set
# from the connection dlt resolves (env, else .dlt/secrets.toml), so both layers use one database (see elt/dbt.py).
ELT = $(PY) -m elt

# Where the data goes: duckdb (default), postgres, or lake (parquet files that dbt builds with Spark: `make
# setup-spark` first). One setting switches dlt's destination and dbt's target.
DESTINATION ?= duckdb
export DESTINATION
export DBT_TARGET ?= $(if $(filter lake,$(DESTINATION)),spark,$(DESTINATION))
# One database file for dlt and dbt, always absolute so no tool creates a stray file elsewhere.
DUCKDB_PATH ?= pendo.duckdb
override DUCKDB_PATH := $(abspath $(DUCKDB_PATH))
export DUCKDB_PATH
# Spark's metastore and warehouse (the `spark` target), beside the database file; the lake is `lake/` there too.
SPARK_DIR ?= $(dir $(DUCKDB_PATH))spark
override SPARK_DIR := $(abspath $(SPARK_DIR))
export SPARK_DIR
# dbt writes logs and artifacts inside transform/, never in the caller's directory.
export DBT_LOG_PATH := $(CURDIR)/transform/logs
export DBT_TARGET_PATH := $(CURDIR)/transform/target
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: help setup setup-spark test-spark extract backfill transform elt publish demo docs freshness show dashboard lint test clean simulator test-faults bench bench-quick

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.synced ## Install uv if missing, then build .venv from uv.lock

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen --quiet $(if $(wildcard $(VENV)/.synced-spark),--group spark)
	@touch $@

# The Spark path's dependencies (pyspark, dbt-spark: the uv group `spark`), kept out of `make setup`; once installed,
# `make setup` keeps them (it syncs the group too). Spark needs a Java 17+ runtime (Debian: default-jre-headless).
setup-spark: $(VENV)/.synced-spark ## Also install pyspark and dbt-spark (the Spark target; needs Java 17+)

$(VENV)/.synced-spark: pyproject.toml uv.lock $(VENV)/.synced
	$(UV) sync --frozen --quiet --group spark
	@touch $@

extract: setup ## Pull Pendo into the pendo_raw dataset (dlt)
	$(ELT) extract $(if $(RESOURCES),--resources $(RESOURCES))

backfill: setup ## Reload event days START..END (YYYY-MM-DD, both included) without moving the cursor
	$(ELT) backfill $(if $(START),--start $(START)) $(if $(END),--end $(END)) $(if $(RESOURCES),--resources $(RESOURCES))

transform: setup ## Build and test staging and marts (dbt build; unit tests run in make test)
	$(ELT) transform

elt: setup ## Extract, then transform, then publish the marts for BI tools (one run at a time)
	$(ELT) run $(if $(RESOURCES),--resources $(RESOURCES))

publish: setup ## Copy the marts to a read-only <db>_marts.duckdb for BI tools (atomic replace; not on Postgres)
	$(ELT) publish

demo: setup ## Run the whole ELT against the local Pendo simulator into demo.duckdb (SHOW_MARTS=1: print every mart)
	$(ELT) demo --duckdb-path $(CURDIR)/demo.duckdb $(if $(SHOW_MARTS),--show-marts)

docs: setup ## Generate dbt docs and serve them on localhost
	$(ELT) dbt docs generate
	$(ELT) dbt docs serve --host 127.0.0.1 --port $(or $(PORT),8080)

freshness: setup ## Check that dlt loaded the raw tables recently (dbt source freshness)
	$(ELT) dbt source freshness

# See the data. `make show` and `make dashboard` look at the loaded pipeline (`make elt`); DEMO=1 looks at the demo's
# (`make demo`) instead. PORT=… picks the port; HEADLESS=1 does not open a browser.
SEE_PIPELINE = $(if $(DEMO),pendo_demo,$(or $(PIPELINE_NAME),pendo))
SEE_DUCKDB_PATH = $(if $(DEMO),$(CURDIR)/demo.duckdb,$(DUCKDB_PATH))
SEE_DLT_DATA_DIR = $(if $(DEMO),$(CURDIR)/.demo/dlt,$(DLT_DATA_DIR))

show: setup ## dlt's pipeline dashboard on http://127.0.0.1:2718 (DEMO=1: the demo pipeline)
	$(if $(SEE_DLT_DATA_DIR),DLT_DATA_DIR=$(SEE_DLT_DATA_DIR)) $(PY) -m dashboard.dlt_show --pipeline $(SEE_PIPELINE) \
		--duckdb-path $(SEE_DUCKDB_PATH) --port $(or $(PORT),2718) $(if $(HEADLESS),--headless)

dashboard: setup ## Dashboard of the marts on http://127.0.0.1:2719, read-only (DEMO=1: the demo data)
	DUCKDB_PATH=$(SEE_DUCKDB_PATH) $(if $(DEMO),MARTS_DUCKDB_PATH=) $(VENV)/bin/marimo run dashboard/app.py \
		--host 127.0.0.1 --port $(or $(PORT),2719) $(if $(HEADLESS),--headless)

simulator: setup ## Serve the Pendo simulator on http://127.0.0.1:8111 (PORT=…, KEY=…, ARGS="--seed 2 --late-rows 0.1")
	$(PY) -m pendo_simulator serve --host 127.0.0.1 --port $(or $(PORT),8111) --key $(or $(KEY),simulator-key) $(ARGS)

lint: setup ## sqlfluff on the dbt models, ruff on the Python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/sqlfluff lint transform

# Test processes (pytest-xdist). Each takes whole test files, so a file's simulator and database are started once.
# Every test has its own ports, databases and dbt target, so they never meet; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
PYTEST := $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

test: setup ## Run the test suite (TEST_WORKERS=2 processes; PYTEST_ARGS=… passes options)
	$(PYTEST) $(PYTEST_ARGS)

test-spark: setup-spark ## The lake + Spark tests, which skip without pyspark (REQUIRE_SPARK=1: fail instead)
	$(VENV)/bin/pytest -n 0 tests/spark $(PYTEST_ARGS)

test-faults: setup ## Only the fault-injection suite (it is part of make test too)
	$(PYTEST) tests/faults $(PYTEST_ARGS)

bench: setup ## Benchmark extraction, memory and dbt vs the seed baseline and a ceiling (~30 min once its answers are cached, +40 the first time; BENCH_ARGS=…)
	$(PY) -m bench $(BENCH_ARGS)

bench-quick: setup ## The benchmark at a tiny scale, every code path, for CI (~2 min; writes no results file)
	$(PY) -m bench --quick $(BENCH_ARGS)

clean: ## Remove build artifacts and the demo data (keeps pendo.duckdb)
	rm -rf transform/target transform/logs .demo demo.duckdb demo_marts.duckdb .pytest_cache .ruff_cache
