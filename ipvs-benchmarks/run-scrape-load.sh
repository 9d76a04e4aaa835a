#!/bin/bash
# Does scraping the director's metrics endpoint disturb checking and reconciling? One boot of the
# project's VM: N real servers (default 200: 10 addresses x 20 ports in a server namespace,
# busybox httpd behind every port, TCP_CHECK every second, retry 0, connect_timeout 1) checked by
# ipvs4j's director (--metrics-listen 127.0.0.1:9280 in its namespace). Two windows of W seconds
# each (default 30): without scrapes, then with a bounded scrape load (default 20 scrapes/s of
# /metrics by wrk over keep-alive connections, paced by a Lua delay). Per window: the director's CPU seconds per second,
# the mean and max last check latency over all real servers (ipvs4j_real_server_check_latency_seconds,
# sampled every 2 s), the mean incremental apply duration (ipvs4j_reconcile_duration_seconds),
# kernel dumps made for scrapes, and the time from killing one port (10 real servers) until they
# are gone from the table.
# Usage: ipvs-benchmarks/run-scrape-load.sh [real-servers] [window-seconds] [scrapes-per-second]
# Builds the director distribution (no install into ~/.m2). Figures from a loaded host are not
# valid as absolute numbers: run it on an otherwise idle machine, or say so with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
n=${1:-200}
window=${2:-30}
rate=${3:-20}
# the VM runs the host's tools: wrk is the scrape load
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk
mvn -q -B -o -DskipTests -pl ipvs-director -am package
work=$root/ipvs-benchmarks/target/scrape-load
rm -rf "$work"
mkdir -p "$work"
tar -xzf ipvs-director/target/ipvs4j-director-*-dist.tar.gz -C "$work"
dist=$(ls -d "$work"/ipvs4j-director-*/)

