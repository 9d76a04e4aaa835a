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
if [ -z "${IPVS4J_SKIP_BUILD:-}" ]; then
  echo "jshell.sh: building ipvs-examples (mvn -q -DskipTests package)" >&2
  (cd "$ROOT" && mvn -q -B ${IPVS4J_MVN_OPTS:-} -DskipTests -Dipvs4j.buildSuffix="$SUFFIX" -pl ipvs-examples -am \
     package dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="target$SUFFIX/demo.classpath") \
    || { echo "jshell.sh: the build failed" >&2; exit 1; }
fi
[ -f "$T/demo.classpath" ] || { echo "jshell.sh: $T/demo.classpath is missing: run without IPVS4J_SKIP_BUILD" >&2; exit 1; }
exec jshell --class-path "$T/classes:$(cat "$T/demo.classpath")" \
  --startup DEFAULT --startup "$ROOT/ipvs-examples/src/main/jshell/ipvs.jsh" "$@"
