#!/usr/bin/env bash
# Stands in for the ferrodoor binary in `ferrodoor-bench suite --bin`: `serve` runs under
# `perf stat` for the server's whole life (counts per sign-in do not move with the VM's
# speed, rates do), anything else (the WeChat emulator) runs as is. The suite's SIGTERM is
# passed to the server so that perf writes its counts when the server ends.
#   PERF_STAT_OUT=/tmp/serve.stat ferrodoor-bench suite --bin bench/perf-stat-serve.sh \
#     --backends sqlite --scenarios login-returning --concurrency 16 --requests 4000 --runs 1
# One file per server process (`$PERF_STAT_OUT.<pid>`); the largest is the measured one.
# Divide each count by that server's sign-ins (64 seeded + 300 warm-up + the timed ones).
# The suite's own "server CPU" column counts this script, perf and the server together.
set -euo pipefail
bin="${PERF_STAT_REAL_BIN:-$(dirname "$0")/../target/release/ferrodoor}"
events="${PERF_STAT_EVENTS:-task-clock,context-switches,syscalls:sys_enter_futex,syscalls:sys_enter_pread64,syscalls:sys_enter_pwrite64,syscalls:sys_enter_openat,syscalls:sys_enter_fsync}"
if [ "${1:-}" = serve ]; then
  perf stat -x, -o "${PERF_STAT_OUT:-/tmp/ferrodoor.stat}.$$" -e "$events" "$bin" "$@" &
  perf_pid=$!
  trap 'pkill -TERM -P "$perf_pid"' TERM
  wait "$perf_pid" || wait "$perf_pid"
  exit 0
fi
exec "$bin" "$@"
