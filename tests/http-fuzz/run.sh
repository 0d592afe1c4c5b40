#!/usr/bin/env bash
# Schema-driven HTTP fuzzing of the real binary with Schemathesis: every operation of the
# OpenAPI document the server serves (GET /api/openapi.json), unauthenticated and as the
# built-in administrator. Fails on any 5xx (not_a_server_error) and on answers that do not
# match the document (status codes, content types, response schemas).
#
#   tests/http-fuzz/run.sh [seconds-per-run]       (default 60; two runs)
#
# Uses $FERRODOOR_BIN (default target/debug/ferrodoor) and a venv in tests/http-fuzz/.venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
budget="${1:-60}"
bin="${FERRODOOR_BIN:-$repo/target/debug/ferrodoor}"
[ -x "$bin" ] || { echo "no binary at $bin: cargo build -p ferrodoor or set FERRODOOR_BIN" >&2; exit 1; }

[ -x "$here/.venv/bin/python" ] || python3 -m venv "$here/.venv"
"$here/.venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$here/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {
  for _ in $(seq 1 300); do
    "$here/.venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$1 did not answer" >&2
  cat "$work"/*.log >&2
  exit 1
}

emu_port=$(free_port)
(cd "$work" && exec env -u FERRODOOR_DATABASE_URL "$bin" wechat-emulator --listen "127.0.0.1:$emu_port" \
  --app "wx1111111111111111:fuzz-secret-00000000000000000000:unionid" >"$work/emulator.log" 2>&1) &
pids+=($!)
wait_for "http://127.0.0.1:$emu_port/__emulator/stats"

port=$(free_port)
base="http://127.0.0.1:$port"
password="fuzz-admin-$(date +%s%N)"
(cd "$work" && exec env FERRODOOR_LISTEN="127.0.0.1:$port" FERRODOOR_DATABASE_URL="sqlite://$work/ferrodoor.db" \
  FERRODOOR_ADMIN_PASSWORD="$password" FERRODOOR_WECHAT_API_BASE="http://127.0.0.1:$emu_port" \
  FERRODOOR_RATE_LIMIT_PER_MINUTE=100000 FERRODOOR_RATE_LIMIT_BURST=100000 \
  FERRODOOR_LOG=warn "$bin" serve >"$work/ferrodoor.log" 2>&1) &
pids+=($!)
wait_for "$base/api/health"

status=0
# run NAME [VAR=value…] -- [schemathesis option…]
run() {
  local name="$1" envs=() opts=()
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  opts=("$@")
  echo "== schemathesis: $name (${budget}s)"
  local start=$SECONDS
  # Checks: no 5xx, and every answer is one the document describes.
  (cd "$work" && env PYTHONPATH="$here" SCHEMATHESIS_HOOKS=hooks FUZZ_BASE="$base" "${envs[@]}" \
    "$here/.venv/bin/schemathesis" --no-color run "$base/api/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-time "$budget" --workers 1 --seed 7 --request-timeout 10 \
    --suppress-health-check all --warnings off \
    --report junit,har --report-junit-path "$here/report-$name.xml" \
    --report-har-path "$here/report-$name.har" "${opts[@]}") || status=1
  "$here/.venv/bin/python" "$here/summary.py" "$here/report-$name.har"
  echo "== $name took $((SECONDS - start))s"
}
run anonymous
# Logging out would end the session the whole run uses.
run admin FUZZ_ADMIN_PASSWORD="$password" -- --exclude-path /api/logout

if grep -E '" (5[0-9][0-9]) |panicked|request failed' "$work/ferrodoor.log" >&2; then
  echo "the server logged errors (above)" >&2
  status=1
fi
exit $status
