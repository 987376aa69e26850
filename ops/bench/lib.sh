# Shared by the benchmark scripts: start a server from the built distribution on a free loopback port with
# its own folders, wait until it is ready, and stop it again. Source it; do not run it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_TOKEN="bench-agent-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_server [extra .cfg files to copy into the config folder...]
# sets WORK, PORT, SERVER_PID, BASE
start_server() {
  WORK="$(mktemp -d /tmp/cuga-bench.XXXXXX)"
  cp -r "$ROOT/runtime-config" "$WORK/config"
  for cfg in "$@"; do cp "$cfg" "$WORK/config/"; done
  mkdir -p "$WORK/deploy"
  PORT="$(free_port)"
  BASE="http://127.0.0.1:$PORT"
  AGENT_TOKEN="$BENCH_TOKEN" CUGA_ADMIN_TOKEN="$BENCH_TOKEN-admin" \
    "$ROOT/cuga" start --port "$PORT" --data "$WORK/data" --deploy "$WORK/deploy" --config "$WORK/config" \
    >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if curl -fs "$BASE/ready" >/dev/null 2>&1; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; return 1; }
    sleep 0.1
  done
  echo "server not ready after 60 s" >&2; tail -40 "$WORK/server.log" >&2; return 1
}

stop_server() {
  [ -n "${SERVER_PID:-}" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}

ensure_built() {
  [ -d "$ROOT/features/target/cuga/lib" ] || (cd "$ROOT" && mvn -B -q -DskipTests package)
}

# start_otlp_sink: a loopback OTLP/HTTP sink (otlp-sink.py) that discards what it gets, and the exporter pointed
# at it with a 1 s schedule delay; sets OTLP_PID and OTLP_COUNT (a file saying what it received)
start_otlp_sink() {
  local port; port="$(free_port)"
  OTLP_COUNT="$(mktemp)"
  python3 "$ROOT/ops/bench/otlp-sink.py" "$port" "$OTLP_COUNT" &
  OTLP_PID=$!
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" OTEL_BSP_SCHEDULE_DELAY=1000
}

# thread_ticks PID [PATTERN]: user + system clock ticks of each thread of PID whose name matches PATTERN (all when
# none), summed by name with pool numbers folded (qtp123-45 -> qtpN-N), one "name ticks" line each, sorted
thread_ticks() {
  local pid="$1" pattern="${2:-.}"
  for t in /proc/"$pid"/task/*; do
    local name; name="$(cat "$t/comm" 2>/dev/null)" || continue
    grep -Eq "$pattern" <<<"$name" || continue
    # comm may hold spaces: the fields after the ')' are fixed
    awk -v n="$(sed 's/[0-9][0-9]*/N/g; s/ /_/g' <<<"$name")" '{sub(/.*\) /, ""); print n, $12 + $13}' "$t/stat"
  done | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}

# per_call BEFORE AFTER REQUESTS: "name µs/call" for each thread group, from two thread_ticks outputs
per_call() {
  join -a2 -e0 -o 0,1.2,2.2 <(echo "$1") <(echo "$2") | awk -v r="$3" -v hz="$(getconf CLK_TCK)" \
    '{printf "%s %.2f\n", $1, ($3 - $2) / hz / r * 1e6}'
}

# wrk_lua [BODY] [EXTRA_LUA]: a wrk script POSTing BODY (default: a guarded calculator call's arguments) as JSON
# with the bench agent's bearer token, EXTRA_LUA after the headers; at the end it prints non2xx=N and
# p50_ms=X p99_ms=Y. Prints the script's path (a temporary file).
wrk_lua() {
  local f body='{"arguments":{"expression":"2*(3+4)"}}'
  [ -n "${1:-}" ] && body="$1"
  f="$(mktemp --suffix=.lua)"
  cat >"$f" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $BENCH_TOKEN"
${2:-}
done = function(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
  io.write(string.format("p50_ms=%.3f p99_ms=%.3f\n", latency:percentile(50)/1000, latency:percentile(99)/1000))
end
LUA
  echo "$f"
}
