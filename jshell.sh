#!/bin/bash
# ipvs4j: jshell with ipvs4j on the class path, the common imports, and `ipvs` opened.
#
# Usage: ./jshell.sh [jshell options]      then:  ipvs.services()   table()
#
# Builds ipvs-examples and its dependencies with Maven (IPVS4J_SKIP_BUILD=1 skips that), computes
# the class path, and runs jshell --startup DEFAULT --startup ipvs-examples/src/main/jshell/ipvs.jsh.
# `ipvs` is IpvsNetlink.open(): it needs a kernel with IPVS and root (CAP_NET_ADMIN); otherwise
# the startup says why and leaves `ipvs` null. The project's VM (native-tests/vm/ipvs-vm.sh) is
# not interactive: use this on a host whose kernel has IPVS (modprobe ip_vs).
# IPVS4J_BUILD_SUFFIX=-x builds into target-x (as -Dipvs4j.buildSuffix).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SUFFIX=${IPVS4J_BUILD_SUFFIX:-}
T=$ROOT/ipvs-examples/target$SUFFIX
ticker() { local s=0; while sleep 10; do s=$((s + 10)); echo "jshell.sh: still building ($s s)" >&2; done; }
if [ -z "${IPVS4J_SKIP_BUILD:-}" ]; then
  echo "jshell.sh: building ipvs-examples (mvn -q -DskipTests package)" >&2
  ticker & tick=$!
  (cd "$ROOT" && mvn -q -B ${IPVS4J_MVN_OPTS:-} -DskipTests -Dipvs4j.buildSuffix="$SUFFIX" -pl ipvs-examples -am \
     package dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="target$SUFFIX/demo.classpath") 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' >&2 \
    || { kill $tick; echo "jshell.sh: the build failed" >&2; exit 1; }
  kill $tick
fi
[ -f "$T/demo.classpath" ] || { echo "jshell.sh: $T/demo.classpath is missing: run without IPVS4J_SKIP_BUILD" >&2; exit 1; }
# JDK 24+: native access for jffi and its sun.misc.Unsafe use, in jshell's execution JVM (-R)
JSHELL=${JAVA_HOME:+$JAVA_HOME/bin/jshell}
JSHELL=${JSHELL:-jshell}
FEATURE=$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
flags=()
if [ "${FEATURE:-17}" -ge 24 ]; then
  flags=(-R--enable-native-access=ALL-UNNAMED -R--sun-misc-unsafe-memory-access=allow -J--sun-misc-unsafe-memory-access=allow)
fi
exec "$JSHELL" "${flags[@]}" --class-path "$T/classes:$(cat "$T/demo.classpath")" \
  --startup DEFAULT --startup "$ROOT/ipvs-examples/src/main/jshell/ipvs.jsh" "$@"
