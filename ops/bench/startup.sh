#!/usr/bin/env bash
# Cold start to ready (from launching ./cuga start until GET /ready answers 200, wall clock, build excluded)
# and resident memory after 30 s idle, on the JDK in JAVA_HOME (or the default java).
#   ops/bench/startup.sh [rounds=3]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS="${1:-3}"
ensure_built
trap 'stop_server' EXIT
for i in $(seq 1 "$ROUNDS"); do
  start=$(date +%s%N)
  start_server
  end=$(date +%s%N)
  sleep 30
  # the JVM is the child that ./cuga exec'd into: same pid
  rss_kb=$(ps -o rss= -p "$SERVER_PID" | tr -d ' ')
  echo "round=$i ready_ms=$(( (end - start) / 1000000 )) idle_rss_mb=$(( rss_kb / 1024 ))"
  stop_server
done
