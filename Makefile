# Two commands on a fresh machine: `make run` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export PATH := $(HOME)/.local/bin:$(PATH)
UV_VERSION := 0.13.8
UV := python3 -m uv
export UV
PYTEST_ARGS ?=

.PHONY: help uv sync run lint typecheck check-members test test-unit up down status bench-bus bench-login bench-broadcast bench-notify bench-docs schemas clean

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

uv:  ## install uv if it is missing
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

sync: uv  ## create .venv with every workspace member and dev tool (from uv.lock)
	@$(UV) sync --locked --quiet

run: sync  ## the whole platform in one process on http://127.0.0.1:8000 (SQLite, in-process bus)
	$(UV) run --no-sync python -m embedded_host

lint: sync  ## ruff, formatting, mypy (strict), import contracts, hadolint
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy libs/*/src services/*/src deploy/embedded/src tests/benchmarks
	$(UV) run --no-sync lint-imports
	$(UV) run --no-sync hadolint --failure-threshold style deploy/docker/service.Dockerfile

typecheck: sync  ## mypy only
	$(UV) run --no-sync mypy libs/*/src services/*/src deploy/embedded/src tests/benchmarks

check-members: sync  ## each workspace member synced alone imports everything it ships
	python3 tests/architecture/check_members.py

test: sync  ## lint, member isolation, then every test against real PostgreSQL and Kafka (started here, stopped after)
	@deploy/tools.sh
	@deploy/local.sh infra-up
	@set -e; trap 'deploy/local.sh infra-down' EXIT; \
	  $(MAKE) --no-print-directory lint; \
	  $(MAKE) --no-print-directory check-members; \
	  $(UV) run --no-sync pytest libs services tests $(PYTEST_ARGS)

test-unit: sync  ## the SQLite + in-process half only (no PostgreSQL, no Kafka)
	$(UV) run --no-sync pytest libs services tests -m "not kafka and not postgres and not chaos" -k "not postgres" $(PYTEST_ARGS)

up: sync  ## distributed mode: PostgreSQL, Kafka, five uvicorn processes, nginx on :8080
	deploy/local.sh up

down:  ## stop the distributed mode
	deploy/local.sh down

status:  ## what the distributed mode has running
	deploy/local.sh status

bench-bus: sync  ## events/s and latency through outbox -> Kafka -> inbox (PostgreSQL + Kafka)
	@deploy/local.sh infra-up
	@trap 'deploy/local.sh infra-down' EXIT; $(UV) run --no-sync python -m tests.benchmarks.bus

bench-login: sync  ## password + TOTP logins per second with production argon2id (identity on PostgreSQL)
	@deploy/local.sh infra-up
	@trap 'deploy/local.sh infra-down' EXIT; $(UV) run --no-sync python -m tests.benchmarks.login

bench-broadcast: sync  ## province broadcast to 491 units: POST -> last 01 and deliveries/s, embedded (SQLite) and distributed (PostgreSQL + Kafka); routing roll-up and 10k-inbox p50/p95
	@deploy/local.sh infra-up
	@trap 'deploy/local.sh infra-down' EXIT; $(UV) run --no-sync python -m tests.benchmarks.broadcast

bench-notify: sync  ## notify: request event -> delivered per second and p50/p99, e-mail (SMTP sink) and webhook (HTTP receiver) (PostgreSQL + Kafka)
	@deploy/local.sh infra-up
	@trap 'deploy/local.sh infra-down' EXIT; $(UV) run --no-sync python -m tests.benchmarks.notify

bench-docs: sync  ## docs-service: documents/s through create -> PDF -> sign -> issue; search p50/p95 on 1,000,000 documents (PostgreSQL)
	@deploy/local.sh infra-up
	@trap 'deploy/local.sh infra-down' EXIT; $(UV) run --no-sync python -m tests.benchmarks.docs

schemas: sync  ## regenerate the checked-in JSON Schemas of the event contracts
	$(UV) run --no-sync python -m kit_contracts schemas libs/kit-contracts/schemas

clean:  ## delete local state (SQLite files, PostgreSQL and Kafka data, logs)
	deploy/local.sh down || true
	rm -rf var
