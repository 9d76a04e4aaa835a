#!/bin/bash
# The kernel benchmark (KernelBenchmark): ipvs4j against a minimal C client (ipvs-ref, built
# here with gcc) on the same tables, in ONE boot of the project's IPVS VM, every measured add
# in a fresh network namespace; then JFR profiles of the warm add and listing paths and of a
# cold start. Writes ipvs-benchmarks/results/: kernel-<stamp>.{log,tsv}, scale-<stamp>.png
# (gnuplot), jfr-<stamp>.txt (top frames), load-<stamp>.txt (host load during the run).
#
# Usage: ipvs-benchmarks/run-kernel-benchmark.sh [SCALES [TOP_SCALES]]
#   SCALES: services:rounds[:cold samples],...  (default 1000:5:3,4000:3:1,16000:1:1), then the JFR
#   profiles, then TOP_SCALES (default 50000:1:0) in a JVM of its own, last, so that a run cut
#   short by the VM's time limit keeps everything before. 10 real servers per service
#   (BENCH_REAL_SERVERS).
# Env: IPVS_VM_CPUS (default 1, see below), IPVS_VM_MEM (default 5120), BENCH_JAVA_OPTS (default
#      -Xmx2g), BENCH_PROFILE=0 skips the JFR part.
# Builds inside the reactor (package + build-classpath): nothing is installed into ~/.m2.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scales=${1:-1000:5:3,4000:3:1,16000:1:1}
top=${2:-50000:1:0}
per=${BENCH_REAL_SERVERS:-10}
opts=${BENCH_JAVA_OPTS:--Xmx2g}
stamp=$(date -u +%Y%m%d-%H%M)
res=$root/ipvs-benchmarks/results
tgt=$root/ipvs-benchmarks/target
mkdir -p "$res" "$tgt"
rm -f "$tgt"/kernel*.tsv "$tgt"/jfr-*.jfr

mvn -B -o -q -pl ipvs-benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt
gcc -O2 -Wall -Wextra -o "$tgt/ipvs-ref" ipvs-benchmarks/src/main/c/ipvs-ref.c
command -v gnuplot >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null \
  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null; }
cp="$tgt/classes:$(cat ipvs-benchmarks/target/classpath.txt)"
java="java $opts -cp $cp"
prof=$tgt/jfr-$stamp
psize=${BENCH_PROFILE_SERVICES:-1000}
cat > "$tgt/bench-in-vm.sh" <<INNER
set -e
start=\$(date +%s%N); java -cp '$cp' io.ipvs4j.benchmarks.KernelBenchmark --startup; end=\$(date +%s%N)
echo "JVM start-up (java -cp ... KernelBenchmark --startup): \$(( (end - start) / 1000000 )) ms"
uname -r; ipvsadm --version; nproc; java -version 2>&1 | head -1
$java -Dbench.realServers=$per io.ipvs4j.benchmarks.KernelBenchmark --ref $tgt/ipvs-ref --out $tgt/kernel.tsv --cold-cmd '$java' $scales
if [ "${BENCH_PROFILE:-1}" != 0 ]; then
  echo "== JFR: warm add, warm listing ($psize x $per), cold start (1000 x $per)"
  $java io.ipvs4j.benchmarks.KernelBenchmark --profile add $psize $per 3 $prof-add
  $java -Dbench.ref=$tgt/ipvs-ref io.ipvs4j.benchmarks.KernelBenchmark --profile list $psize $per 5 $prof-list
  ns=ipvs4j-cold-prof; ip netns add \$ns; ip -n \$ns link set lo up
  java $opts -XX:+FlightRecorder -XX:StartFlightRecording=filename=$prof-cold-0.jfr,settings=profile,dumponexit=true -cp '$cp' \
      -Dbench.namespace=\$ns io.ipvs4j.benchmarks.KernelBenchmark --cold 1000 $per
  ip netns del \$ns
