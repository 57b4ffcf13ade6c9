#!/usr/bin/env bash
# Installs everything Squirrel needs to build, run and be tested on Debian 12 / Ubuntu 22.04+.
# Idempotent: skips what is already there. Needs root (or sudo) for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

packages=(
  # the app: Tauri's WebKitGTK stack
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev pkg-config build-essential
  # tests: a real Docker engine, a busybox image, a virtual display and the WebDriver for WebKitGTK
  docker.io busybox-static xvfb webkit2gtk-driver curl ca-certificates openssl
  openssh-server openssh-client gnome-keyring dbus-x11
  # a real image registry for pulls and deploys
  docker-registry apache2-utils
  # Docker's credential helper over the Secret Service, for the config.json import
  golang-docker-credential-helpers
  # Node.js for the UI when the machine has none
)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust is missing: install it from https://rustup.rs and run this again" >&2
  exit 1
fi

# The UI's packages, exactly as locked.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: npm ci (ui)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
