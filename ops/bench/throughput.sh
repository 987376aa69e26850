#!/usr/bin/env bash
# Guarded calculator calls per second over HTTP with auth, against a bare servlet on the same server that
# parses the same body and returns the same JSON shape without auth or dispatcher; prints both and the ratio.
#   ops/bench/throughput.sh [seconds=20] [connections=32] [threads=2]
# Needs wrk (Debian package wrk). Loopback only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${1:-20}"; CONNECTIONS="${2:-32}"; THREADS="${3:-2}"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
ensure_built
BENCH_CFG="$(mktemp -d)/cuga.http.bench.cfg"
echo "benchmark.bare.servlet = true" >"$BENCH_CFG"
trap 'stop_server; rm -f "${LUA:-}"' EXIT
start_server "$BENCH_CFG"
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$BASE/bench/bare")" = 200 ] && break
  sleep 0.1
done

LUA="$(wrk_lua)"

run() { # url -> prints requests/s
  local out
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "$1")"
  echo "$out" >&2
  grep -q '^non2xx=0$' <<<"$out" || { echo "non-2xx responses during the run against $1" >&2; exit 1; }
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}
# warm up both paths (JIT), then measure
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$LUA" "$BASE/api/v1/tools/calculator/invoke" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$LUA" "$BASE/bench/bare" >/dev/null
guarded="$(run "$BASE/api/v1/tools/calculator/invoke")"
bare="$(run "$BASE/bench/bare")"
ratio="$(awk -v g="$guarded" -v b="$bare" 'BEGIN {printf "%.2f", g/b}')"
echo "guarded_calls_per_s=$guarded bare_servlet_per_s=$bare ratio=$ratio (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, java $(java -version 2>&1 | head -1))"
