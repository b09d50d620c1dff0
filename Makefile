# The two commands: `make run` sets up and runs the monitoring; `make test` sets up and tests.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: run run-postgres once test lint setup

setup:
	./scripts/bootstrap.sh

run: setup
	./scripts/serve.sh

# The scale-out shape on one machine: Prefect and guidewatch on PostgreSQL, API auth, two
# workers (docs/deployment.md). Needs PREFECT_SERVER_DATABASE_CONNECTION_URL and
# GUIDEWATCH_DATABASE_URL in the environment.
run-postgres: setup
	uv run --frozen python scripts/serve_postgres.py

once: setup
	uv run guidewatch run

test:
	./scripts/bootstrap.sh --test
	uv run pytest

lint: setup
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy .
