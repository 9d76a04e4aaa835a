#!/bin/bash
# Where a one-rule ipvs4j-adm call spends its time, in one boot of the project's IPVS VM (not
# part of CI): a bare `java -version`, a one-rule -A as the launcher runs it (interpreted),
# the same with the JIT (IPVS4J_ADM_JIT=1), and ipvsadm's process start, RUNS times each.
# Usage: ipvs-benchmarks/run-adm-jvm-start.sh [runs]   (3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
mvn -q -B -o -DskipTests -pl ipvs-core,ipvs-netlink,ipvs-testing,ipvs-adm -am package
out=$PWD/ipvs-benchmarks/target/adm-jvm-start; mkdir -p "$out"
cat > "$out/in-vm.sh" <<'INNER'
set -euo pipefail
adm=$1; runs=$2
now() { date +%s%N; }
timed() { local t0 t1; t0=$(now); "$@" > /dev/null 2>&1; t1=$(now); echo $(( (t1 - t0) / 1000000 )); }
ip netns add jvmstart; ip netns exec jvmstart ip link set lo up
for ((i = 1; i <= runs; i++)); do
  a=$(timed java -Xshare:auto -XX:TieredStopAtLevel=1 -version)
  b=$(timed ip netns exec jvmstart "$adm" -A -t 192.0.2.1:$((100 + i)) -s rr)
  c=$(timed ip netns exec jvmstart env IPVS4J_ADM_JIT=1 "$adm" -A -t 192.0.2.1:$((200 + i)) -s rr)
  d=$(timed ipvsadm --version)
  echo "run $i: java -version $a ms; ipvs4j-adm -A (interpreted) $b ms; ipvs4j-adm -A (C1) $c ms; ipvsadm --version $d ms"
done
echo "services added: $(ip netns exec jvmstart ipvsadm -Sn | wc -l) (expected $((2 * runs)))"
INNER
IPVS_VM_CPUS=${IPVS_VM_CPUS:-1} native-tests/vm/ipvs-vm.sh "bash $out/in-vm.sh $PWD/ipvs-adm/target/ipvs4j-adm/bin/ipvs4j-adm $runs" | tee "$out/result.txt"
