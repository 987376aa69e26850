#!/usr/bin/env bash
# Throughput of guarded calculator calls with the observability feature's bundles running (event publisher,
# JSON Lines and Prometheus exporters), with them running and one client reading GET /api/v1/events, and with
# them stopped (no EventPublisher: the orchestrator then builds no events at all). One server, warmed up once;
# the bundles are stopped and started again through the Web Console between runs, as an operator would remove
# and reinstall exporters at run time, and the order of the three states changes every round, so a machine that
# gets busier or quieter during the run hurts them alike. Besides requests/s it reports the server's own CPU time
# per call (user + system, from /proc), which other load on the machine disturbs less, and that CPU by thread group
# where the states differ (what each exporter thread costs, and what the request threads and GC pay). Prints medians.
#   ops/bench/observability-overhead.sh [rounds=5] [seconds=15] [connections=32] [threads=2]
# SETTLE=N: seconds of unmeasured calls after each state change (default 5), for the JIT.
# OTLP=1 also makes the OpenTelemetry exporter (cuga.exporter.otel, stopped and started with the others) send
# every call's spans to a sink on loopback that accepts OTLP/HTTP requests and discards them; without it that
# exporter is installed but idle (no endpoint).
# Needs wrk (Debian package wrk). Loopback only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS="${1:-5}"; DURATION="${2:-15}"; CONNECTIONS="${3:-32}"; THREADS="${4:-2}"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
ensure_built
[ -f "$ROOT/features/target/cuga/features/observability.json" ] || { echo "no observability feature" >&2; exit 1; }

LUA="$(wrk_lua)"
SSE_PID=
OTLP_PID=
trap '[ -n "$SSE_PID" ] && kill "$SSE_PID" 2>/dev/null; [ -n "$OTLP_PID" ] && kill "$OTLP_PID" 2>/dev/null && rm -f "$OTLP_COUNT"; stop_server; rm -f "$LUA"' EXIT
[ -n "${OTLP:-}" ] && start_otlp_sink
start_server
INVOKE="$BASE/api/v1/tools/calculator/invoke"

# the Web Console with the generated login, to stop and start bundles
CONSOLE_USER="$(sed -n 's/^user=//p' "$WORK/data/secrets/console.credentials")"
CONSOLE_PASSWORD="$(sed -n 's/^password=//p' "$WORK/data/secrets/console.credentials")"
console() { curl -fs -u "$CONSOLE_USER:$CONSOLE_PASSWORD" "$@"; }
bundle_id() {
  console "$BASE/system/console/bundles.json" | python3 -c \
    "import json,sys; print(next(b['id'] for b in json.load(sys.stdin)['data'] if b['symbolicName'] == '$1'))"
}
OBSERVABILITY=()
for bsn in cuga.events cuga.exporter.jsonl cuga.exporter.prometheus cuga.exporter.otel; do OBSERVABILITY+=("$(bundle_id "$bsn")"); done
set_observability() { # start|stop
  for id in "${OBSERVABILITY[@]}"; do console -o /dev/null -X POST -d "action=$1" "$BASE/system/console/bundles/$id"; done
  local want=0; [ "$1" = start ] && want=1
  for _ in $(seq 1 100); do # the publisher comes and goes with cuga.events; /metrics with the exporter
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/metrics")" = "$([ $want = 1 ] && echo 200 || echo 404)" ] && return 0
    sleep 0.1
  done
  echo "observability bundles did not $1" >&2; exit 1
}

measure() { # STATE -> "requests/s cpu_us_per_call p50 p99"; each thread group's µs/call into $WORK/threads.STATE
  local ticks0 ticks1 out requests threads0 threads1
  threads0="$(thread_ticks "$SERVER_PID")"
  ticks0="$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")"
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "$INVOKE")"
  ticks1="$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")"
  threads1="$(thread_ticks "$SERVER_PID")"
  grep -q '^non2xx=0$' <<<"$out" || { echo "$out" >&2; echo "non-2xx responses" >&2; exit 1; }
  requests="$(awk '/ requests in / {print $1}' <<<"$out")"
  per_call "$threads0" "$threads1" "$requests" >>"$WORK/threads.$1"
  echo "$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")" \
    "$(awk -v t=$((ticks1 - ticks0)) -v r="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz / r * 1e6}')" \
    "$(grep '^p50_ms' <<<"$out")"
}

