#!/bin/bash
# Runs the kernel round-trip benchmark (KernelBenchmark) inside the project's IPVS VM, in one
# boot, after measuring JVM start-up separately. Usage: ipvs-benchmarks/run-kernel-benchmark.sh
# [services] [realServersPerService] [repetitions]   (default 1000 10 5)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mvn -q -B -DskipTests -pl ipvs-benchmarks -am install
mvn -q -B -pl ipvs-benchmarks dependency:build-classpath -Dmdep.outputFile=ipvs-benchmarks/target/classpath.txt
cp="$root/ipvs-benchmarks/target/classes:$(cat ipvs-benchmarks/target/classpath.txt)"
args="${*:-1000 10 5}"
cat > ipvs-benchmarks/target/bench-in-vm.sh <<INNER
set -e
start=\$(date +%s%N); java -cp '$cp' io.ipvs4j.benchmarks.KernelBenchmark --startup; end=\$(date +%s%N)
echo "JVM start-up (java -cp ... KernelBenchmark --startup): \$(( (end - start) / 1000000 )) ms"
uname -r; ipvsadm --version
java -Xss1m -cp '$cp' io.ipvs4j.benchmarks.KernelBenchmark $args
INNER
native-tests/vm/ipvs-vm.sh "bash $root/ipvs-benchmarks/target/bench-in-vm.sh"
