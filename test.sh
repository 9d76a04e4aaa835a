#!/bin/bash
# ipvs4j: the whole test suite.
#   1. mvn -B verify: unit tests of every module on the host (kernel tests skip there, with the reason)
#   2. the same host tests on JDK 25 (the classes compiled in step 1; skipped if
#      /usr/lib/jvm/temurin-25-jdk-amd64 or IPVS4J_JDK25 is not there)
#   2b. the aggregate Javadoc of the reactor (javadoc:aggregate, no doclint warning allowed,
#      like every module's own Javadoc jar): target/reports/apidocs
#   3. consumer builds: mvn install into an isolated local repository (target/consumer-m2),
#      then consumer-tests/run.sh on JDK 17 and 25: a user's project that knows ipvs4j only by
#      its BOM coordinates, its JUnit test against InMemoryIpvs, class path and module path
#   4. native-tests/vm/run-kernel-tests.sh: every @KernelTest, in a VM whose kernel has IPVS
#      (or directly, on a host with IPVS as root); red if one fails or if none ran. In the same
#      boot the consumer of step 3 makes real IPVS calls (both paths, both JDKs).
# Exit status non-zero if any step fails. Needs root for step 2 (apt-get, qemu, namespaces).
# Extra arguments go to the JUnit console launcher of step 2.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  echo "test.sh: installing a JDK 17 and Maven with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    openjdk-17-jdk-headless maven >/dev/null || { echo "test.sh: cannot install java/maven" >&2; exit 1; }
fi
JDK25=${IPVS4J_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
t0=$(date +%s)
mvn -B verify; mvn_rc=$?
t1=$(date +%s)
jdk25_rc=0 jdk25=skipped
if [ $mvn_rc -eq 0 ] && [ -x "$JDK25/bin/java" ]; then
  echo "test.sh: the host tests again on JDK 25 ($JDK25), classes of step 1"
  # Maven itself (guava) uses sun.misc.Unsafe: allow it quietly on JDK 24+
  JAVA_HOME=$JDK25 MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -B -o -q test; jdk25_rc=$?
  jdk25=$([ $jdk25_rc -eq 0 ] && echo PASSED || echo "FAILED ($jdk25_rc)")
fi
javadoc_rc=1
if [ $mvn_rc -eq 0 ]; then
  echo "test.sh: the aggregate Javadoc (javadoc:aggregate, doclint warnings are errors)"
  mvn -B -o -q javadoc:aggregate && javadoc_rc=0
fi
t2=$(date +%s)
consumer_rc=1 extra=
if [ $mvn_rc -eq 0 ]; then
  echo "test.sh: mvn install into the isolated repository target/consumer-m2, then the consumer build"
  rm -rf target/consumer-m2/io/ipvs4j consumer-tests/target
  mvn -B -q install -DskipTests -s consumer-tests/settings.xml -Dmaven.repo.local="$PWD/target/consumer-m2" \
    && published=$(cd target/consumer-m2/io/ipvs4j && ls | tr '\n' ' ') \
    && { [ "$published" = "ipvs-core ipvs-micrometer ipvs-netlink ipvs-testing ipvs4j-bom ipvs4j-parent " ] \
         || { echo "test.sh: installed io.ipvs4j artifacts are [$published], not the six published ones" >&2; false; }; } \
    && consumer-tests/run.sh target/consumer-m2 \
    && { [ ! -x "$JDK25/bin/java" ] || JAVA_HOME=$JDK25 MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" \
         consumer-tests/run.sh target/consumer-m2; } \
    && consumer_rc=0
  extra=$(ls "$PWD"/consumer-tests/target/vm-check-jdk*.sh 2>/dev/null | tr '\n' ' ')
fi
t3=$(date +%s)
# After a successful verify the tree and native-tests/target/kernel-tests.classpath are fresh.
if [ $mvn_rc -eq 0 ]; then export IPVS4J_SKIP_BUILD=1; fi
IPVS4J_KERNEL_EXTRA=$extra native-tests/vm/run-kernel-tests.sh "$@"; kernel_rc=$?
t4=$(date +%s)
echo "test.sh: host unit tests (mvn verify): $([ $mvn_rc -eq 0 ] && echo PASSED || echo "FAILED ($mvn_rc)") in $((t1 - t0)) s;" \
  "on JDK 25: $jdk25, aggregate Javadoc: $([ $javadoc_rc -eq 0 ] && echo PASSED || echo FAILED) in $((t2 - t1)) s;" \
  "consumer builds: $([ $consumer_rc -eq 0 ] && echo PASSED || echo FAILED) in $((t3 - t2)) s;" \
  "kernel tests (with the consumer's IPVS calls): $([ $kernel_rc -eq 0 ] && echo PASSED || echo "FAILED ($kernel_rc)") in $((t4 - t3)) s"
[ $mvn_rc -eq 0 ] && [ $jdk25_rc -eq 0 ] && [ $javadoc_rc -eq 0 ] && [ $consumer_rc -eq 0 ] && [ $kernel_rc -eq 0 ]
