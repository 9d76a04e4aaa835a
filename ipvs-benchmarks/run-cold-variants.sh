#!/bin/bash
# Cold first apply under JVM launch options, in ONE boot of the IPVS VM, the C reference beside:
# each sample is a fresh JVM (KernelBenchmark --cold: open, build the Batch, first add of
# S services x R real servers, first snapshot) into a fresh network namespace; the C client
# adds the same table into another fresh namespace between the variants. A dynamic AppCDS
# archive is made first by one training run (-XX:ArchiveClassesAtExit), as a launcher would ship it.
# Then (unless BENCH_WARM=0) the warm add with default options and with C1 only.
# Writes ipvs-benchmarks/results/cold-variants-<stamp>.{log,txt}.
# Usage: ipvs-benchmarks/run-cold-variants.sh [SERVICES [SAMPLES]]   (default 1000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
services=${1:-1000}
samples=${2:-3}
per=${BENCH_REAL_SERVERS:-10}
stamp=$(date -u +%Y%m%d-%H%M)
res=$root/ipvs-benchmarks/results
tgt=$root/ipvs-benchmarks/target
mkdir -p "$res" "$tgt"
mvn -B -o -q -pl ipvs-benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt
gcc -O2 -Wall -Wextra -o "$tgt/ipvs-ref" ipvs-benchmarks/src/main/c/ipvs-ref.c
# AppCDS archives only jars (a non-empty directory on the class path is refused): the module jar.
jar=$(ls "$tgt"/ipvs-benchmarks-*.jar | grep -v -e sources -e javadoc | head -1)
cp="$jar:$(cat ipvs-benchmarks/target/classpath.txt)"
jsa=$tgt/cold-bench.jsa
cat > "$tgt/cold-in-vm.sh" <<INNER
set -e
nproc; java -version 2>&1 | head -1
n=0
cold() { # label, options
  n=\$((n+1)); ns=ipvs4j-cv\$n; ip netns add \$ns; ip -n \$ns link set lo up
  s=\$(date +%s%N)
  line=\$(java -Xmx2g \$2 -cp '$cp' -Dbench.namespace=\$ns -Dbench.realServers=$per io.ipvs4j.benchmarks.KernelBenchmark --cold $services $per | grep '^COLD')
  e=\$(date +%s%N); ip netns del \$ns
  echo "VARIANT \$1 | \$line wall_ms=\$(( (e - s) / 1000000 ))"
}
ref() {
  n=\$((n+1)); ns=ipvs4j-cv\$n; ip netns add \$ns; ip -n \$ns link set lo up
  echo "REF add | \$(ip netns exec \$ns $tgt/ipvs-ref add $services $per)"; ip netns del \$ns
}
rm -f $jsa
cold cds-training "-XX:ArchiveClassesAtExit=$jsa" >/dev/null
ls -l $jsa || echo "no CDS archive was written"
for i in \$(seq $samples); do
  ref
  cold default ""
  cold c1 "-XX:TieredStopAtLevel=1"
  cold c1-serial "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
  cold cds "-XX:SharedArchiveFile=$jsa"
  cold cds-c1-serial "-XX:SharedArchiveFile=$jsa -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
  cold xshare-off "-Xshare:off"
  cold ci1 "-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"
  ref
done
if [ "\${BENCH_WARM:-1}" != 0 ]; then
  for o in "" "-XX:TieredStopAtLevel=1"; do
    echo "== warm, options: '\$o'"
    java -Xmx2g \$o -cp '$cp' -Dbench.realServers=$per -Dbench.trashRounds=0 -Dbench.warmup=\${BENCH_WARMUP:-3} \
      io.ipvs4j.benchmarks.KernelBenchmark --ref $tgt/ipvs-ref $services:\${BENCH_WARM_ROUNDS:-3}:0 | grep -E 'sample|ratio|warm add|==' || true
  done
fi
INNER
( while true; do echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 60; done ) > "$res/cold-variants-load-$stamp.txt" &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
set +e
IPVS_VM_CPUS=${IPVS_VM_CPUS:-1} IPVS_VM_MEM=${IPVS_VM_MEM:-3072} IPVS_VM_TIMEOUT=${IPVS_VM_TIMEOUT:-1500} \
  native-tests/vm/ipvs-vm.sh "bash $tgt/cold-in-vm.sh" 2>&1 | tee "$res/cold-variants-$stamp.log"
rc=${PIPESTATUS[0]}
set -e
# Median apply (first add) per variant, and its ratio to the median C add.
python3 - "$res/cold-variants-$stamp.log" <<'PY' | tee "$res/cold-variants-$stamp.txt"
import re, sys, statistics as st
v = {}; ref = []; seen = set()
for l in open(sys.argv[1]):
    # the VM's console and the script's output can both carry a line: count each once
    if l in seen: continue
    seen.add(l)
    m = re.search(r'VARIANT (\S+) \| COLD open_ms=([\d.]+) build_ms=([\d.]+) apply_ms=([\d.]+) snapshot_ms=([\d.]+) rows=\d+ wall_ms=(\d+)', l)
    if m and m.group(1) != 'cds-training':
        v.setdefault(m.group(1), []).append([float(x) for x in m.groups()[1:]])
    m = re.search(r'REF add \| .*?rows=\d+ ms=([\d.]+)', l)
    if m: ref.append(float(m.group(1)))
if not ref: sys.exit("no C samples")
c = st.median(ref)
print(f"C add median {c:.0f} ms (samples {', '.join(f'{x:.0f}' for x in ref)})")
print("| launch options | first add ms (median) | / C add | open+build+add ms | first snapshot ms | whole process ms | samples (first add) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
for k, s in v.items():
    med = lambda i: st.median(x[i] for x in s)
    print(f"| {k} | {med(2):.0f} | {med(2)/c:.2f}x | {st.median(x[0]+x[1]+x[2] for x in s):.0f} | {med(3):.0f} | {med(4):.0f} | {', '.join(f'{x[2]:.0f}' for x in s)} |")
PY
exit "$rc"
