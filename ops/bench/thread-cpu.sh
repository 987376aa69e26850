#!/usr/bin/env bash
# CPU time per guarded calculator call of each of the server's threads whose name matches a pattern (default: the
# event delivery and OTLP export threads), with every bundle of the distribution running: one server, warmed up,
# then one wrk run; the threads' user + system time from /proc/<pid>/task/*/stat before and after, divided by the
# requests served. Another load on the machine disturbs this less than requests/s: it measures what one thread
# spends on its own work, e.g. what an exporter costs per call.
#   ops/bench/thread-cpu.sh [seconds=20] [pattern=cuga-events-|cuga-otel|HttpClient] [connections=32] [threads=2]
# OTLP=1 sends spans to a loopback sink that discards them, as observability-overhead.sh does.
# Needs wrk (Debian package wrk). Loopback only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${1:-20}"; PATTERN="${2:-cuga-events-|cuga-otel|HttpClient}"; CONNECTIONS="${3:-32}"; THREADS="${4:-2}"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
ensure_built
LUA="$(wrk_lua)"
OTLP_PID=
trap '[ -n "$OTLP_PID" ] && kill "$OTLP_PID" 2>/dev/null && rm -f "$OTLP_COUNT"; stop_server; rm -f "$LUA"' EXIT
[ -n "${OTLP:-}" ] && start_otlp_sink
start_server
INVOKE="$BASE/api/v1/tools/calculator/invoke"
wrk -t"$THREADS" -c"$CONNECTIONS" -d15s -s "$LUA" "$INVOKE" >/dev/null # warm-up
before="$(thread_ticks "$SERVER_PID" "$PATTERN")"
out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$LUA" "$INVOKE")"
after="$(thread_ticks "$SERVER_PID" "$PATTERN")"
requests="$(awk '/ requests in / {print $1}' <<<"$out")"
echo "$out" | grep -E 'Requests/sec|Non-2xx' || true
per_call "$before" "$after" "$requests" | awk -v r="$requests" \
  '{total += $2; printf "%-32s %7.2f µs/call\n", $1, $2} END {printf "%-32s %7.2f µs/call (%d calls)\n", "all matching", total, r}'
