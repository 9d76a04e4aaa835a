#!/bin/bash
# ipvs4j: the whole test suite.
#   1. mvn -B verify: unit tests of every module on the host (kernel tests skip there, with the reason)
#   2. native-tests/vm/run-kernel-tests.sh: every @KernelTest, in a VM whose kernel has IPVS
#      (or directly, on a host with IPVS as root); red if one fails or if none ran.
# Exit status non-zero if either step fails. Needs root for step 2 (apt-get, qemu, namespaces).
# Extra arguments go to the JUnit console launcher of step 2.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  echo "test.sh: installing a JDK 17 and Maven with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    openjdk-17-jdk-headless maven >/dev/null || { echo "test.sh: cannot install java/maven" >&2; exit 1; }
fi
t0=$(date +%s)
mvn -B verify; mvn_rc=$?
t1=$(date +%s)
# After a successful verify the tree and native-tests/target/kernel-tests.classpath are fresh.
if [ $mvn_rc -eq 0 ]; then export IPVS4J_SKIP_BUILD=1; fi
native-tests/vm/run-kernel-tests.sh "$@"; kernel_rc=$?
t2=$(date +%s)
echo "test.sh: host unit tests (mvn verify): $([ $mvn_rc -eq 0 ] && echo PASSED || echo "FAILED ($mvn_rc)") in $((t1 - t0)) s;" \
  "kernel tests: $([ $kernel_rc -eq 0 ] && echo PASSED || echo "FAILED ($kernel_rc)") in $((t2 - t1)) s"
[ $mvn_rc -eq 0 ] && [ $kernel_rc -eq 0 ]