# after the bundles stopped or started, the JIT compiles the paths that changed (the exporters' classes are new
# ones): a few seconds of calls, not measured, so that no state is charged for it
settle() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SETTLE:-5}s" -s "$LUA" "$INVOKE" >/dev/null; }

declare -A rps cpu
state() { # none|obs|sse
  local r
  case "$1" in
    none) set_observability stop; settle; r="$(measure none)" ;;
    obs) set_observability start; settle; r="$(measure obs)" ;;
    sse)
      set_observability start
      settle
      curl -sN -H "Authorization: Bearer $BENCH_TOKEN-admin" "$BASE/api/v1/events" >"$WORK/events.sse" &
      SSE_PID=$!
      r="$(measure sse)"
      kill "$SSE_PID" 2>/dev/null || true; wait "$SSE_PID" 2>/dev/null || true; SSE_PID=
      grep -q '^event: tool.call.complete' "$WORK/events.sse" || { echo "no events streamed" >&2; exit 1; }
      rm -f "$WORK/events.sse"
      ;;
  esac
  read -r a b _ <<<"$r"
  rps[$1]+="$a "; cpu[$1]+="$b "
  echo "round $round $1: $r (requests/s, server CPU µs/call, latency)" >&2
}

# warm up every path the measured states use
wrk -t"$THREADS" -c"$CONNECTIONS" -d15s -s "$LUA" "$INVOKE" >/dev/null
set_observability stop
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$LUA" "$INVOKE" >/dev/null
orders=("none obs sse" "obs sse none" "sse none obs")
for round in $(seq 1 "$ROUNDS"); do
  for s in ${orders[$(( (round - 1) % 3 ))]}; do state "$s"; done
done

median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
n="$(median "${rps[none]}")"; o="$(median "${rps[obs]}")"; s="$(median "${rps[sse]}")"
cn="$(median "${cpu[none]}")"; co="$(median "${cpu[obs]}")"; cs="$(median "${cpu[sse]}")"
echo "requests/s: without=$n with=$o with+sse_client=$s ratio=$(ratio "$o" "$n") ratio_sse=$(ratio "$s" "$n")"
paired() { # the with/without ratio of each round (its states ran back to back), then their median
  local r; r="$(paste <(tr ' ' '\n' <<<"$1" | awk 'NF') <(tr ' ' '\n' <<<"$2" | awk 'NF') | awk '{printf "%.3f ", $2 / $1}')"
  echo "$r-> median $(median "$r")"
}
echo "requests/s with/without by round: $(paired "${rps[none]}" "${rps[obs]}")"
echo "server CPU µs/call: without=$cn with=$co with+sse_client=$cs without/with=$(ratio "$cn" "$co")" \
  "without/with+sse=$(ratio "$cn" "$cs")"
echo "server CPU µs/call by thread group (median of the rounds), where without and with differ by 0.5 or more:"
for g in $(cat "$WORK"/threads.* | awk '{print $1}' | sort -u); do
  tn="$(median "$(awk -v g="$g" '$1 == g {print $2}' "$WORK/threads.none" | tr '\n' ' ')")"
  to="$(median "$(awk -v g="$g" '$1 == g {print $2}' "$WORK/threads.obs" | tr '\n' ' ')")"
  awk -v g="$g" -v n="${tn:-0}" -v o="${to:-0}" 'BEGIN {d = o - n; if (d >= 0.5 || d <= -0.5) printf "  %-24s without=%7.2f with=%7.2f (%+.2f)\n", g, n, o, d}'
done
[ -n "${OTLP:-}" ] && echo "OTLP sink received: $(cat "$OTLP_COUNT" 2>/dev/null || echo nothing)"
echo "(median of $ROUNDS rounds, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, java $(java -version 2>&1 | head -1))"
