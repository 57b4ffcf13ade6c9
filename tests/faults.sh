#!/usr/bin/env bash
# The fault suite: what a homelab throws at Squirrel, tried one at a time against real
# daemons (dockerd, sshd, the Secret Service, SQLite files), each with its outcome, then
# "N passed, M failed". Runs by hand (as root, after scripts/setup.sh) and in CI.
# Usage: tests/faults.sh [filter]   (only the faults whose description contains filter)
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

# description | package | test binary | test name
FAULTS=(
  "a frozen dockerd (SIGSTOP) turns 'not responding', then recovers without duplicates|squirrel-app|faults|fault_a_frozen_engine_is_reported_not_responding_and_recovers_without_duplicates"
  "a frozen sshd and its sessions turn 'not responding', then recover|squirrel-app|faults|fault_a_frozen_ssh_server_is_reported_not_responding_and_recovers"
  "removing a device whose connect hangs returns at once|squirrel-app|faults|fault_removing_a_device_whose_connect_hangs_returns_at_once"
  "an engine that drops every event stream is retried ever more slowly|squirrel-app|faults|fault_an_engine_that_drops_every_stream_is_retried_ever_more_slowly"
  "Docker started after Squirrel is found and added|squirrel-app|faults|fault_docker_started_after_squirrel_is_found_and_added"
  "stats of 30 containers over SSH stay within sshd's MaxSessions (10)|squirrel-app|faults|fault_stats_of_many_containers_over_ssh_stay_within_max_sessions"
  "an sshd that rotates to a key of another algorithm is refused as CHANGED|squirrel-app|ssh|a_host_key_of_another_algorithm_is_a_changed_key_and_the_one_on_file_is_preferred"
  "a revoked host key is refused even when approved|squirrel-app|ssh|a_revoked_host_key_is_refused_even_when_approved"
  "a host reached only through a jump host (ProxyJump, Included config)|squirrel-app|ssh|a_host_behind_a_jump_host_is_reached_with_proxy_jump_from_an_included_config"
  "wrong keys and closed ports get human reasons|squirrel-app|ssh|wrong_keys_and_closed_ports_get_human_reasons"
  "an engine restarted under a live device turns unreachable, then resyncs without duplicates|squirrel-app|watcher|an_engine_restart_marks_the_device_unreachable_then_resyncs_without_duplicates"
  "a missing Docker socket gets a human reason|squirrel-app|watcher|a_missing_socket_gives_a_human_reason"
  "a TLS engine signed by a CA in the OS store but not the device's is refused; IPv6 works|squirrel-app|tls_roots|only_the_devices_own_ca_is_trusted_and_ipv6_literals_work"
  "a data folder left world-readable is made private (0700, files 0600)|squirrel-app|data_folder|the_data_folder_is_0700_and_the_database_0600"
  "no Secret Service on the bus: one clear sentence|squirrel-secrets|no_session_bus|an_absent_secret_service_is_reported_in_one_sentence"
  "two writers that read first both commit (BEGIN IMMEDIATE)|squirrel-store|hardening|concurrent_read_then_write_transactions_wait_instead_of_failing"
  "one unreadable device row does not hide the others|squirrel-store|hardening|one_unreadable_device_row_does_not_hide_the_others"
  "a failed migration leaves the database and its copy intact|squirrel-store|hardening|a_failed_migration_leaves_the_database_and_its_copy_intact"
)

filter="${1:-}"
log_dir=$(mktemp -d /tmp/squirrel-faults.XXXXXX)
echo "==> building the fault tests"
if ! timeout 20m cargo test -p squirrel-app -p squirrel-store -p squirrel-secrets --tests --no-run --quiet >"$log_dir/build.log" 2>&1; then
  cat "$log_dir/build.log"
  echo "0 passed, ${#FAULTS[@]} failed (the tests did not build)"
  exit 1
fi

passed=0
failed=0
failures=()
for entry in "${FAULTS[@]}"; do
  IFS='|' read -r what package binary name <<<"$entry"
  [[ -n "$filter" && "$what" != *"$filter"* ]] && continue
  log="$log_dir/$name.log"
  start=$(date +%s)
  # Each fault under its own bound: a hang is a failure with its output, not a stuck run.
  if timeout --kill-after=10s 5m bash tests/with-keyring.sh \
      cargo test -q -p "$package" --test "$binary" -- --exact "$name" >"$log" 2>&1 \
      && grep -q "1 passed" "$log"; then
    passed=$((passed + 1))
    printf 'ok      %-90s %4ss\n' "$what" "$(( $(date +%s) - start ))"
  else
    failed=$((failed + 1))
    failures+=("$log")
    printf 'FAILED  %-90s %4ss  (log: %s)\n' "$what" "$(( $(date +%s) - start ))" "$log"
  fi
done

for log in "${failures[@]}"; do
  printf '\n---- %s ----\n' "$log"
  tail -n 40 "$log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
