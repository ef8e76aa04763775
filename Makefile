# ClinicDesk — `make run` and `make test` are the whole quick start on a fresh Debian 12 machine.
# Every target installs what it needs first (apt packages, npm packages, tauri-driver), idempotently.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Build cache outside the clone, so a fresh clone (and CI) reuses earlier builds on this machine.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/clinicdesk/target
# Compile-time checked SQL uses the committed .sqlx/ data; `make sqlx-prepare` refreshes it.
export SQLX_OFFLINE ?= true
export PATH := $(HOME)/.cargo/bin:$(PATH)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_PACKAGES := build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libsoup-3.0-dev libgtk-3-dev \
  librsvg2-dev libayatana-appindicator3-dev libxdo-dev postgresql xvfb xauth webkit2gtk-driver python3-aiosmtpd
TAURI := ui/node_modules/.bin/tauri
E2E_APP := $(CARGO_TARGET_DIR)/e2e-app/clinicdesk
DEV_DB_URL = $(shell scripts/dev-db.sh)

.PHONY: help setup deps-apt deps-npm deps-cargo run app app-debug test test-rust test-ui test-e2e \
        bindings sqlx-prepare package bench

help:
	@echo "make run     build and open ClinicDesk (embedded PostgreSQL, first-run wizard on a fresh machine)"
	@echo "make test    install what is missing, then run every test (Rust, UI, end-to-end)"
	@echo "make bench | bindings | sqlx-prepare | package"

setup: deps-apt deps-npm deps-cargo

# Installs only the Debian packages that are missing.
deps-apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v cargo >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs)"; exit 1; }
	@command -v npm >/dev/null || { echo "installing nodejs/npm"; DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

deps-npm: ui/node_modules/.installed

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps-cargo:
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --locked

# The desktop binary with the UI bundled in (a plain `cargo build` binary would load the dev server URL).
app: setup
	$(TAURI) build --no-bundle

app-debug: setup
	$(TAURI) build --debug --no-bundle
	mkdir -p $(dir $(E2E_APP)) && cp $(CARGO_TARGET_DIR)/debug/clinicdesk $(E2E_APP)

run: app
	$(CARGO_TARGET_DIR)/release/clinicdesk

test: setup test-rust test-ui test-e2e

test-rust:
	cargo test --workspace --locked

test-ui: deps-npm
	cd ui && npm test

# Each e2e test runs a whole app (webview, WebKitWebDriver, PostgreSQL): one test per two cores, so they do not
# starve each other into timeouts on a small machine (E2E_THREADS=n to choose).
E2E_THREADS ?= $(shell n=$$(nproc); echo $$(( n / 2 > 1 ? n / 2 : 1 )))

test-e2e: app-debug
	xvfb-run -a -s "-screen 0 1280x820x24" cargo test --locked --test e2e -- --ignored --skip ipc_timings --test-threads=$(E2E_THREADS)
	xvfb-run -a -s "-screen 0 1280x820x24" cargo test --locked --test lifecycle -- --ignored --test-threads=$(E2E_THREADS)

# What the desk waits for through IPC (BENCHMARKS.md, issue 16): the release app driven like the e2e tests, on a clinic
# of IPC_PATIENTS patients (default 1,000,000; seeding takes minutes), IPC_TRIES tries each (default 100).
.PHONY: bench-ipc
bench-ipc: app
	CLINICDESK_E2E_APP=$(CARGO_TARGET_DIR)/release/clinicdesk xvfb-run -a -s "-screen 0 1280x820x24" \
	  cargo test --locked --test e2e -- --ignored --exact ipc::ipc_timings_search_booking_and_board --nocapture

# --- for developers -------------------------------------------------------------------------------------
bindings:
	UPDATE_BINDINGS=1 cargo test --test bindings

# Regenerates .sqlx/ from the developers' database (scripts/dev-db.sh starts it).
sqlx-prepare:
	rm -rf .sqlx && mkdir .sqlx
	touch src-tauri/core/src/lib.rs src-tauri/cli/src/main.rs src-tauri/bench/src/main.rs src-tauri/app/lib.rs
	SQLX_OFFLINE=false SQLX_OFFLINE_DIR=$(CURDIR)/.sqlx DATABASE_URL='$(DEV_DB_URL)' cargo check --workspace --all-targets

# The numbers in BENCHMARKS.md: every scenario in its own throwaway cluster (release build).
BENCH_DIR ?= $(CARGO_TARGET_DIR)/bench-data
bench: deps-apt
	cargo build --release --locked -p clinicdesk-bench
	for s in booking slots board search export timeline notify reminders reports dashboard waitlist; do $(CARGO_TARGET_DIR)/release/clinicdesk-bench --data-dir $(BENCH_DIR) $$s; done

# The .deb holds the app, `clinicctl` (built here first, staged where tauri.conf.json's deb files point) and the
# agent's systemd unit (installed, not enabled).
package: setup
	cargo build --release --locked -p clinicctl
	mkdir -p packaging/build && install -m 0755 $(CARGO_TARGET_DIR)/release/clinicctl packaging/build/clinicctl
	$(TAURI) build --bundles deb

# Installs the built .deb with apt, starts it from its menu entry under Xvfb to the first-run wizard, screenshot
# in $(CARGO_TARGET_DIR)/deb-test/ (needs `make package` first; not part of `make test`: a release build).
.PHONY: test-package
test-package: deps-apt deps-cargo
	scripts/test-deb.sh
