#!/usr/bin/env bash
# Stands in for the ferrodoor binary in `ferrodoor-bench suite --bin`: `serve` runs under
# callgrind (instruction counts: the same for the same work whatever else the machine does),
# anything else (the WeChat emulator) runs as is.
#   CALLGRIND_OUT=/tmp/serve.callgrind ferrodoor-bench suite --bin bench/callgrind-serve.sh …
set -euo pipefail
bin="${CALLGRIND_REAL_BIN:-$(dirname "$0")/../target/release/ferrodoor}"
if [ "${1:-}" = serve ]; then
  exec valgrind --tool=callgrind --callgrind-out-file="${CALLGRIND_OUT:-/tmp/ferrodoor.callgrind}.%p" \
    --dump-instr=no --collect-atstart=yes "$bin" "$@"
fi
exec "$bin" "$@"
