#!/bin/bash
# VRRP failover time: an ipvs4j pair and a keepalived pair (Debian's keepalived, installed on
# the host by native-tests/vm/ipvs-vm.sh), in one boot of the project's VM.
# Usage: ipvs-benchmarks/run-vrrp-failover.sh [rounds]   (default 5)
# Builds without installing anything into ~/.m2 (the reactor's target/classes are used).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mvn -q -B -DskipTests -pl ipvs-benchmarks -am compile dependency:build-classpath \
  -Dmdep.outputFile="$root/ipvs-benchmarks/target/vrrp-classpath.txt"
cp="$root/ipvs-benchmarks/target/classes:$root/ipvs-netlink/target/classes:$root/ipvs-core/target/classes"
cp="$cp:$(cat ipvs-benchmarks/target/vrrp-classpath.txt)"
cat > ipvs-benchmarks/target/vrrp-in-vm.sh <<INNER
set -e
uname -r; keepalived --version 2>&1 | head -1
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp '$cp' io.ipvs4j.benchmarks.VrrpFailoverBenchmark ${1:-5}
INNER
IPVS_VM_CPUS=${IPVS_VM_CPUS:-1} native-tests/vm/ipvs-vm.sh "bash $root/ipvs-benchmarks/target/vrrp-in-vm.sh"