cat > "$work/in-vm.sh" <<'INNER'
set -euo pipefail
n=$1; window=$2; rate=$3; work=$4; dist=$5
ports=20
addrs=$(( (n + ports - 1) / ports ))
uname -r; java -version 2>&1 | sed -n 1p; nproc; grep MemTotal /proc/meminfo; cat /proc/loadavg
cleanup() {
  for ns in sl-srv sl-dir sl-sw; do ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null || true; done
  for ns in sl-srv sl-dir sl-sw; do ip netns del $ns 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup
for ns in sl-sw sl-srv sl-dir; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n sl-sw link add br0 type bridge; ip -n sl-sw link set br0 up
i=0
for ns in sl-srv sl-dir; do
  i=$((i+1))
  ip link add sl$i type veth peer name q$i
  ip link set sl$i netns $ns; ip link set q$i netns sl-sw
  ip -n sl-sw link set q$i master br0; ip -n sl-sw link set q$i up
  ip -n $ns link set sl$i name eth0; ip -n $ns link set eth0 up
done
ip -n sl-dir addr add 198.51.100.251/24 dev eth0
for a in $(seq 1 $addrs); do echo "addr add 198.51.100.$a/24 dev eth0"; done | ip -n sl-srv -batch -
mkdir -p "$work/www"; echo ok > "$work/www/index.html"
for p in $(seq 8001 $((8000 + ports))); do
  ip netns exec sl-srv busybox httpd -f -p 0.0.0.0:$p -h "$work/www" &
  echo $! > "$work/httpd-$p.pid"
done
conf=$work/keepalived.conf
{
  echo "virtual_server 203.0.113.100 80 {"
  echo "  delay_loop 1"; echo "  lb_algo rr"; echo "  lb_kind NAT"; echo "  protocol TCP"
  count=0
  for p in $(seq 8001 $((8000 + ports))); do
    for a in $(seq 1 $addrs); do
      [ $count -lt $n ] || break
      count=$((count+1))
      echo "  real_server 198.51.100.$a $p {"; echo "    weight 1"
      printf '    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n'
      echo "  }"
    done
  done
  echo "}"
} > "$conf"
sleep 1
rs_count() { ip netns exec sl-dir ipvsadm -Ln | grep -c -- "->.*198\.51\.100\.[0-9]*:$1" || true; }
ticks=$(getconf CLK_TCK)
cpu_of() { t=0; for p in "$@"; do s=$(cut -d' ' -f14,15 /proc/$p/stat 2>/dev/null || echo "0 0"); t=$((t + ${s% *} + ${s#* })); done; echo $t; }
scrape() { ip netns exec sl-dir busybox wget -q -O - http://127.0.0.1:9280/metrics; }
metric() { scrape | awk -v m="$1" '$1 ~ "^"m"([{]|$)" {s += $NF} END {printf "%.9f\n", s}'; }

ip netns exec sl-dir env IPVS4J_JAVA_OPTS="-Xmx512m -XX:+UseSerialGC" \
  "$dist/bin/ipvs4j-director" -f "$conf" --metrics-listen 127.0.0.1:9280 > "$work/d4j.log" 2>&1 &
launcher=$!
deadline=$((SECONDS + 300))
until [ "$(rs_count '80[0-9][0-9]')" -ge "$n" ]; do
  [ $SECONDS -lt $deadline ] || { echo "table not full: $(rs_count '80[0-9][0-9]')"; tail "$work/d4j.log"; exit 1; }
  sleep 1
done
sleep 10
pids=$(pgrep -f "$work/keepalived.conf" | tr '\n' ' ')
echo "director pids: $pids; real servers: $n, delay_loop 1 s"

phase() { # $1 = label, $2 = port to kill at the end of the window
  local label=$1 port=$2
  local c0 t0 c1 t1 el lat_sum=0 lat_max=0 lat_n=0 s0 n0 s1 n1 r0 r1
  s0=$(scrape | awk '/^ipvs4j_reconcile_duration_seconds_sum\{kind="incremental"\}/{print $2}')
  n0=$(scrape | awk '/^ipvs4j_reconcile_duration_seconds_count\{kind="incremental"\}/{print $2}')
  r0=$(metric ipvs4j_kernel_reads_total)
  c0=$(cpu_of $pids); t0=$(date +%s.%N)
  local end=$((SECONDS + window))
  while [ $SECONDS -lt $end ]; do
    # (no process substitution: the VM has no /dev/fd)
    local lm mean max
    lm=$(scrape | awk '/^ipvs4j_real_server_check_latency_seconds\{/{s += $NF; n++; if ($NF > m) m = $NF} END {printf "%.6f %.6f\n", s / n, m}')
    mean=${lm% *}; max=${lm#* }
    lat_sum=$(echo "$lat_sum + $mean" | bc -l); lat_n=$((lat_n + 1))
    [ "$(echo "$max > $lat_max" | bc -l)" = 1 ] && lat_max=$max
    sleep 2
  done
  c1=$(cpu_of $pids); t1=$(date +%s.%N)
  el=$(echo "$t1 - $t0" | bc -l)
  r1=$(metric ipvs4j_kernel_reads_total)
  # failure to removal of the real servers on one port
  local before tk done=
  before=$(rs_count $port)
  kill "$(cat "$work/httpd-$port.pid")"
  tk=$(date +%s.%N)
  while [ -z "$done" ]; do
    [ "$(rs_count $port)" -gt 0 ] || done=$(echo "$(date +%s.%N) - $tk" | bc -l)
    if [ "$(echo "$(date +%s.%N) - $tk > 60" | bc -l)" = 1 ]; then done=none; fi
    sleep 0.1
  done
  sleep 3
  s1=$(scrape | awk '/^ipvs4j_reconcile_duration_seconds_sum\{kind="incremental"\}/{print $2}')
  n1=$(scrape | awk '/^ipvs4j_reconcile_duration_seconds_count\{kind="incremental"\}/{print $2}')
  printf '%-22s CPU %.3f s/s (window %.1f s, incl. the scrapes it answers); check latency mean %.2f ms, max %.2f ms; kernel dumps for scrapes %d; removal of %d real servers after their port died %s s; incremental applies %d, mean %.2f ms\n' \
    "$label" "$(echo "($c1 - $c0) / $ticks / $el" | bc -l)" "$el" "$(echo "$lat_sum / $lat_n * 1000" | bc -l)" \
    "$(echo "$lat_max * 1000" | bc -l)" "$(echo "$r1 - $r0" | bc | cut -d. -f1)" "$before" "$done" "$(echo "$n1 - $n0" | bc | cut -d. -f1)" \
    "$(echo "if ($n1 - $n0 > 0) ($s1 - $s0) / ($n1 - $n0) * 1000 else 0" | bc -l)"
}
phase "no scrapes:" 8001
# bounded scrape load: wrk (one process, keep-alive connections, as Prometheus scrapes), each of
# 4 connections pausing 4/rate s between its requests (wrk's delay() hook), so at most $rate
# scrapes/s; wrk prints how many it made. (A shell loop of busybox wget, one process per
# scrape, reached well under 1/s in the emulated VM.)
printf 'function delay()\n  return %d\nend\n' "$((4000 / rate))" > "$work/pace.lua"
ip netns exec sl-dir wrk -t 1 -c 4 -d "$((window + 8))s" --timeout 10s -s "$work/pace.lua" \
  http://127.0.0.1:9280/metrics > "$work/wrk.txt" 2>&1 &
loader=$!
sleep 2
phase "$rate scrapes/s (paced):" 8002
wait $loader 2>/dev/null || true
echo "wrk (the scrape load):"; sed -n '/Latency/,$p' "$work/wrk.txt"
scrapes=$(metric ipvs4j_kernel_reads_total)
echo "kernel dumps for scrapes in total: ${scrapes%.*} (one read serves every scrape of a second)"
cat /proc/loadavg
kill $launcher 2>/dev/null || true
INNER
mkdir -p ipvs-benchmarks/results
out=ipvs-benchmarks/results/scrape-load-$(date +%Y%m%d-%H%M).txt
{ echo "host load before: $(cat /proc/loadavg)"; } | tee "$out"
IPVS_VM_CPUS=${IPVS_VM_CPUS:-2} IPVS_VM_MEM=${IPVS_VM_MEM:-4096} \
  native-tests/vm/ipvs-vm.sh "bash $work/in-vm.sh $n $window $rate $work $dist" | tee -a "$out"
echo "host load after: $(cat /proc/loadavg)" | tee -a "$out"
echo "results: $out (figures are valid only from an otherwise idle host)"
