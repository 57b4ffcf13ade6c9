#!/usr/bin/env bash
# Runs a command in a private D-Bus session with a fresh, unlocked GNOME Keyring: the real
# Secret Service that Squirrel's secrets go to. The keyring files live in a temporary
# XDG_DATA_HOME, so the user's own keyring is never touched.
set -euo pipefail
export XDG_DATA_HOME
XDG_DATA_HOME=$(mktemp -d /tmp/squirrel-keyring.XXXXXX)
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
dbus-run-session -- bash -c '
  echo -n squirrel-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' bash "$@"
