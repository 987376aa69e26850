#!/usr/bin/env bash
# Time from a tool bundle jar appearing in deploy/ (one atomic rename) to the first successful call of its
# tool, at the default FileInstall poll; repeated, with the jar removed (and the tool gone) between rounds.
#   ops/bench/hot-deploy.sh [rounds=10]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS="${1:-10}"
ensure_built
JAR="$(ls "$ROOT"/bundles/cuga.tool.sample/target/cuga.tool.sample-*.jar | grep -v sources | head -1)"
trap 'stop_server' EXIT
start_server
call() {
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
    -d '{"arguments":{"message":"hi"}}' "$BASE/api/v1/tools/sample_echo/invoke"
}
times=()
for i in $(seq 1 "$ROUNDS"); do
  cp "$JAR" "$WORK/sample.tmp"
  start=$(date +%s%N)
  mv "$WORK/sample.tmp" "$WORK/deploy/sample.jar"
  until [ "$(call)" = 200 ]; do sleep 0.01; done
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
  rm "$WORK/deploy/sample.jar"
  until [ "$(call)" = 404 ]; do sleep 0.05; done
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "hot_deploy_ms rounds=%d min=%d median=%d max=%d\n", NR, a[1], a[int((NR+1)/2)], a[NR]}'
