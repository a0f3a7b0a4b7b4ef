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
# Release binaries: the servers statically linked with the Swift runtime (the hosts Ansible deploys to have none),
# morsectl linked normally (static FoundationNetworking needs a static libcurl, which Debian does not ship).
RELEASE_SCRATCH ?= .build-release
RELEASE_BIN = $(RELEASE_SCRATCH)/release
MORSECTL = $(RELEASE_SCRATCH)-ctl/release/morsectl
BENCH_VENV = $(shell scripts/python-venv.sh bench/requirements.txt bench-venv)
# Python tools of the end-to-end tests live in a venv outside the tree (scripts/python-venv.sh).
E2E_VENV = $(shell scripts/python-venv.sh Tests/e2e/requirements.txt e2e-venv)
ANSIBLE_VENV = $(shell scripts/python-venv.sh ansible/requirements.txt ansible-venv)
# `make deploy`: the inventory (the Jenkins job passes its INVENTORY parameter); by default the test bed's, which
# cluster/testbed/up writes.
TESTBED_INVENTORY = $(or $(MORSE_TESTBED_INVENTORY),ansible/inventory/testbed/hosts.yml)
INVENTORY := $(or $(INVENTORY),$(TESTBED_INVENTORY))

.PHONY: help deps deps-test build release lint format run test test-fast test-swift test-e2e test-heat test-fuzz fuzz test-testbed testbed-up testbed-down deploy status ssh-config restore \
	bench bench-core bench-audio test-bench test-bench-audio test-browser test-hostile sanitize test-sanitize test-images images

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: ## Install build dependencies (apt, idempotent)
	@scripts/install-deps.sh build

deps-test: ## Install build and test dependencies (apt, idempotent)
	@scripts/install-deps.sh build test

build: deps ## Debug build of every product
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps ## Release build: morse-worker, morse-proxy, morse (static runtime) and morsectl
	MORSE_TESTBED_SCRATCH=$(RELEASE_SCRATCH) cluster/testbed/build > /dev/null

lint: ## Swift (swift-format), the page's JavaScript and CSS, the Python (ruff), .gitlab-ci.yml (GitLab's schema): each linter's own script
	$(SWIFT) format lint --strict --recursive Sources Tests
	scripts/lint-web.sh
	scripts/lint-python.sh
	scripts/lint-ci.sh

format: ## Reformat the Swift sources in place
	$(SWIFT) format format --in-place --recursive Sources Tests

run: release ## Run the cluster locally: proxy :8080, workers :8081.. (WORKERS=3, PROXY_PORT=...); Ctrl-C stops it
	$(MORSECTL) cluster up --bin-dir $(RELEASE_BIN) --workers $(WORKERS) --proxy-port $(PROXY_PORT) \
		--worker-port $(WORKER_PORT) --admin-port $(ADMIN_PORT)

test: deps-test lint build test-swift test-e2e test-heat test-fuzz test-browser test-hostile test-sanitize test-testbed test-images test-bench test-bench-audio ## Run every test (installs what they need)

# Two runs of one build: the core's tests (seconds of CPU each in a debug build: the audio decoder's recordings, the
# property tests) in a process of their own, so that they do not hold the two threads of Swift's cooperative pool
# while the worker's tests wait on timers and deadlines beside them; then everything else.
test-swift: build ## Swift tests: the core, the worker (SQLite and a real PostgreSQL), the proxy (real sockets)
	$(SWIFT) test $(SWIFT_BUILD_FLAGS) --filter MorseCodeTests
	$(SWIFT) test $(SWIFT_BUILD_FLAGS) --skip MorseCodeTests

test-e2e: build ## End-to-end: a local cluster, smoke round trips, a killed worker, Ctrl-C, the Jenkins job
	PATH="$(E2E_VENV)/bin:$$PATH" pytest -v --durations=8 Tests/e2e

test-browser: build ## The page in headless chromium against a local cluster (installs chromium, chromium-driver, Selenium)
	Tests/browser/run.sh