fi
echo "== the top of the scale curve ($top), in a JVM of its own"
$java -Dbench.realServers=$per -Dbench.warmup=2 io.ipvs4j.benchmarks.KernelBenchmark --ref $tgt/ipvs-ref --out $tgt/kernel-top.tsv --cold-cmd '$java' $top
INNER
# Host load during the run (other work on the machine slows the emulated CPU alike for both clients).
( while true; do echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 60; done ) > "$res/load-$stamp.txt" &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
# One vCPU: with several, multi-threaded TCG twice crashed the JVM in code the JIT was
# patching (SIGSEGV at a C1 method's verified entry while it was made not entrant); with one,
# the JIT's threads and the benchmark share it, as the C client and the kernel do.
set +e
IPVS_VM_CPUS=${IPVS_VM_CPUS:-1} IPVS_VM_MEM=${IPVS_VM_MEM:-5120} IPVS_VM_TIMEOUT=${IPVS_VM_TIMEOUT:-3600} \
  native-tests/vm/ipvs-vm.sh "bash $tgt/bench-in-vm.sh" 2>&1 | tee "$res/kernel-$stamp.log"
rc=${PIPESTATUS[0]}
set -e
kill $sampler 2>/dev/null || true
[ "$rc" = 0 ] || echo "the VM run failed or was cut short ($rc): what it measured is kept"
[ -f "$tgt/kernel.tsv" ] || exit 1
{ cat "$tgt/kernel.tsv"; [ ! -f "$tgt/kernel-top.tsv" ] || grep -v '^#' "$tgt/kernel-top.tsv"; } > "$res/kernel-$stamp.tsv"
python3 ipvs-benchmarks/bench-summary.py "$res/kernel-$stamp.tsv" | tee "$res/summary-$stamp.txt"

# The scale curve: microseconds per operation (per listed row for listings) against the table size.
gnuplot <<PLOT || echo "gnuplot failed"
set terminal pngcairo size 900,560 font ",10" noenhanced
set output "$res/scale-$stamp.png"
set datafile separator "\t"
set title "IPVS table of N services x $per DR real servers, fresh namespace per add, 1 vCPU (qemu TCG), $stamp"
set logscale x; set xlabel "services"; set ylabel "median time per operation / listed row (us)"
set key top left; set grid; set xtics (1000, 4000, 16000, 50000)
d = "$res/kernel-$stamp.tsv"
sel(n) = strcol(3) eq n ? \$4 * 1000 / \$2 : NaN
plot d using 1:(sel("C ipvs-ref batch add (fresh namespace)")) with linespoints lw 2 title "C reference: batch add", \
     d using 1:(sel("ipvs4j batch add, ACK last of each send (fresh namespace)")) with linespoints lw 2 title "ipvs4j: batch add (warm)", \
     d using 1:(sel("cold: first batch add in a fresh JVM (apply only)")) with linespoints title "ipvs4j: first add in a fresh JVM", \
     d using 1:(sel("C ipvs-ref list (services dump + a dests dump per service)")) with linespoints lw 2 title "C reference: list", \
     d using 1:(sel("ipvs4j snapshot()")) with linespoints lw 2 title "ipvs4j: snapshot() (warm)", \
     d using 1:(sel("ipvs4j dump-and-diff apply, 1% changed (Reconciler.apply)")) with linespoints title "ipvs4j: dump-and-diff apply, 1% changed", \
     d using 1:(sel("ipvs4j incremental apply of the same change (applyIncremental)")) with linespoints title "ipvs4j: incremental apply, 1% changed"
PLOT
if [ "${BENCH_PROFILE:-1}" != 0 ]; then
  for k in add list cold; do
    ls "$prof-$k"-*.jfr >/dev/null 2>&1 && python3 ipvs-benchmarks/jfr-top.py "$prof-$k"-*.jfr
  done > "$res/jfr-$stamp.txt"
fi
echo "results: $res/*-$stamp.*"
exit "$rc"
