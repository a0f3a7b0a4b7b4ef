# Morse cluster: build, run and test. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: help deps deps-test build release lint format run test test-fast test-swift bench-core

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

run: deps ## Run the cluster locally (for now: the morse CLI's help)
	$(SWIFT) build -c release --product morse $(SWIFT_BUILD_FLAGS)
	.build/release/morse --help

test: deps-test lint build ## Run every test (installs what they need)
	$(SWIFT) test $(SWIFT_BUILD_FLAGS)

test-fast: ## Only the pure core's tests: seconds, for iterating
	$(SWIFT) test --filter MorseCodeTests $(SWIFT_BUILD_FLAGS)

bench-core: deps ## Core encode/decode throughput against `tr` (≥ 50 MiB)
	bench/core/bench.sh
