#!/bin/bash
# CPU per ICMP echo: ipvs4j's IcmpPinger and fping, in one boot of the project's VM
# (io.ipvs4j.benchmarks.IcmpPingBenchmark). fping comes from Debian, installed on the host
# (the VM runs from the host root), like keepalived for the VRRP benchmark.
# Usage: ipvs-benchmarks/run-icmp-benchmark.sh [targets] [ticks]   (default 200 50)
# Builds without installing anything into ~/.m2 (the reactor's target/classes are used).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
command -v fping >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fping
mvn -q -B -DskipTests -pl ipvs-benchmarks -am compile dependency:build-classpath \
  -Dmdep.outputFile="$root/ipvs-benchmarks/target/icmp-classpath.txt"
cp="$root/ipvs-benchmarks/target/classes:$root/ipvs-netlink/target/classes:$root/ipvs-core/target/classes"
cp="$cp:$(cat ipvs-benchmarks/target/icmp-classpath.txt)"
cat > ipvs-benchmarks/target/icmp-in-vm.sh <<INNER
set -e
uname -r; fping -v
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp '$cp' io.ipvs4j.benchmarks.IcmpPingBenchmark ${1:-200} ${2:-50}
INNER
IPVS_VM_CPUS=${IPVS_VM_CPUS:-1} native-tests/vm/ipvs-vm.sh "bash $root/ipvs-benchmarks/target/icmp-in-vm.sh"
