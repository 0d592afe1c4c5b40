#!/usr/bin/env bash
# Reproduces BENCHMARKS.md on this machine: a release build, the suite (signing bound, every
# scenario on SQLite and PostgreSQL at concurrency 1/16/64, memory, start-up), then node's
# oidc-provider with the same load tool and concurrency for client_credentials.
# Run it on a quiet machine; results go to bench-results/ (JSON and Markdown).
#   bash bench/run.sh                       # everything, as in BENCHMARKS.md
#   bash bench/run.sh --requests 500 --runs 1   # a quick look (arguments go to the suite)
#   BENCH_RELEASE_DIR=/tmp/rel bash bench/run.sh …   # binaries built before, copied to /tmp/rel
set -euo pipefail
cd "$(dirname "$0")/.."
export FERRODOOR_TEST_PG_URL="${FERRODOOR_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
out="${BENCH_OUT:-bench-results}"
mkdir -p "$out"

# BENCH_RELEASE_DIR: measure binaries built before (a copy, so a build running meanwhile in
# the target directory cannot replace them mid-run); otherwise build them now.
if [ -n "${BENCH_RELEASE_DIR:-}" ]; then
  release=$BENCH_RELEASE_DIR
else
  cargo build --release -p ferrodoor -p ferrodoor-bench
  release="${CARGO_TARGET_DIR:-target}/release"
fi
bench=$release/ferrodoor-bench
ls -l "$release/ferrodoor" | tee "$out/binary.txt"
# How busy the machine was: the figures are ratios within this run for that reason.
{ date -u; uptime; echo "rustc processes: $(pgrep -c rustc || true)"; } | tee "$out/load-before.txt"
"$bench" suite --bin "$release/ferrodoor" --out "$out/suite.json" "$@" | tee "$out/suite.md"
# The same with ES256 keys (FERRODOOR_SIGNING_ALGORITHM=ES256), logins only, SQLite.
"$bench" suite --bin "$release/ferrodoor" --out "$out/suite-es256.json" --signing-algorithm ES256 \
  --backends sqlite --scenarios login-new,login-returning,client-credentials "$@" | tee "$out/suite-es256.md"

# Authorization (issue 12): enforce next to get-account on a 10,000-policy permission
# (1,000 users x 10 resources), and the enforcer's rebuild after a change.
"$bench" authz --bin "$release/ferrodoor" --out "$out/authz.json" "$@" | tee "$out/authz.md"

# node's oidc-provider, RS256 JWT access tokens (as Ferrodoor's) and its default opaque ones.
(cd bench/oidc-provider && npm ci --no-audit --no-fund --silent)
requests="${OIDC_PROVIDER_REQUESTS:-2000}"
for format in jwt opaque; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  PORT=$port ACCESS_TOKEN_FORMAT=$format node bench/oidc-provider/server.mjs >"$out/oidc-provider-$format.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/.well-known/openid-configuration" >/dev/null && break
    sleep 0.1
  done
  for c in 1 16 64; do
    n=$requests
    [ "$c" = 1 ] && n=$((requests / 4))
    echo "oidc-provider ($format) client_credentials c=$c"
    "$bench" client-credentials --token-url "http://127.0.0.1:$port/token" \
      --client-id bench --client-secret bench-secret -c "$c" -n "$n" --runs 3 \
      >"$out/oidc-provider-$format-c$c.json"
  done
  kill $pid
  wait $pid 2>/dev/null || true
done
{ date -u; uptime; echo "rustc processes: $(pgrep -c rustc || true)"; } | tee "$out/load-after.txt"
echo "results in $out/"