test-hostile: build ## Hostile clients against the proxy, a PostgreSQL outage, SQLite disk full (local cluster)
	MORSE_BIN_DIR=$(CURDIR)/.build/debug Tests/hostile/run.sh

test-sanitize: ## Proxy and worker test suites under ASan and TSan (.build-asan, .build-tsan)
	scripts/sanitize.sh

sanitize: test-sanitize ## Same as test-sanitize

test-heat: ## Heat templates validated by Heat's own engine, policy tests, the inventory bridge, yamllint
	heat/test.sh

test-fuzz: ## Each libFuzzer target for 45 s from its committed corpus and past crashes
	Tests/Fuzz/run.sh --seconds 45

fuzz: ## Long fuzzing runs (FUZZ_SECONDS per target, default 1800)
	Tests/Fuzz/run.sh --seconds $(or $(FUZZ_SECONDS),1800)

# The test bed and the harness's test run the debug build the other suites test (the test bed's copy linked with the
# static Swift runtime): what they check does not depend on the optimiser, and a cold release build of the worker
# (15 minutes on 2 cores) would make `make test` overrun CI's limit. `make release`, `make bench` and `make run` build
# and use the release binaries; `MORSE_TESTBED_CONFIGURATION=release Tests/testbed/run.sh` deploys those instead.
test-testbed: build ## Ansible on a real multi-host test bed (systemd-nspawn in network namespaces); needs root
	MORSE_TESTBED_CONFIGURATION=debug Tests/testbed/run.sh

# After the test bed in `make test`: both run the debug build linked with the static Swift runtime, linked once.
test-images: build ## The OCI images built with podman, run from their own root file systems with systemd-nspawn: requests through a proxy image to two worker images
	Tests/containers/run.sh

images: release ## OCI images localhost/morse-worker, morse-proxy and morse (podman, COPY-only over a debootstrap base; docs/containers.md)
	@scripts/install-deps.sh images
	containers/build --bin-dir $(RELEASE_BIN)

testbed-up: ## Start the test bed: bastion, proxy, web1, web2, db as containers in network namespaces
	cluster/testbed/up

testbed-down: ## Stop the test bed and remove everything it made
	cluster/testbed/down

# The test bed answers only from its operator namespace, so for its inventory cluster/testbed/deploy runs
# ansible-playbook there. MORSE_BIN_DIR (given: the binaries are not built again) and ANSIBLE_VAULT_PASSWORD_FILE
# (Ansible's own variable: the file with the vault password, e.g. a Jenkins secret file) reach ansible-playbook
# through the environment either way.
deploy: ## site.yml to INVENTORY (default: the test bed's) with make release's binaries; vault password file: ANSIBLE_VAULT_PASSWORD_FILE
	@test -f "$(INVENTORY)" || { echo "make deploy: there is no inventory $(INVENTORY)" \
		"(the test bed writes $(TESTBED_INVENTORY) when cluster/testbed/up runs; Heat: ansible/README.md)" >&2; exit 1; }
	@if [ -n "$${ANSIBLE_VAULT_PASSWORD_FILE:-}" ] && [ ! -r "$$ANSIBLE_VAULT_PASSWORD_FILE" ]; then \
		echo "make deploy: ANSIBLE_VAULT_PASSWORD_FILE=$$ANSIBLE_VAULT_PASSWORD_FILE is not a readable file" >&2; exit 1; fi
	@export MORSE_BIN_DIR="$${MORSE_BIN_DIR:-$(abspath $(RELEASE_BIN))}"; \
	if [ "$(abspath $(INVENTORY))" = "$(abspath $(TESTBED_INVENTORY))" ]; then \
		cluster/testbed/deploy; \
	else \
		cd ansible && "$(ANSIBLE_VENV)/bin/ansible-playbook" -i "$(abspath $(INVENTORY))" site.yml; \
	fi

