#!/bin/sh
# The container's entry point: runs the cuga launcher the way ./cuga start does (same JVM options, class path
# lib/*, main class io.cuga.launcher.Main), with the container's folders. Every folder and the port can be
# overridden through the environment; extra arguments are passed to the launcher. The JVM replaces this shell
# (exec), so SIGTERM from `docker stop` or the kubelet reaches the launcher, which stops the framework cleanly.
set -eu

CUGA_HOME="${CUGA_HOME:-/opt/cuga}"
CUGA_DATA="${CUGA_DATA:-/var/lib/cuga}"
CUGA_DEPLOY="${CUGA_DEPLOY:-/opt/cuga/deploy}"
CUGA_CONFIG="${CUGA_CONFIG:-/etc/cuga}"
CUGA_HOST="${CUGA_HOST:-0.0.0.0}"
CUGA_PORT="${CUGA_PORT:-8080}"

if [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA=java
fi

# the JVM options of ./cuga start; CUGA_JAVA_OPTS comes after them, so it can override any of them
# shellcheck disable=SC2086
exec "$JAVA" \
  -XX:+IgnoreUnrecognizedVMOptions --sun-misc-unsafe-memory-access=allow \
  -Xms32m -Xmx512m -Xss512k -XX:+UseSerialGC -XX:MaxMetaspaceSize=192m -XX:ReservedCodeCacheSize=64m \
  -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
  ${CUGA_JAVA_OPTS:-} \
  -cp "$CUGA_HOME/lib/*" io.cuga.launcher.Main \
  --home "$CUGA_HOME" --port "$CUGA_PORT" --host "$CUGA_HOST" \
  --data "$CUGA_DATA" --deploy "$CUGA_DEPLOY" --config "$CUGA_CONFIG" \
  "$@"
