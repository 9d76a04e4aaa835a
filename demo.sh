#!/bin/bash
# ipvs4j: the main demo. Builds the seed's LVS/DR + keepalived deployment in network namespaces
# (client, director, two real servers on a bridge, 192.0.2.0/24), configures it with ipvs4j,
# sends requests through the VIP, fails one real server and brings it back, then cleans up.
#
# Usage: ./demo.sh [--requests N]
#
# Builds ipvs-examples with Maven (IPVS4J_SKIP_BUILD=1 skips that), then runs
# io.ipvs4j.examples.demo.LvsDrDemo: directly if this kernel has IPVS (/proc/net/ip_vs) and we
# are root, otherwise inside the project's VM (native-tests/vm/ipvs-vm.sh: a stock Debian
# kernel under QEMU; needs root on the host; the first run builds the VM cache).
# IPVS4J_VM=always forces the VM, IPVS4J_VM=never forbids it. IPVS4J_BUILD_SUFFIX=-x builds
# into target-x (as -Dipvs4j.buildSuffix) for parallel builds of one work tree.
# Exit status: 0 if the demo showed what it should, non-zero otherwise.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
cd "$ROOT"
SUFFIX=${IPVS4J_BUILD_SUFFIX:-}
T=$ROOT/ipvs-examples/target$SUFFIX
say() { echo "demo.sh: $*" >&2; }

if [ -z "${IPVS4J_SKIP_BUILD:-}" ]; then
  say "building ipvs-examples and its dependencies (mvn -q -DskipTests package)"
  mvn -q -B ${IPVS4J_MVN_OPTS:-} -DskipTests -Dipvs4j.buildSuffix="$SUFFIX" -pl ipvs-examples -am \
    package dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile="target$SUFFIX/demo.classpath" \
    || { say "the build failed"; exit 1; }
fi
for f in "$T/classes" "$T/demo.classpath"; do
  [ -e "$f" ] || { say "$f is missing: run without IPVS4J_SKIP_BUILD first"; exit 1; }
done
CP="$T/classes:$(cat "$T/demo.classpath")"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/java}
JAVA=$(readlink -f "${JAVA:-$(command -v java)}") || { say "no java found"; exit 1; }
cmd=("$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$CP" io.ipvs4j.examples.demo.LvsDrDemo "$@")

if [ ! -e /proc/net/ip_vs ] && [ "$(id -u)" = 0 ]; then
  modprobe -q ip_vs 2>/dev/null || true   # a kernel that has IPVS as a module not loaded yet
fi
if [ -e /proc/net/ip_vs ] && [ "$(id -u)" = 0 ] && [ "${IPVS4J_VM:-}" != always ]; then
  say "this kernel has IPVS: running the demo here"
  exec "${cmd[@]}"
fi
[ "${IPVS4J_VM:-}" = never ] && { say "this kernel has no IPVS (or we are not root) and IPVS4J_VM=never"; exit 1; }
[ "$(id -u)" = 0 ] || { say "this kernel has no IPVS; the VM that has one needs root: sudo $0 $*"; exit 1; }
say "this kernel has no IPVS (/proc/net/ip_vs is missing): running the demo in the project's VM"
say "(QEMU without KVM: the boot takes ~30 s and everything inside is slower)"
VM_RW=$ROOT "$ROOT/native-tests/vm/ipvs-vm.sh" "$(printf '%q ' "${cmd[@]}")"