status: ## One table for the whole cluster (INVENTORY, default the test bed's): services, versions, readiness, each proxy's view
	@scripts/status.sh "$(INVENTORY)"

# `make ssh-config`: where the generated file goes - for the test bed beside its operator key, for another inventory
# ~/.ssh/morse-<inventory name>.
SSH_CONFIG_DIR ?= $(if $(filter $(abspath $(INVENTORY)),$(abspath $(TESTBED_INVENTORY))),$(or $(MORSE_TESTBED_CACHE),/var/cache/morse-cluster/testbed)/ssh/people,$(HOME)/.ssh/morse-$(basename $(notdir $(INVENTORY))))

ssh-config: ## OpenSSH config for people from INVENTORY: every host by name through the bastion, pinned host keys, shared connections, proxy-N-admin forwards (SSH_CONFIG_DIR; TRUST_ON_FIRST_USE=1 for an inventory without keys)
	@test -f "$(INVENTORY)" || { echo "make ssh-config: there is no inventory $(INVENTORY)" >&2; exit 1; }
	@cd ansible && "$(ANSIBLE_VENV)/bin/ansible-playbook" -i "$(abspath $(INVENTORY))" ssh-config.yml \
		-e ssh_config_dir="$(SSH_CONFIG_DIR)" $(if $(TRUST_ON_FIRST_USE),-e ssh_config_trust_on_first_use=true)

# `make restore`: ansible/restore.yml against INVENTORY, as deploy runs site.yml (the test bed's from its operator
# namespace). BACKUP is a file name in the database host's /var/lib/postgresql/backups; the newest by default. The
# playbook converges the database host first: a Heat inventory needs the vault password (ANSIBLE_VAULT_PASSWORD_FILE).
restore: ## Bring a database backup back on INVENTORY's database host (BACKUP=<file>, default the newest)
	@test -f "$(INVENTORY)" || { echo "make restore: there is no inventory $(INVENTORY)" >&2; exit 1; }
	@if [ "$(abspath $(INVENTORY))" = "$(abspath $(TESTBED_INVENTORY))" ]; then \
		cluster/testbed/playbook restore.yml $(if $(BACKUP),-e "backup=$(BACKUP)"); \
	else \
		cd ansible && "$(ANSIBLE_VENV)/bin/ansible-playbook" -i "$(abspath $(INVENTORY))" restore.yml \
			$(if $(BACKUP),-e "backup=$(BACKUP)"); \
	fi

test-fast: ## Only the pure core's tests: seconds, for iterating
	$(SWIFT) test --filter MorseCodeTests $(SWIFT_BUILD_FLAGS)

bench: release ## morse-proxy vs HAProxy vs nginx vs direct, every scenario (< 20 min; QUICK=1: < 3 min) -> bench/results/
	@scripts/install-deps.sh bench
	$(BENCH_VENV)/bin/python bench/run.py --bin-dir $(RELEASE_BIN) --morsectl $(MORSECTL) $(if $(filter 1,$(QUICK)),--quick)

test-bench: build ## The benchmark harness in QUICK mode on the debug build; checks the table and the PNG it writes
	@scripts/install-deps.sh bench
	bench/tests/test_quick.sh --bin-dir $(CURDIR)/.build/debug

bench-audio: release ## Morse from sound: morse decode-audio vs multimon-ng on a seeded corpus of 300 recordings, CER per condition, speed (< 2 min once built) -> bench/results/
	@scripts/install-deps.sh bench
	$(BENCH_VENV)/bin/python bench/audio/run.py --morse $(RELEASE_BIN)/morse --worker-bin $(RELEASE_BIN)/morse-worker

test-bench-audio: build ## The audio benchmark in QUICK mode on the debug build: its own tests, then checks its table, JSON and PNG
	bench/audio/tests/test_quick.sh --morse $(CURDIR)/.build/debug/morse

bench-core: deps ## Core encode/decode throughput against `tr` (≥ 50 MiB)
	bench/core/bench.sh
