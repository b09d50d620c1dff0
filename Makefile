# The two commands: `make run` sets up and runs the monitoring; `make test` sets up and tests.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: run once test lint setup

setup:
	./scripts/bootstrap.sh

run: setup
	./scripts/serve.sh

once: setup
	uv run guidewatch run

test:
	./scripts/bootstrap.sh --test
	uv run pytest

lint: setup
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy .
