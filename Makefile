# Morse cluster: build, run and test. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=
# `make run` settings: the cluster on loopback.
WORKERS ?= 2
PROXY_PORT ?= 8080
WORKER_PORT ?= 8081
ADMIN_PORT ?= 9090
# Python tools of the end-to-end tests live in a venv outside the tree (scripts/python-venv.sh).
E2E_VENV = $(shell scripts/python-venv.sh Tests/e2e/requirements.txt e2e-venv)

.PHONY: help deps deps-test build release lint format run test test-fast test-swift test-e2e test-heat deploy \
	bench-core

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: ## Install build dependencies (apt, idempotent)
	@scripts/install-deps.sh build

deps-test: ## Install build and test dependencies (apt, idempotent)
	@scripts/install-deps.sh build test

build: deps ## Debug build of every product
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps ## Release build of every product
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

lint: ## Check formatting with the toolchain's swift-format
	$(SWIFT) format lint --strict --recursive Sources Tests

format: ## Reformat the Swift sources in place
	$(SWIFT) format format --in-place --recursive Sources Tests

run: release ## Run the cluster locally: proxy :8080, workers :8081.. (WORKERS=3, PROXY_PORT=...); Ctrl-C stops it
	.build/release/morsectl cluster up --workers $(WORKERS) --proxy-port $(PROXY_PORT) \
		--worker-port $(WORKER_PORT) --admin-port $(ADMIN_PORT)

test: deps-test lint build test-swift test-e2e test-heat ## Run every test (installs what they need)

test-swift: build ## Swift tests: the core, the worker (SQLite and a real PostgreSQL), the proxy (real sockets)
	$(SWIFT) test $(SWIFT_BUILD_FLAGS)

test-e2e: build ## End-to-end: a local cluster, smoke round trips, a killed worker, Ctrl-C, the Jenkins job
	PATH="$(E2E_VENV)/bin:$$PATH" pytest -v Tests/e2e

test-heat: ## Heat templates validated by Heat's own engine, policy tests, the inventory bridge, yamllint
	heat/test.sh

deploy: ## Deploy with Ansible to INVENTORY (see ansible/README.md)
	@test -n "$(INVENTORY)" || { echo "make deploy: set INVENTORY=path/to/inventory" >&2; exit 2; }
	cd ansible && ansible-playbook -i "$(abspath $(INVENTORY))" site.yml

test-fast: ## Only the pure core's tests: seconds, for iterating
	$(SWIFT) test --filter MorseCodeTests $(SWIFT_BUILD_FLAGS)

bench-core: deps ## Core encode/decode throughput against `tr` (≥ 50 MiB)
	bench/core/bench.sh
