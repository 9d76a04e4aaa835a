#!/bin/bash
# Health checking at scale, ipvs4j's director against keepalived in one boot of the project's VM:
# N real servers (default 5000: 250 addresses x 20 ports in a server namespace, half TCP_CHECK,
# half HTTP_GET, nginx behind every port) checked every second (delay_loop 1, retry 0,
# connect_timeout 1) by each director from its own namespace, each programming its own IPVS
# table. Records per director: CPU seconds per second of checking (utime+stime over a window,
# all its processes), RSS, and the time from killing two servers' ports (2 x 250 real servers:
# one TCP_CHECK port, one HTTP_GET port) until all of them are gone from its table.
# Usage: ipvs-benchmarks/run-check-scale.sh [real-servers] [window-seconds]   (defaults 5000, 30)
# Builds the director distribution (no install into ~/.m2). Figures from a loaded host are not
# valid: run it on an otherwise idle machine and say so with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
n=${1:-5000}
window=${2:-30}
for tool in keepalived:keepalived nginx:nginx-light ipvsadm:ipvsadm; do
  command -v "${tool%%:*}" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${tool#*:}"
done
mvn -q -B -o -DskipTests -pl ipvs-director -am package
work=$root/ipvs-benchmarks/target/check-scale
rm -rf "$work"
mkdir -p "$work"
tar -xzf ipvs-director/target/ipvs4j-director-*-dist.tar.gz -C "$work"
dist=$(ls -d "$work"/ipvs4j-director-*/)

# extra JVM options for the director, e.g. a flight recording: CHECK_SCALE_JAVA_OPTS=
#   "-XX:StartFlightRecording=filename=/tmp/check-scale/d4j.jfr,settings=profile" (copied to $work)
echo "${CHECK_SCALE_JAVA_OPTS:-}" > "$work/java-opts"
cat > "$work/in-vm.sh" <<'INNER'
set -euo pipefail
n=$1; window=$2; work=$3; dist=$4
ports=20
addrs=$(( (n + ports - 1) / ports ))
[ "$addrs" -le 250 ] || { echo "at most 5000 real servers (250 addresses x 20 ports)"; exit 2; }
uname -r; keepalived --version 2>&1 | sed -n 1p; java -version 2>&1 | sed -n 1p
nproc; grep MemTotal /proc/meminfo
cleanup() {
  for ns in cs-srv cs-d4j cs-dka cs-sw; do ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null || true; done
  for ns in cs-srv cs-d4j cs-dka cs-sw; do ip netns del $ns 2>/dev/null || true; done
  [ ! -d /tmp/check-scale ] || cp -r /tmp/check-scale/. "$work/" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
for ns in cs-sw cs-srv cs-d4j cs-dka; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n cs-sw link add br0 type bridge; ip -n cs-sw link set br0 up
i=0
for ns in cs-srv cs-d4j cs-dka; do
  i=$((i+1))
  ip link add cs$i type veth peer name p$i
  ip link set cs$i netns $ns; ip link set p$i netns cs-sw
  ip -n cs-sw link set p$i master br0; ip -n cs-sw link set p$i up
  ip -n $ns link set cs$i name eth0; ip -n $ns link set eth0 up
done
ip -n cs-d4j addr add 198.51.100.251/24 dev eth0
ip -n cs-dka addr add 198.51.100.252/24 dev eth0
for a in $(seq 1 $addrs); do echo "addr add 198.51.100.$a/24 dev eth0"; done | ip -n cs-srv -batch -
# Logs and server state stay in the VM's own /tmp: $work is the host's tree over 9p, where every
# write is a round trip to the host under TCG and would slow whoever logs more.
run=/tmp/check-scale; rm -rf "$run"; mkdir -p "$run"
# nginx (one event-driven worker per instance) behind every port: busybox httpd forks a process
# per connection, which under TCG cannot answer thousands of checks a second and made both
# directors' HTTP_GETs time out. Instance "dead" serves the two ports the failure step stops.
nginx_conf() { # name ports...
  local name=$1; shift
  local d=$run/nginx-$name
  mkdir -p "$d"
  # the answer comes from the config (no file read per request)
  { echo "daemon off; master_process off; worker_processes 1; user root;"
    echo "pid $d/pid; error_log $d/error.log warn;"
    echo "events { worker_connections 16384; }"
    echo "http { access_log off; client_body_temp_path $d; proxy_temp_path $d;"
    echo "  fastcgi_temp_path $d; uwsgi_temp_path $d; scgi_temp_path $d;"
    echo "  server {"; for p in "$@"; do echo "    listen 0.0.0.0:$p backlog=4096;"; done
    echo "    location / { return 200 \"ok\\n\"; } } }"; } > "$d/nginx.conf"
}
nginx_conf dead 8001 8002
nginx_conf live $(seq 8003 $((8000 + ports)))
ulimit -n 65536
for name in dead live; do
  ip netns exec cs-srv nginx -e "$run/nginx-$name/error.log" -c "$run/nginx-$name/nginx.conf" &
  echo $! > "$run/nginx-$name.launcher"
done
# the conf: one virtual server, N real servers; odd ports TCP_CHECK, even ports HTTP_GET
conf=$work/keepalived.conf
{
  echo "virtual_server 203.0.113.100 80 {"
  echo "  delay_loop 1"; echo "  lb_algo rr"; echo "  lb_kind NAT"; echo "  protocol TCP"
  count=0
  for p in $(seq 8001 $((8000 + ports))); do
    for a in $(seq 1 $addrs); do
      [ $count -lt $n ] || break
      count=$((count+1))
      # keepalived reads one statement per line: no nested blocks on one line
      echo "  real_server 198.51.100.$a $p {"; echo "    weight 1"
      if [ $((p % 2)) -eq 1 ]; then printf '    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n'
      else printf '    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n      connect_timeout 1\n      retry 0\n    }\n'; fi
      echo "  }"
    done
  done
  echo "}"
} > "$conf"
sleep 1
rs_count() { ip netns exec $1 ipvsadm -Ln | grep -c -- '->.*198\.51\.100' || true; }
rs_on_ports() { ip netns exec $1 ipvsadm -Ln | grep -cE -- "->.*198\.51\.100\.[0-9]+:($2) " || true; }
ticks=$(getconf CLK_TCK)
cpu_of() { # "utime stime" ticks summed over the given pids
  u=0; k=0; for p in "$@"; do s=$(cut -d' ' -f14,15 /proc/$p/stat 2>/dev/null || echo "0 0"); u=$((u + ${s% *})); k=$((k + ${s#* })); done; echo "$u $k"; }
rss_of() { r=0; for p in "$@"; do k=$(awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null || echo 0); r=$((r + k)); done; echo $r; }

ip netns exec cs-d4j env IPVS4J_JAVA_OPTS="-Xmx512m $(cat "$work/java-opts")" \
  "$dist/bin/ipvs4j-director" -f "$conf" --state-file "$run/d4j.state" > "$run/d4j.log" 2>&1 &
d4j_launcher=$!
# keepalived: -l -G logs to stderr only (without -G its syslog falls back to the VM's serial console)
ip netns exec cs-dka keepalived -n -l -G -C -f "$conf" -p "$run/ka.pid" -c "$run/kac.pid" > "$run/ka.log" 2>&1 &
ka_launcher=$!
# steady state: every real server in each table (alpha is off: they start in, so wait for the checks to run)
deadline=$((SECONDS + ${CHECK_SCALE_STARTUP:-420}))
until [ "$(rs_count cs-d4j)" -ge "$n" ] && [ "$(rs_count cs-dka)" -ge "$n" ]; do
  [ $SECONDS -lt $deadline ] || { echo "tables not full: ipvs4j $(rs_count cs-d4j), keepalived $(rs_count cs-dka)"; ps -eo pid,stat,time,rss,cmd | grep -E 'java|keepalived' | cut -c1-160; tail "$run/d4j.log" "$run/ka.log"; exit 1; }
  sleep 1
done
# past warmup and the JIT's first compilations: under TCG a JVM's compiling lasts minutes
sleep "${CHECK_SCALE_SETTLE:-60}"
d4j_pids=$(pgrep -f "$work/keepalived.conf" -a | grep java | cut -d' ' -f1 | tr '\n' ' ')
ka_pids=$(pgrep -x keepalived | tr '\n' ' ')
echo "ipvs4j pids: $d4j_pids; keepalived pids: $ka_pids"
c0=$(cpu_of $d4j_pids); k0=$(cpu_of $ka_pids); t0=$(date +%s.%N)
sleep "$window"
c1=$(cpu_of $d4j_pids); k1=$(cpu_of $ka_pids); t1=$(date +%s.%N)
el=$(echo "$t1 - $t0" | bc -l)
printf 'real servers %d, delay_loop 1 s, window %.1f s\n' "$n" "$el"
report() { # name "u0 s0" "u1 s1" pids...
  local name=$1 a=($2) b=($3); shift 3
  printf '%-11s CPU %.3f s/s (user %.3f, system %.3f), RSS %d kB\n' "$name" \
    "$(echo "(${b[0]} + ${b[1]} - ${a[0]} - ${a[1]}) / $ticks / $el" | bc -l)" \
    "$(echo "(${b[0]} - ${a[0]}) / $ticks / $el" | bc -l)" "$(echo "(${b[1]} - ${a[1]}) / $ticks / $el" | bc -l)" \
    "$(rss_of "$@")"; }
report ipvs4j: "$c0" "$c1" $d4j_pids
report keepalived: "$k0" "$k1" $ka_pids
echo "checks that took a server out, whole run: ipvs4j $(grep -c "failed after" "$run/d4j.log" || true), keepalived $(grep -c "CHECK on service.*failed" "$run/ka.log" || true)"
# why ipvs4j's checks failed (addresses folded), and a few of them as logged
echo "ipvs4j failures by reason:"
grep "failed after" "$run/d4j.log" | sed -E 's/.*retries: //; s/[0-9]+(\.[0-9]+){3}(:[0-9]+)?/ADDR/g; s/[0-9]+ ms/N ms/g' \
  | sort | uniq -c | sort -rn | head -8 || true
grep "failed after" "$run/d4j.log" | head -3 || true
kill_line=$(wc -l < "$run/d4j.log")
# failure to removal: kill one TCP_CHECK port and one HTTP_GET port
before4=$(rs_on_ports cs-d4j "8001|8002"); beforek=$(rs_on_ports cs-dka "8001|8002")
kill "$(cat "$run/nginx-dead.launcher")"
tk=$(date +%s.%N); d4j_done=; ka_done=
while [ -z "$d4j_done" ] || [ -z "$ka_done" ]; do
  now=$(date +%s.%N)
  [ -n "$d4j_done" ] || [ "$(rs_on_ports cs-d4j "8001|8002")" -gt 0 ] || d4j_done=$(echo "$now - $tk" | bc -l)
  [ -n "$ka_done" ] || [ "$(rs_on_ports cs-dka "8001|8002")" -gt 0 ] || ka_done=$(echo "$now - $tk" | bc -l)
  if [ "$(echo "$now - $tk > 60" | bc -l)" = 1 ]; then echo "not removed within 60 s"; break; fi
  sleep 0.1
done
printf 'failure to removal of %d (ipvs4j) / %d (keepalived) real servers: ipvs4j %s s, keepalived %s s (bound: delay_loop 1 + connect_timeout 1 + a reconcile)\n' \
  "$before4" "$beforek" "${d4j_done:-none}" "${ka_done:-none}"
echo "ipvs4j's log from the kill on (first 12 lines):"
tail -n +"$((kill_line + 1))" "$run/d4j.log" | head -12 | cut -c1-220
kill $d4j_launcher $ka_launcher 2>/dev/null || true
wait $d4j_launcher 2>/dev/null || true   # lets a flight recording be written
INNER
mkdir -p ipvs-benchmarks/results
out=ipvs-benchmarks/results/check-scale-$(date +%Y%m%d-%H%M).txt
IPVS_VM_CPUS=${IPVS_VM_CPUS:-2} IPVS_VM_MEM=${IPVS_VM_MEM:-4096} \
  native-tests/vm/ipvs-vm.sh "bash $work/in-vm.sh $n $window $work $dist" | tee "$out"
echo "results: $out (figures are valid only from an otherwise idle host)"
