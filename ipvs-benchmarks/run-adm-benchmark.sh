#!/bin/bash
# ipvs4j-adm vs ipvsadm, in one boot of the project's IPVS VM (not part of CI):
#   1. a large restore: -R of SERVICES x REALS rules, each run into a fresh network namespace
#      (a namespace's IPVS keeps removed real servers in its "dest trash" for a while, which
#      would slow whichever tool runs second in the same namespace); both tables compared;
#   2. start-up as scripts pay it: a one-rule -A and a -Ln of a small table, REPS times each,
#      for ipvsadm and for ipvs4j-adm without and with the class-data-sharing archive
#      (the archive shipped by the build, then one trained on the kernel in the VM).
# Usage: ipvs-benchmarks/run-adm-benchmark.sh [services] [realServersPerService] [reps]  (1000 10 5)
# Env: ADM_BENCH_RESTORES (restore runs per tool, default 3), ADM_BENCH_STARTUP=0 skips part 2,
#      IPVS_VM_CPUS (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
services=${1:-1000}; reals=${2:-10}; reps=${3:-5}
mvn -q -B -o -DskipTests -pl ipvs-core,ipvs-netlink,ipvs-adm -am package
dist=$root/ipvs-adm/target/ipvs4j-adm
out=$root/ipvs-benchmarks/target/adm-bench; mkdir -p "$out"
cat > "$out/in-vm.sh" <<'INNER'
set -euo pipefail
dist=$1; services=$2; reals=$3; reps=$4
adm=$dist/bin/ipvs4j-adm
ms() { echo $(( ($2 - $1) / 1000000 )); }
now() { date +%s%N; }
n=0
fresh() {   # a new namespace with routes for the real servers, named in $ns
  n=$((n + 1)); ns=admb$n
  ip netns add $ns
  ip netns exec $ns ip link set lo up
  ip netns exec $ns ip link add rs0 type dummy
  ip netns exec $ns ip link set rs0 up
  ip netns exec $ns ip addr add 198.51.100.254/24 dev rs0
}
uname -r; ipvsadm --version; java -version 2>&1 | head -1
rules=/tmp/adm-rules.txt
: > $rules
for ((s = 0; s < services; s++)); do
  vip="192.0.2.$((s % 250 + 1)):$((1000 + s))"
  echo "-A -t $vip -s wlc" >> $rules
  for ((r = 1; r <= reals; r++)); do echo "-a -t $vip -r 198.51.100.$r -m -w $r" >> $rules; done
done
echo "rules: $(wc -l < $rules) lines ($services services x $reals real servers)"

echo "== restore (ms per run)"
for ((i = 1; i <= ${ADM_BENCH_RESTORES:-3}; i++)); do
  fresh; a=$ns; t0=$(now); ip netns exec $a ipvsadm -R < $rules; t1=$(now)
  fresh; b=$ns; t2=$(now); ip netns exec $b "$adm" -R < $rules; t3=$(now)
  ip netns exec $a ipvsadm -Sn > /tmp/a.txt; ip netns exec $b ipvsadm -Sn > /tmp/b.txt
  cmp -s /tmp/a.txt /tmp/b.txt || { echo "tables differ"; diff /tmp/a.txt /tmp/b.txt | head; exit 1; }
  echo "run $i: ipvsadm -R $(ms $t0 $t1) ms, ipvs4j-adm -R $(ms $t2 $t3) ms ($(wc -l < /tmp/a.txt) lines of -Sn each)"
  ip netns del $a; ip netns del $b
done

startup() {   # label, then the command to time REPS times in namespace $ns
  local label=$1; shift
  local total=0 best=999999
  for ((i = 0; i < reps; i++)); do
    t0=$(now); "$@" > /dev/null; t1=$(now)
    d=$(ms $t0 $t1); total=$((total + d)); [ $d -lt $best ] && best=$d
  done
  echo "$label: mean $((total / reps)) ms, best $best ms ($reps runs)"
}
one_rule() {  # tool [env...]: -A of a new service per run
  fresh
  local port=1
  for ((i = 0; i < reps; i++)); do
    port=$((port + 1))
    t0=$(now); ip netns exec $ns env "${@:2}" $1 -A -t 192.0.2.1:$port -s rr; t1=$(now)
    echo $(ms $t0 $t1)
  done | awk -v l="$1 ${*:2}" '{s+=$1; if (b==""||$1<b) b=$1} END {printf "one-rule -A, %s: mean %d ms, best %d ms (%d runs)\n", l, s/NR, b, NR}'
  ip netns del $ns
}
[ "${ADM_BENCH_STARTUP:-1}" = 0 ] && exit 0
fresh; small=$ns
printf -- '-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 198.51.100.1 -m\n-a -t 192.0.2.1:80 -r 198.51.100.2 -m\n-A -u 192.0.2.2:53 -s wlc -p\n-a -u 192.0.2.2:53 -r 198.51.100.3 -m\n-A -f 1 -s sh -b sh-port\n' \
  | ip netns exec $small ipvsadm -R
ip netns exec $small ipvsadm -Ln > /tmp/ln-ipvsadm.txt
ip netns exec $small "$adm" -Ln > /tmp/ln-adm.txt 2> /tmp/ln-adm.err || true
if ! cmp -s /tmp/ln-ipvsadm.txt /tmp/ln-adm.txt; then
  echo "-Ln differs:"; diff /tmp/ln-ipvsadm.txt /tmp/ln-adm.txt || true; cat /tmp/ln-adm.err; exit 1
fi

echo "== start-up, shipped archive ($(ls -l $dist/lib/ipvs4j-adm.jsa | awk '{print $5}') bytes)"
one_rule ipvsadm X=1
one_rule "$adm" IPVS4J_ADM_CDS=0
one_rule "$adm" IPVS4J_ADM_CDS=1
one_rule "$adm" IPVS4J_ADM_CDS=1 IPVS4J_ADM_JNI=0
startup "-Ln small table, ipvsadm" ip netns exec $small ipvsadm -Ln
startup "-Ln small table, ipvs4j-adm without CDS" ip netns exec $small env IPVS4J_ADM_CDS=0 "$adm" -Ln
startup "-Ln small table, ipvs4j-adm with the shipped CDS archive" ip netns exec $small "$adm" -Ln

echo "== archive trained on the kernel (ipvs4j-adm --build-cds-archive in an empty namespace)"
cp $dist/lib/ipvs4j-adm.jsa /tmp/shipped.jsa
fresh; train=$ns
ip netns exec $train env IPVS4J_ADM_TRAIN_KERNEL=1 "$adm" --build-cds-archive
echo "trained archive: $(ls -l $dist/lib/ipvs4j-adm.jsa | awk '{print $5}') bytes"
one_rule "$adm" IPVS4J_ADM_CDS=1
startup "-Ln small table, ipvs4j-adm with the kernel-trained CDS archive" ip netns exec $small "$adm" -Ln
cp /tmp/shipped.jsa $dist/lib/ipvs4j-adm.jsa
INNER
IPVS_VM_CPUS=${IPVS_VM_CPUS:-1} IPVS_VM_PASSENV="ADM_BENCH_RESTORES ADM_BENCH_STARTUP" native-tests/vm/ipvs-vm.sh "bash $out/in-vm.sh $dist $services $reals $reps" | tee "$out/result.txt"
