#!/usr/bin/env bash
# Runs every test of Squirrel: lints, Rust unit and integration tests against a real dockerd,
# UI type check and unit tests, and the end-to-end tests of the real window over WebDriver.
# Installs what is missing first (scripts/setup.sh). Screenshots go to test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "setup"
bash scripts/setup.sh
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  step "installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi
export PATH="$HOME/.cargo/bin:$PATH"

step "rustfmt"
cargo fmt --all -- --check

step "UI: type check, unit tests, build"
(cd ui && npm run --silent typecheck && npm test --silent && npm run --silent build)

step "clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "Rust tests (real dockerd, sshd and keyring; the tests start their own engines and servers)"
# Bounded, so that a hang fails the run with its output instead of eating CI's time.
# The fault_* tests run below, one by one, with their outcomes listed.
timeout --kill-after=30s 30m bash tests/with-keyring.sh cargo test --workspace --quiet -- --skip fault_ 2>&1 | tee "$ROOT/target/rust-tests.log"

step "fault suite (frozen daemons, hung connects, flapping engines, late engines, host keys)"
bash tests/faults.sh

step "end-to-end: the real app window over WebDriver"
cargo build -p squirrel --bin squirrel --features custom-protocol --quiet
# The fake Proxmox VE server, as a process, for the Proxmox e2e test.
cargo build -p squirrel-proxmox --example fake_pve --quiet
export SQUIRREL_TEST_RUN=/tmp/squirrel-e2e
trap 'bash "$ROOT/tests/services.sh" stop' EXIT
bash tests/services.sh start
mkdir -p test-artifacts/screenshots
DISPLAY=$(cat "$SQUIRREL_TEST_RUN/display") SQUIRREL_APP="$ROOT/target/debug/squirrel" \
  DOCKER_HOST="unix://$SQUIRREL_TEST_RUN/docker.sock" \
  timeout --kill-after=30s 20m bash tests/with-keyring.sh \
  node --test --test-concurrency=1 --test-timeout=300000 tests/e2e/

step "all tests passed"
