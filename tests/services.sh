#!/usr/bin/env bash
# Starts or stops the services the end-to-end tests need:
#   a private Docker engine (own data-root and socket, so the host's Docker is never touched)
#   with a busybox:local image, a virtual X display, an sshd on loopback, and an image
#   registry on loopback holding `e2e/hello:1` (busybox plus a layer of its own).
# Usage: tests/services.sh start|stop   (state lives in $SQUIRREL_TEST_RUN, default /tmp/squirrel-e2e)
# The display's name (":N") is written to $SQUIRREL_TEST_RUN/display once the X server accepts
# clients.
set -euo pipefail
RUN="${SQUIRREL_TEST_RUN:-/tmp/squirrel-e2e}"

# Whether the process named in pid file $1 runs and is $2 (its name in /proc). A pid file
# left behind by a killed service can name a pid the system has since given to another
# process (a test's WebDriver server, say): that one is neither ours to kill nor a sign that
# the service runs.
ours() {
  local pid
  [ -f "$1" ] && pid=$(cat "$1") && [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

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
  start_xvfb
  start_sshd
  start_registry
  echo "services: docker at unix://$RUN/docker.sock, sshd on 127.0.0.1:$(cat "$RUN/ssh/port"), registry on 127.0.0.1:$(cat "$RUN/registry/port"), display $(cat "$RUN/display")"
}

# Debian's docker-registry on loopback (insecure registries on loopback need no TLS), with
# one image whose last layer the engine does not have, so that a pull shows its progress.
start_registry() {
  local reg="$RUN/registry"
  mkdir -p "$reg"
  echo "${SQUIRREL_TEST_REGISTRY_PORT:-$((25022 + $(printf '%s' "$RUN" | cksum | cut -d' ' -f1) % 2000))}" >"$reg/port"
  local port
  port=$(cat "$reg/port")
  cat >"$reg/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $reg/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
CONF
  if ! ours "$reg/registry.pid" docker-registry; then
    docker-registry serve "$reg/config.yml" >"$reg/registry.log" 2>&1 &
    echo $! >"$reg/registry.pid"
  fi
  for _ in $(seq 1 200); do
    curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null || { cat "$reg/registry.log"; exit 1; }
  local image="127.0.0.1:$port/e2e/hello:1"
  if ! curl -fsS -o /dev/null 2>/dev/null "http://127.0.0.1:$port/v2/e2e/hello/manifests/1" \
      -H 'Accept: application/vnd.docker.distribution.manifest.v2+json'; then
    local d="DOCKER_HOST=unix://$RUN/docker.sock"
    env "$d" docker rm -f e2e-layer >/dev/null 2>&1 || true
    env "$d" docker run --name e2e-layer --network none busybox:local \
      /bin/busybox dd if=/dev/urandom of=/payload bs=1024 count=8192 >/dev/null 2>&1
    env "$d" docker commit e2e-layer "$image" >/dev/null
    env "$d" docker rm e2e-layer >/dev/null
    env "$d" docker push --quiet "$image" >/dev/null
    env "$d" docker rmi "$image" >/dev/null
  fi
}

# A virtual display of our own. A socket in /tmp/.X11-unix proves nothing (a killed server
# leaves it behind), so the server we started is tracked by its pid, and Xvfb picks a free
# display itself and names it on a pipe (-displayfd) only once it accepts clients.
start_xvfb() {
  if ours "$RUN/xvfb.pid" Xvfb && [ -s "$RUN/display" ]; then
    return
  fi
  rm -f "$RUN/display.fd"
  Xvfb -displayfd 3 -screen 0 1440x900x24 -nolisten tcp 3>"$RUN/display.fd" >"$RUN/xvfb.log" 2>&1 &
  echo $! >"$RUN/xvfb.pid"
  for _ in $(seq 1 300); do
    [ -s "$RUN/display.fd" ] && break
    kill -0 "$(cat "$RUN/xvfb.pid")" 2>/dev/null || break
    sleep 0.1
  done
  if ! [ -s "$RUN/display.fd" ]; then
    echo "services: Xvfb did not start:" >&2
    cat "$RUN/xvfb.log" >&2
    exit 1
  fi
  echo ":$(tr -d '[:space:]' <"$RUN/display.fd")" >"$RUN/display"
}

# An OpenSSH server on loopback that lets root in with a test key: the "remote host" of the
# end-to-end tests, forwarding to the same test engine's socket.
start_sshd() {
  local ssh="$RUN/ssh"
  mkdir -p "$ssh" /run/sshd
  [ -f "$ssh/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$ssh/host_key"
  [ -f "$ssh/id_e2e" ] || ssh-keygen -q -t ed25519 -N '' -C squirrel-e2e -f "$ssh/id_e2e"
  cp "$ssh/id_e2e.pub" "$ssh/authorized_keys"
  # A port of this run's own (from its folder's name), so that two runs side by side (a
  # benchmark beside the tests) never share an sshd.
  echo "${SQUIRREL_TEST_SSH_PORT:-$((22022 + $(printf '%s' "$RUN" | cksum | cut -d' ' -f1) % 2000))}" >"$ssh/port"
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
# Sessions run commands without root's ~/.bashrc (bash reads it for ssh commands only at
# SHLVL 1): the machine's shell setup (pyenv's rehash lock, say) is not under test.
SetEnv SHLVL=1
CONF
  if ! ours "$ssh/sshd.pid" sshd; then
    /usr/sbin/sshd -f "$ssh/sshd_config" -E "$ssh/sshd.log"
  fi
}

stop() {
  if [ -S "$RUN/docker.sock" ]; then
    ids=$(DOCKER_HOST="unix://$RUN/docker.sock" docker ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || DOCKER_HOST="unix://$RUN/docker.sock" docker rm -f $ids >/dev/null 2>&1 || true
  fi
  ours "$RUN/docker.pid" dockerd && kill "$(cat "$RUN/docker.pid")" 2>/dev/null || true
  ours "$RUN/xvfb.pid" Xvfb && kill "$(cat "$RUN/xvfb.pid")" 2>/dev/null || true
  ours "$RUN/ssh/sshd.pid" sshd && kill "$(cat "$RUN/ssh/sshd.pid")" 2>/dev/null || true
  ours "$RUN/registry/registry.pid" docker-registry && kill "$(cat "$RUN/registry/registry.pid")" 2>/dev/null || true
  for _ in $(seq 1 100); do
    ours "$RUN/docker.pid" dockerd || break
    sleep 0.1
  done
  rm -f "$RUN/docker.pid" "$RUN/xvfb.pid" "$RUN/ssh/sshd.pid" "$RUN/registry/registry.pid" \
    "$RUN/display" "$RUN/display.fd"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
