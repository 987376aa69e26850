#!/usr/bin/env bash
# Runs the JMH benchmarks of the guardrail chain and of policy reload (see docs/benchmarks.md).
#
#   benchmarks/run.sh              the published set: chain, reload, first reload after start (about 6 minutes)
#   benchmarks/run.sh store        durable audit appends on SQLite and PostgreSQL (about 3 minutes)
#   benchmarks/run.sh quick        the same benchmarks, one short iteration each (a smoke run, about 1 minute)
#   benchmarks/run.sh -- ARGS...   JMH itself with ARGS, e.g.  -- ChainBenchmark.latency -p rules=100 -prof gc
#                                  (a -jvmArgsAppend given here replaces the server's JVM options the
#                                  benchmark classes set: repeat them in it)
#
# Settings for the project's 2-core machines: one benchmark thread (the other core is left to the JIT, the
# GC and the OS), one fork per benchmark with the server's own JVM options (set in the benchmark classes),
# short warm-up, a few measured iterations. Results go to benchmarks/target/results/ (text and JSON). The
# benchmarks jar is built first when it is missing or older than the sources (mvn -B -q -DskipTests package
# -pl benchmarks -am; MVN_FLAGS adds options, e.g. MVN_FLAGS=-o). JAVA_HOME picks the JDK, else java on PATH.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="$HERE/target/benchmarks.jar"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

build_if_needed() {
  local stale=""
  if [[ ! -f "$JAR" ]]; then
    stale="missing"
  elif [[ -n "$(find "$HERE/src" "$HERE/pom.xml" "$ROOT/bundles" -newer "$JAR" \
      \( -name '*.java' -o -name 'pom.xml' -o -name '*.bnd' -o -path '*/resources/*' \) \
      -not -path '*/target/*' -print -quit)" ]]; then
    stale="older than the sources"
  fi
  if [[ -n "$stale" ]]; then
    echo "run.sh: benchmarks jar $stale: building (mvn -B -q ${MVN_FLAGS:-} -DskipTests package -pl benchmarks -am)" >&2
    (cd "$ROOT" && mvn -B -q ${MVN_FLAGS:-} -DskipTests package -pl benchmarks -am)
  fi
}

jmh() {
  "$JAVA" -jar "$JAR" "$@"
}

machine() {
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vm.version = //p' | head -1)" \
    "($("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vm.vendor = //p' | head -1))"
}

build_if_needed

if [[ "${1:-}" == "--" ]]; then
  shift
  jmh "$@"
  exit
fi

MODE="${1:-full}"
STORE=(-f 1 -wi 2 -w 2s -i 3 -r 3s)
case "$MODE" in
  store)
    ;;
  full)
    CHAIN=(-f 1 -t 1 -wi 3 -w 2s -i 5 -r 2s)
    RELOAD=(-f 1 -t 1 -wi 3 -w 2s -i 5 -r 2s)
    FIRST=(-f 10 -t 1 -wi 0 -i 1)
    ;;
  quick)
    CHAIN=(-f 1 -t 1 -wi 1 -w 1s -i 1 -r 1s)
    RELOAD=(-f 1 -t 1 -wi 1 -w 1s -i 1 -r 1s)
    FIRST=(-f 2 -t 1 -wi 0 -i 1)
    STORE=(-f 1 -wi 1 -w 1s -i 1 -r 1s)
    ;;
  -h|--help|help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "run.sh: unknown mode '$MODE' (full, quick, or -- JMH ARGS)" >&2
    exit 2
    ;;
esac

OUT="$HERE/target/results"
mkdir -p "$OUT"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"

run() {
  local name="$1"
  shift
  echo "== $name: java -jar benchmarks/target/benchmarks.jar $*" | tee "$OUT/$STAMP-$name.txt"
  machine | tee -a "$OUT/$STAMP-$name.txt"
  jmh "$@" -rf json -rff "$OUT/$STAMP-$name.json" 2>&1 | tee -a "$OUT/$STAMP-$name.txt"
  machine | tee -a "$OUT/$STAMP-$name.txt"
}

if [[ "$MODE" == store ]]; then
  # one call's audit records (attempt + outcome) made durable: appends/s and p50/p99, 1 and 16 threads
  run store 'AuditAppendBenchmark\.' -tu ms "${STORE[@]}"
  echo "Results: $OUT/$STAMP-store.txt and .json"
  exit
fi

# the chain on one call: ops/s, and p50/p99 of single calls
run chain 'ChainBenchmark\.' "${CHAIN[@]}"
# reload in a warm JVM: parse + validate + compile (+ activate for reload)
run reload 'ReloadBenchmark\.' "${RELOAD[@]}"
# the first reload (and compile) after start: one shot per fresh JVM whose set-up activated the first document
run first-reload 'ReloadBenchmark\.(reload|compile)$' -bm ss -tu ms "${FIRST[@]}"
# durable audit appends (SQLite, PostgreSQL)
run store 'AuditAppendBenchmark\.' -tu ms "${STORE[@]}"

echo "Results: $OUT/$STAMP-*.txt and .json"
