#!/bin/bash
# Runs the kernel round-trip benchmark (KernelBenchmark) inside the project's IPVS VM, in one
# boot, after measuring JVM start-up separately. Usage: ipvs-benchmarks/run-kernel-benchmark.sh
# [services] [realServersPerService] [repetitions]   (default 1000 10 7)
# Env: IPVS_VM_CPUS (default 1, see below), BENCH_JAVA_OPTS (extra JVM options for the benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mvn -q -B -DskipTests -pl ipvs-benchmarks -am install
mvn -q -B -pl ipvs-benchmarks dependency:build-classpath -Dmdep.outputFile="$root/ipvs-benchmarks/target/classpath.txt"
cp="$root/ipvs-benchmarks/target/classes:$(cat ipvs-benchmarks/target/classpath.txt)"
args="${*:-1000 10 7}"
cat > ipvs-benchmarks/target/bench-in-vm.sh <<INNER
set -e
start=\$(date +%s%N); java -cp '$cp' io.ipvs4j.benchmarks.KernelBenchmark --startup; end=\$(date +%s%N)
echo "JVM start-up (java -cp ... KernelBenchmark --startup): \$(( (end - start) / 1000000 )) ms"
uname -r; ipvsadm --version
java ${BENCH_JAVA_OPTS:-} -cp '$cp' io.ipvs4j.benchmarks.KernelBenchmark $args
INNER
# One vCPU: with several, multi-threaded TCG twice crashed the JVM in code the JIT was
# patching (SIGSEGV at a C1 method's verified entry while it was made not entrant); with one,
# the JIT's threads and the benchmark share it, as ipvsadm and the kernel do.
IPVS_VM_CPUS=${IPVS_VM_CPUS:-1} native-tests/vm/ipvs-vm.sh "bash $root/ipvs-benchmarks/target/bench-in-vm.sh"
