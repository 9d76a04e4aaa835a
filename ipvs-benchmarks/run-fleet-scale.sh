#!/bin/bash
# Fleet mode at scale (issue 15), in one boot of the project's VM: one etcd and three fleet
# directors (FleetMain run, each in its own namespace with its own IPVS table), S services x 10
# real servers written into etcd by one FleetMain put (one transaction). Records:
#   - convergence: from the put's return until each director's kernel holds all S x 10 entries;
#   - a weight change and a new service (11 keys) at that size, until every kernel has them;
#   - etcd's traffic (its own gRPC byte counters from /metrics) for the load and per change,
#     and the directors' CPU time and RSS;
#   - the peer in the same boot: ipvsadm -R of the same table into a fresh namespace (one
#     director's kernel work without a fleet) and ipvsadm -Sn of it;
#   - a projection to 100 directors and 100,000 services from the measured per-entry figures.
# Usage: ipvs-benchmarks/run-fleet-scale.sh [services]   (default 1000)
# Builds ipvs-fleet inside the reactor (no install into ~/.m2). Figures from a loaded host are
# not valid: run it on an otherwise idle machine and say so with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
services=${1:-1000}
for tool in etcd:etcd-server etcdctl:etcd-client ipvsadm:ipvsadm curl:curl; do
  command -v "${tool%%:*}" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${tool#*:}"
done
work=$root/ipvs-benchmarks/target/fleet-scale
rm -rf "$work"; mkdir -p "$work"
mvn -q -B -o -DskipTests -pl ipvs-fleet -am package dependency:build-classpath -Dmdep.outputFile="$work/deps.txt"
# jars first: under TCG every class lookup in a directory is a round trip over 9p
echo "$(cat "$work/deps.txt"):$(ls "$root"/ipvs-fleet/target/ipvs-fleet-*.jar | grep -v sources | grep -v javadoc | head -1)" > "$work/cp.txt"

cat > "$work/in-vm.sh" <<'INNER'
set -euo pipefail
services=$1; work=$2
cp=$(cat "$work/cp.txt")
uname -r; etcd --version | sed -n 1p; java -version 2>&1 | sed -n 1p; nproc; grep MemTotal /proc/meminfo
nss="fs-sw fs-etcd fs-d1 fs-d2 fs-d3 fs-ref"
cleanup() {
  for ns in $nss; do ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null || true; done
  for ns in $nss; do ip -n $ns link del ipvs4j-vip 2>/dev/null || true; ip netns exec $ns ipvsadm -C 2>/dev/null || true; ip netns del $ns 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup
for ns in $nss; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n fs-sw link add br0 type bridge; ip -n fs-sw link set br0 up
i=0
for pair in fs-etcd:192.0.2.5 fs-d1:192.0.2.11 fs-d2:192.0.2.12 fs-d3:192.0.2.13; do
  i=$((i+1)); ns=${pair%%:*}
  ip link add fs$i type veth peer name p$i
  ip link set fs$i netns $ns; ip link set p$i netns fs-sw
  ip -n fs-sw link set p$i master br0; ip -n fs-sw link set p$i up
  ip -n $ns link set fs$i name eth0; ip -n $ns link set eth0 up; ip -n $ns addr add ${pair#*:}/24 dev eth0
done
run=/tmp/fleet-scale; rm -rf "$run"; mkdir -p "$run"
ep=http://192.0.2.5:2379
# a whole table in one transaction: etcd's default limit is 128 operations per transaction
ip netns exec fs-etcd etcd --name fs --data-dir "$run/etcd" --listen-client-urls $ep --advertise-client-urls $ep \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster fs=http://127.0.0.1:2380 --max-txn-ops $((services * 11 + 10)) --max-request-bytes 33554432 \
  --quota-backend-bytes 4294967296 > "$run/etcd.log" 2>&1 &
until ip netns exec fs-d1 etcdctl --endpoints $ep endpoint health >/dev/null 2>&1; do sleep 1; done
jvm="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx1g"
for d in d1 d2 d3; do
  ip netns exec fs-$d java $jvm -cp "$cp" io.ipvs4j.fleet.FleetMain --endpoints $ep --timeout 120 run --name $d \
    > "$run/$d.log" 2>&1 &
done
for d in d1 d2 d3; do
  until grep -q "fleet $d: loaded " "$run/$d.log"; do sleep 1; done
done
echo "three directors read etcd (empty prefix)"
entries() { ip netns exec fs-$1 ipvsadm -Sn | wc -l; }
# (the listing is read whole first: with pipefail, grep -q quitting at its match fails the pipeline by SIGPIPE)
# polled per service (ipvsadm -Ln -t): a whole -Sn of 11,000 lines takes seconds under TCG and
# would be the figure's resolution
all_have() { local d t; for d in d1 d2 d3; do t=$(ip netns exec fs-$d ipvsadm -Ln -t "$1" 2>/dev/null) || return 1; grep -qE -- "$2" <<<"$t" || return 1; done; }
all_count() { local d t; for d in d1 d2 d3; do t=$(ip netns exec fs-$d ipvsadm -Ln -t "$1" 2>/dev/null) || return 1; [ "$(grep -c -- "->" <<<"$t")" -eq "$2" ] || return 1; done; }
sent() { ip netns exec fs-d1 curl -s $ep/metrics | awk '/^etcd_network_client_grpc_sent_bytes_total/{s+=$2} END{printf "%d", s}'; }
recv() { ip netns exec fs-d1 curl -s $ep/metrics | awk '/^etcd_network_client_grpc_received_bytes_total/{s+=$2} END{printf "%d", s}'; }
ticks=$(getconf CLK_TCK)
cpu() { local p; p=$(pgrep -f "run --name $1" | head -1); cut -d' ' -f14,15 /proc/$p/stat | awk -v t=$ticks '{printf "%.2f", ($1+$2)/t}'; }
rss() { local p; p=$(pgrep -f "run --name $1" | head -1); awk '/VmRSS/{print $2}' /proc/$p/status; }
want=$((services * 11))
# service i: VIP 203.0.113.(1 + i/250), port 1000 + i%250; real servers 198.51.100.1..10 on the same port
args=()
rules=$run/rules
: > "$rules"
for i in $(seq 0 $((services - 1))); do
  vip=203.0.113.$((1 + i / 250)); port=$((1000 + i % 250))
  args+=("services/s$i" "address=$vip port=$port scheduler=mh flags=mh-fallback,mh-port")
  echo "-A -t $vip:$port -s mh -b mh-fallback,mh-port" >> "$rules"
  for r in $(seq 1 10); do
    args+=("servers/s$i/198.51.100.$r:$port" "weight=1")
    echo "-a -t $vip:$port -r 198.51.100.$r:$port -g -w 1" >> "$rules"
  done
done
before_sent=$(sent); before_recv=$(recv)
for d in d1 d2 d3; do eval "cpu0_$d=$(cpu $d)"; done
t0=$(date +%s.%N)
ip netns exec fs-etcd java $jvm -cp "$cp" io.ipvs4j.fleet.FleetMain --endpoints $ep --timeout 300 put "${args[@]}"
t1=$(date +%s.%N)
printf 'FleetMain put of %d keys (one transaction, JVM start included): %.1f s\n' $((services * 11)) "$(echo "$t1 - $t0" | bc -l)"
done_d1=; done_d2=; done_d3=
until [ -n "$done_d1" ] && [ -n "$done_d2" ] && [ -n "$done_d3" ]; do
  for d in d1 d2 d3; do
    eval "v=\$done_$d"
    [ -n "$v" ] || [ "$(entries $d)" -lt "$want" ] || eval "done_$d=$(date +%s.%N)"
  done
  if [ "$(echo "$(date +%s.%N) - $t1 > 900" | bc -l)" = 1 ]; then echo "not converged in 900 s"; exit 1; fi
  sleep 0.5
done
for d in d1 d2 d3; do eval "v=\$done_$d"; printf '%s holds all %d entries %.1f s after the put returned\n' $d $want "$(echo "$v - $t1" | bc -l)"; done
sleep 3   # the directors' publishes after the apply
load_sent=$(( $(sent) - before_sent )); load_recv=$(( $(recv) - before_recv ))
printf 'etcd traffic for the load: received %d B (the put), sent %d B (%.0f B per key per director)\n' \
  $load_recv $load_sent "$(echo "$load_sent / 3 / $want" | bc -l)"
for d in d1 d2 d3; do
  eval "c0=\$cpu0_$d"
  printf '%s: CPU for the load %.2f s, RSS %d kB\n' $d "$(echo "$(cpu $d) - $c0" | bc -l)" "$(rss $d)"
done
for d in d1 d2 d3; do ip netns exec fs-$d ipvsadm -Sn > "$run/$d.table"; done   # (no /dev/fd in the VM: files)
if cmp -s "$run/d1.table" "$run/d2.table" && cmp -s "$run/d1.table" "$run/d3.table"; then echo "ipvsadm -Sn identical on d1, d2, d3"
else echo "ipvsadm -Sn DIFFERS between the directors"; exit 1; fi
# one weight change at that size
s0=$(sent)
t0=$(date +%s.%N)
ip netns exec fs-etcd etcdctl --endpoints $ep put /ipvs4j/fleet/servers/s7/198.51.100.3:1007 "weight=5" >/dev/null
t1=$(date +%s.%N)
until all_have 203.0.113.1:1007 "198\.51\.100\.3:1007 +Route +5 "; do sleep 0.1; done
t2=$(date +%s.%N)
printf 'one weight change reached the three kernels %.2f s after etcdctl put returned; etcd sent %d B\n' \
  "$(echo "$t2 - $t1" | bc -l)" $(( $(sent) - s0 ))
# a new service with its 10 real servers (11 keys, one transaction) at that size
s0=$(sent)
new=(services/new "address=203.0.113.99 port=80 scheduler=mh")
for r in $(seq 1 10); do new+=("servers/new/198.51.100.$r:80" "weight=1"); done
ip netns exec fs-etcd java $jvm -cp "$cp" io.ipvs4j.fleet.FleetMain --endpoints $ep --timeout 300 put "${new[@]}"
t1=$(date +%s.%N)
until all_count 203.0.113.99:80 11; do sleep 0.1; done   # the header's "-> RemoteAddress" line and 10 servers
t2=$(date +%s.%N)
printf 'a new service (11 keys) reached the three kernels %.2f s after FleetMain put returned; etcd sent %d B (put reads the whole prefix to check the new state)\n' \
  "$(echo "$t2 - $t1" | bc -l)" $(( $(sent) - s0 ))
# the peer: the same table restored by ipvsadm into a fresh namespace, and listed
t0=$(date +%s.%N); ip netns exec fs-ref ipvsadm -R < "$rules"; t1=$(date +%s.%N)
ip netns exec fs-ref ipvsadm -Sn > /dev/null; t2=$(date +%s.%N)
printf 'peer: ipvsadm -R of the same %d entries into a fresh namespace %.2f s; ipvsadm -Sn %.2f s\n' \
  "$(wc -l < "$rules")" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$t2 - $t1" | bc -l)"
# projection, linear in the measured per-entry figures (each director holds the whole table; etcd
# sends every change to every director's watch)
per_key=$(echo "$load_sent / 3 / $want" | bc -l)
printf 'projection to 100 directors x 100,000 services (1.1 M entries each): a full load makes etcd send %.1f GB (%.0f B x 1.1 M x 100); one change %.0f kB to the 100 watches\n' \
  "$(echo "$per_key * 1100000 * 100 / 1000000000" | bc -l)" "$per_key" "$(echo "$per_key * 100 / 1000" | bc -l)"
INNER
mkdir -p ipvs-benchmarks/results
out=ipvs-benchmarks/results/fleet-scale-$(date +%Y%m%d-%H%M).txt
IPVS_VM_CPUS=${IPVS_VM_CPUS:-2} IPVS_VM_MEM=${IPVS_VM_MEM:-4096} \
  native-tests/vm/ipvs-vm.sh "bash $work/in-vm.sh $services $work" | tee "$out"
echo "results: $out (figures are valid only from an otherwise idle host)"
