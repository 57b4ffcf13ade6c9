#!/usr/bin/env bash
# Starts or stops the services the end-to-end tests need:
#   a private Docker engine (own data-root and socket, so the host's Docker is never touched)
#   with a busybox:local image, and a virtual X display.
# Usage: tests/services.sh start|stop   (state lives in $SQUIRREL_TEST_RUN, default /tmp/squirrel-e2e)
set -euo pipefail
RUN="${SQUIRREL_TEST_RUN:-/tmp/squirrel-e2e}"
DISPLAY_NUM="${SQUIRREL_TEST_DISPLAY:-:99}"

start() {
  mkdir -p "$RUN"
  if [ ! -S "$RUN/docker.sock" ] || ! DOCKER_HOST="unix://$RUN/docker.sock" docker version >/dev/null 2>&1; then
    dockerd --data-root "$RUN/data" --exec-root "$RUN/exec" --pidfile "$RUN/docker.pid" \
      -H "unix://$RUN/docker.sock" --bridge=none --iptables=false --ip-masq=false \
      >"$RUN/dockerd.log" 2>&1 &
    for _ in $(seq 1 600); do
      DOCKER_HOST="unix://$RUN/docker.sock" docker version >/dev/null 2>&1 && break
      sleep 0.1
    done
    DOCKER_HOST="unix://$RUN/docker.sock" docker version >/dev/null || { cat "$RUN/dockerd.log"; exit 1; }
  fi
  if ! DOCKER_HOST="unix://$RUN/docker.sock" docker image inspect busybox:local >/dev/null 2>&1; then
    rootfs="$RUN/rootfs"
    mkdir -p "$rootfs/bin"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in sh ls cat echo sleep tar top httpd wget; do ln -sf busybox "$rootfs/bin/$applet"; done
    tar -C "$rootfs" -c . | DOCKER_HOST="unix://$RUN/docker.sock" docker import -c 'CMD ["/bin/sh"]' - busybox:local >/dev/null
  fi
  if ! [ -e "/tmp/.X11-unix/X${DISPLAY_NUM#:}" ]; then
    Xvfb "$DISPLAY_NUM" -screen 0 1440x900x24 -nolisten tcp >"$RUN/xvfb.log" 2>&1 &
    echo $! >"$RUN/xvfb.pid"
    for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X${DISPLAY_NUM#:}" ] && break; sleep 0.1; done
  fi
  start_sshd
  echo "services: docker at unix://$RUN/docker.sock, sshd on 127.0.0.1:$(cat "$RUN/ssh/port"), display $DISPLAY_NUM"
}

# An OpenSSH server on loopback that lets root in with a test key: the "remote host" of the
# end-to-end tests, forwarding to the same test engine's socket.
start_sshd() {
  local ssh="$RUN/ssh"
  mkdir -p "$ssh" /run/sshd
  [ -f "$ssh/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$ssh/host_key"
  [ -f "$ssh/id_e2e" ] || ssh-keygen -q -t ed25519 -N '' -C squirrel-e2e -f "$ssh/id_e2e"
  cp "$ssh/id_e2e.pub" "$ssh/authorized_keys"
  echo "${SQUIRREL_TEST_SSH_PORT:-22022}" >"$ssh/port"
  cat >"$ssh/sshd_config" <<CONF
Port $(cat "$ssh/port")
ListenAddress 127.0.0.1
HostKey $ssh/host_key
PidFile $ssh/sshd.pid
AuthorizedKeysFile $ssh/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
CONF
  if ! [ -f "$ssh/sshd.pid" ] || ! kill -0 "$(cat "$ssh/sshd.pid")" 2>/dev/null; then
    /usr/sbin/sshd -f "$ssh/sshd_config" -E "$ssh/sshd.log"
  fi
}

stop() {
  if [ -S "$RUN/docker.sock" ]; then
    ids=$(DOCKER_HOST="unix://$RUN/docker.sock" docker ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || DOCKER_HOST="unix://$RUN/docker.sock" docker rm -f $ids >/dev/null 2>&1 || true
  fi
  [ -f "$RUN/docker.pid" ] && kill "$(cat "$RUN/docker.pid")" 2>/dev/null || true
  [ -f "$RUN/xvfb.pid" ] && kill "$(cat "$RUN/xvfb.pid")" 2>/dev/null || true
  [ -f "$RUN/ssh/sshd.pid" ] && kill "$(cat "$RUN/ssh/sshd.pid")" 2>/dev/null || true
  for _ in $(seq 1 100); do
    [ -f "$RUN/docker.pid" ] && kill -0 "$(cat "$RUN/docker.pid")" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$RUN/xvfb.pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
