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
