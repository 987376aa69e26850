#!/usr/bin/env bash
# MCP tools/call throughput and latency through POST /mcp (streamable HTTP, one MCP session, bearer auth, the
# calculator through the Dispatcher and every guardrail of profile default), and the same call over the REST API
# (POST /api/v1/tools/calculator/invoke) in the same run for comparison.
#   ops/bench/mcp-throughput.sh [seconds=20] [connections=32] [threads=2]
# Needs wrk (Debian package wrk) and curl. Loopback only.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION="${1:-20}"; CONNECTIONS="${2:-32}"; THREADS="${3:-2}"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
ensure_built
trap 'stop_server; rm -f "${MCP_LUA:-}" "${REST_LUA:-}"' EXIT
start_server
PROTOCOL="2025-06-18"
ACCEPT="application/json, text/event-stream"

# one MCP session: initialize, then the initialized notification
HEADERS="$(mktemp)"
curl -fsS -D "$HEADERS" -o /dev/null -X POST "$BASE/mcp" -H "Authorization: Bearer $BENCH_TOKEN" \
  -H "Content-Type: application/json" -H "Accept: $ACCEPT" \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"'"$PROTOCOL"'","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}'
SESSION="$(awk 'tolower($1)=="mcp-session-id:" {print $2}' "$HEADERS" | tr -d '\r')"
[ -n "$SESSION" ] || { echo "no Mcp-Session-Id from initialize" >&2; cat "$HEADERS" >&2; exit 1; }
curl -fsS -o /dev/null -X POST "$BASE/mcp" -H "Authorization: Bearer $BENCH_TOKEN" -H "Content-Type: application/json" \
  -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $SESSION" -H "MCP-Protocol-Version: $PROTOCOL" \
  -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
CALL='{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"calculator","arguments":{"expression":"2*(3+4)"}}}'
# the call works and its result is the calculator's (a failing call would still be HTTP 200: check the body)
ONE="$(curl -fsS -X POST "$BASE/mcp" -H "Authorization: Bearer $BENCH_TOKEN" -H "Content-Type: application/json" \
  -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $SESSION" -H "MCP-Protocol-Version: $PROTOCOL" -d "$CALL")"
grep -q '"isError":false' <<<"$ONE" && grep -q '14' <<<"$ONE" || { echo "unexpected tools/call answer: $ONE" >&2; exit 1; }

MCP_LUA="$(wrk_lua "$CALL" "wrk.headers[\"Accept\"] = \"$ACCEPT\"
wrk.headers[\"Mcp-Session-Id\"] = \"$SESSION\"
wrk.headers[\"MCP-Protocol-Version\"] = \"$PROTOCOL\"")"
REST_LUA="$(wrk_lua)"

run() { # url script -> prints "requests/s p50 p99"
  local out
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$2" "$1")"
  echo "$out" >&2
  grep -q '^non2xx=0$' <<<"$out" || { echo "non-2xx responses during the run against $1" >&2; exit 1; }
  echo "$(awk '/^Requests\/sec:/ {print $2}' <<<"$out") $(awk -F'[= ]' '/^p50_ms=/ {print $2, $4}' <<<"$out")"
}
# warm up both paths (JIT), then measure
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$MCP_LUA" "$BASE/mcp" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$REST_LUA" "$BASE/api/v1/tools/calculator/invoke" >/dev/null
read -r mcp mcp50 mcp99 <<<"$(run "$BASE/mcp" "$MCP_LUA")"
read -r rest rest50 rest99 <<<"$(run "$BASE/api/v1/tools/calculator/invoke" "$REST_LUA")"
echo "mcp_tools_call_per_s=$mcp p50_ms=$mcp50 p99_ms=$mcp99 | rest_invoke_per_s=$rest p50_ms=$rest50 p99_ms=$rest99" \
  "(wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, java $(java -version 2>&1 | head -1))"
