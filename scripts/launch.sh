#!/usr/bin/env bash
# Sets up the machine if needed, builds the UI and the app, and launches Squirrel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run build)
exec cargo run -p squirrel --bin squirrel --features custom-protocol -- "$@"
