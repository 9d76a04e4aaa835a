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

# like test.sh: a JDK and Maven from apt-get when missing
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  [ "$(id -u)" = 0 ] || { say "java/maven missing; run as root to apt-get install them"; exit 1; }
  say "installing a JDK 17 and Maven with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    openjdk-17-jdk-headless maven >/dev/null || { say "cannot install java/maven"; exit 1; }
fi
# Maven 3.8 writes colour resets (ESC[0m) even with -B -q: keep them out of the demo's output
noesc() { sed -u 's/\x1b\[[0-9;]*m//g'; }
# ticker LABEL &: a progress line every 10 s while a quiet step runs (killed when it ends)
ticker() { local s=0; while sleep 10; do s=$((s + 10)); say "$1 ($s s)"; done; }
if [ -z "${IPVS4J_SKIP_BUILD:-}" ]; then
  say "building ipvs-examples and its dependencies (mvn -q -DskipTests package)"
  ticker "still building" & tick=$!
  mvn -q -B ${IPVS4J_MVN_OPTS:-} -DskipTests -Dipvs4j.buildSuffix="$SUFFIX" -pl ipvs-examples -am \
    package dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile="target$SUFFIX/demo.classpath" 2>&1 | noesc >&2 \
    || { kill $tick; say "the build failed"; exit 1; }
  kill $tick
fi
for f in "$T/classes" "$T/demo.classpath"; do
  [ -e "$f" ] || { say "$f is missing: run without IPVS4J_SKIP_BUILD first"; exit 1; }
done
CP="$T/classes:$(cat "$T/demo.classpath")"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/java}
JAVA=$(readlink -f "${JAVA:-$(command -v java)}") || { say "no java found"; exit 1; }
# JDK 24+: native access for jffi's JNI stub and its sun.misc.Unsafe use (README, "JDK 22+")
FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
flags=()
if [ "${FEATURE:-17}" -ge 24 ]; then flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow); fi
cmd=("$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${flags[@]}" -cp "$CP" io.ipvs4j.examples.demo.LvsDrDemo "$@")

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
say "(QEMU without KVM: the boot takes ~10-15 s and everything inside is slower)"
started=$T/.demo-started.$$
rm -f "$started"
( s=0; while sleep 10; do [ -e "$started" ] && exit; s=$((s + 10)); say "the VM is booting ($s s)"; done ) & tick=$!
rc=0
VM_RW=$ROOT "$ROOT/native-tests/vm/ipvs-vm.sh" "touch $(printf '%q' "$started"); $(printf '%q ' "${cmd[@]}")" || rc=$?
kill $tick 2>/dev/null; rm -f "$started"
exit $rc
