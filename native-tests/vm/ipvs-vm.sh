#!/bin/bash
# ipvs4j: run a command as root inside a throwaway Linux VM whose kernel has IPVS.
#
# Usage: native-tests/vm/ipvs-vm.sh 'bash command line'
#
# The VM boots the stock Debian generic kernel (apt package linux-image-amd64) under QEMU/TCG
# with a tiny busybox initramfs that loads the IPVS, 9p, veth, bridge, dummy, ipip, gre, fou,
# ip6_tunnel and 8021q modules (every ip_vs* module at boot, crc32c_generic first), mounts the
# host root read-only over 9p, mounts the work tree (VM_RW, default: the current directory)
# read-write at the same path, chroots into the host root and runs the command with bash in
# the current directory (or VM_RW if the current directory is outside it), stdin = /dev/null.
# The command's exit status is propagated; 99 = the VM never reported one (timeout, kernel
# panic, qemu failure): the tail of the console is printed then.
#
# Inside the VM: /tmp, /run and /dev/shm are tmpfs; everything else of the host is read-only.
# The kernel loads modules on demand (schedulers, persistence engines) through the
# initramfs's modprobe; to load one by hand from the command: modprobe -d /proc/1/root MODULE
# (also available as $IPVS_VM_MODPROBE MODULE).
#
# Env: IPVS_VM_CACHE   (/var/cache/ipvs4j-vm)  kernel + initramfs cache (built on first use)
#      IPVS_VM_KPKG    (linux-image-amd64)     kernel package; -cloud flavours have no 9p
#      IPVS_VM_MEM     (4096) MiB, IPVS_VM_CPUS (2)
#      IPVS_VM_TIMEOUT (1800) seconds for the whole VM lifetime
#      IPVS_VM_PASSENV ("")   names of host environment variables exported to the command
#      IPVS_VM_REBUILD=1      rebuild the cache (e.g. to pick up a newer Debian kernel)
#      IPVS_VM_CONSOLE=1      show the whole console (kernel boot messages included)
#      VM_RW                  directory shared read-write (default: current directory)
# Needs root (apt-get, qemu's 9p export of /). Missing tools are apt-get installed.
set -euo pipefail
INIT_VERSION=5   # bump when the initramfs (init script, module list) changes: the cache is rebuilt
CACHE=${IPVS_VM_CACHE:-/var/cache/ipvs4j-vm}
KPKG=${IPVS_VM_KPKG:-linux-image-amd64}
RW=$(cd "${VM_RW:-$PWD}" && pwd -P)
CWD=$(pwd -P)
case "$CWD/" in "$RW"/*) ;; *) CWD=$RW;; esac
say() { echo "ipvs-vm: $*" >&2; }
case "$KPKG" in *cloud*) say "$KPKG has no 9p; use the generic linux-image-amd64"; exit 2;; esac
case "$RW$CWD" in *[[:space:]]*) say "paths with white space are not supported: $RW"; exit 2;; esac
[ $# -gt 0 ] || { say "usage: $0 'command'"; exit 2; }
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 2; }

# --- tools -----------------------------------------------------------------------------
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { say "apt-get update"; apt-get update -qq >&2; apt_updated=1; }
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need qemu-system-x86_64 qemu-system-x86; need depmod kmod; need cpio cpio; need gzip gzip
need ipvsadm ipvsadm; need ip iproute2; need strace strace; need flock util-linux
need keepalived keepalived   # VRRP interop tests (native-tests vrrp), run inside the VM from the host root
need python3 python3-minimal # MicrometerKernelTest: a client socket with SO_MARK for the fwmark service
need prometheus-node-exporter prometheus-node-exporter   # MetricsEndpointKernelTest: node_exporter side by side
need chromium chromium   # MetricsEndpointKernelTest: the status page in headless Chromium
need etcd etcd-server; need etcdctl etcd-client   # FleetKernelTest: the fleet's desired state
need bird bird2          # FleetKernelTest: BGP on the directors and the upstream router (birdc too)
need nft nftables        # vrrp_strict: the VIP DROP rules keepalived installs, read back with nft
# The initramfs has no libc: a dynamically linked busybox (package "busybox") would not start.
BB=$(command -v busybox 2>/dev/null || true)
if [ -z "$BB" ] || ldd "$BB" >/dev/null 2>&1; then missing+=(busybox-static); fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
BB=$(command -v busybox)
if ldd "$BB" >/dev/null 2>&1; then say "$BB is dynamically linked; install busybox-static"; exit 2; fi

# --- cache: kernel + initramfs ---------------------------------------------------------
STAMP="init=$INIT_VERSION kpkg=$KPKG"
build_cache() {
  cd "$CACHE"
  local pkg=$KPKG
  case "$pkg" in linux-image-[0-9]*) ;; *)   # metapackage -> versioned image, e.g. linux-image-6.1.0-NN-amd64
    pkg=$(apt-cache depends "$KPKG" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    if [ -z "$pkg" ] && [ -z "$apt_updated" ]; then apt-get update -qq >&2; apt_updated=1
      pkg=$(apt-cache depends "$KPKG" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); fi ;; esac
  [ -n "$pkg" ] || { say "cannot resolve a kernel package from $KPKG"; exit 2; }
  say "building the VM cache in $CACHE from $pkg (first run only)"
  rm -rf build && mkdir build && cd build
  apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update -qq >&2; apt-get download "$pkg" >&2; } \
    || { say "apt-get download $pkg failed"; exit 2; }
  mkdir k && dpkg -x "$pkg"_*.deb k && rm -f ./*.deb
  local KV M want
  KV=$(ls k/lib/modules) && depmod -b k "$KV"
  M=k/lib/modules/$KV
  mkdir -p root/{bin,sbin,proc,sys,dev,host,lib/modules/$KV}
  cp "$BB" root/bin/busybox
  ln -s /bin/busybox root/sbin/modprobe   # the kernel's on-demand loader (/proc/sys/kernel/modprobe)
  local ipvs; ipvs=$(cd "$M" && ls kernel/net/netfilter/ipvs/*.ko*)
  # nf_tables and the expressions a VIP filter uses (keepalived's vrrp_strict DROP rules: nft)
  local nft="kernel/net/netfilter/nf_tables.ko kernel/net/netfilter/nft_ct.ko kernel/net/netfilter/nft_reject_inet.ko
    kernel/net/ipv4/netfilter/nft_reject_ipv4.ko kernel/net/ipv6/netfilter/nft_reject_ipv6.ko kernel/net/netfilter/nft_limit.ko
    kernel/net/netfilter/nft_log.ko kernel/net/netfilter/nft_fib_inet.ko"
  want="kernel/drivers/virtio/virtio_pci.ko kernel/net/9p/9pnet_virtio.ko kernel/fs/9p/9p.ko
    kernel/drivers/net/dummy.ko kernel/drivers/net/veth.ko kernel/crypto/crc32c_generic.ko
    kernel/net/ipv4/ipip.ko kernel/net/ipv4/gre.ko kernel/net/ipv4/ip_gre.ko kernel/net/ipv6/ip6_tunnel.ko
    kernel/net/ipv4/fou.ko kernel/net/ipv6/fou6.ko kernel/net/8021q/8021q.ko kernel/net/bridge/bridge.ko
    kernel/drivers/net/tun.ko $nft $ipvs"
  for m in $want; do
    line=$(grep -E "^$m(\.[a-z]+)?:" "$M/modules.dep") || { say "module $m not in $pkg"; exit 2; }
    echo "$line" | tr -d ':' | tr ' ' '\n'
  done | sort -u | while read -r f; do
    [ -n "$f" ] || continue; mkdir -p "root/lib/modules/$KV/$(dirname "$f")"; cp "$M/$f" "root/lib/modules/$KV/$f"; done
  cp "$M"/modules.builtin* "$M"/modules.order root/lib/modules/$KV/; depmod -b root "$KV"
  # crc32c_generic first: libcrc32c (needed by ip_vs) only soft-depends on it
  local ipvsmods; ipvsmods=$(for f in $ipvs; do basename "$f" | sed 's/\.ko.*//'; done | sort | awk '$0=="ip_vs"{print; next} {r=r" "$0} END{print r}' | tr '\n' ' ')
  echo "crc32c_generic virtio_pci 9pnet_virtio 9p dummy veth ipip ip_gre ip6_tunnel fou fou6 8021q bridge tun nf_tables nft_ct nft_reject_inet nft_limit nft_log nft_fib_inet $ipvsmods" > root/modules-at-boot
  cp k/boot/vmlinuz-* vmlinuz
  cat > root/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
failed=
for m in $(cat /modules-at-boot); do modprobe "$m" 2>/dev/null || failed="$failed $m"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host
arg() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" /proc/cmdline; }
RW=$(arg vmrw); CWD=$(arg vmcwd); CMD=$(arg vmcmd)
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp; mount -t tmpfs run /host/run 2>/dev/null
mkdir -p /host/dev/pts /host/dev/shm; mount -t devpts pts /host/dev/pts; mount -t tmpfs shm /host/dev/shm
mkdir -p "/host$RW" 2>/dev/null; mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 rw "/host$RW"
ip link set lo up
# The firmware leaves escape sequences without a newline on the console: the host prints
# only what comes after this marker (otherwise the first output line of the command is lost).
echo; echo "IPVS_VM_BEGIN"
[ -z "$failed" ] || echo "ipvs-vm: modules that failed to load at boot:$failed"
chroot /host /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root TERM=dumb LANG=C.UTF-8 IPVS_VM=1 IPVS_VM_MODPROBE="modprobe -d /proc/1/root" \
  /bin/sh -c "cd '$CWD' && bash '$RW/$CMD' </dev/null; echo \"IPVS_VM_RC=\$?\""
sync; poweroff -f
INIT
  chmod +x root/init
  (cd root && find . | cpio -o -H newc 2>/dev/null | gzip -1 > ../initrd.gz)
  echo "$pkg $KV" > kernel-version
  echo "$STAMP" > stamp
  cd "$CACHE"
  mv build/vmlinuz vmlinuz.new; mv build/initrd.gz initrd.gz.new; mv build/kernel-version kernel-version
  mv vmlinuz.new vmlinuz; mv initrd.gz.new initrd.gz; mv build/stamp stamp; rm -rf build
  say "cache ready: $(cat kernel-version)"
}
mkdir -p "$CACHE"
# flock: two first runs at once must not build into the same directory.
exec 9>"$CACHE/.lock"; flock 9
if [ ! -f "$CACHE/initrd.gz" ] || [ ! -f "$CACHE/vmlinuz" ] || [ -n "${IPVS_VM_REBUILD:-}" ] \
   || [ "$(cat "$CACHE/stamp" 2>/dev/null)" != "$STAMP" ]; then
  (build_cache); fi
flock -u 9; exec 9>&-

# --- run ---------------------------------------------------------------------------------
cmdf=.ipvs-vm-cmd.$$
log=$(mktemp)
trap 'rm -f "$RW/$cmdf" "$log"' EXIT
{ for v in ${IPVS_VM_PASSENV:-}; do [ -z "${!v+x}" ] || printf 'export %s=%q\n' "$v" "${!v}"; done
  printf '%s\n' "$*"; } > "$RW/$cmdf"
# Shows the command's output live: a bash loop, because tr and mawk buffer a pipe.
console() {
  local go=${IPVS_VM_CONSOLE:-} line
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in *IPVS_VM_RC=*)   # also after output that did not end with a newline
      [ -z "$go" ] || [ -z "${line%IPVS_VM_RC=*}" ] || printf '%s\n' "${line%IPVS_VM_RC=*}"
      go=; continue;; esac
    [ -z "$go" ] || printf '%s\n' "$line"
    case "$line" in *IPVS_VM_BEGIN) go=1;; esac
  done
}
# no_timer_check: on a loaded host the kernel's IO-APIC timer check fails under TCG and panics
# ("IO-APIC + timer doesn't work"). A VM that dies before the command started (no start marker)
# is booted once more; a command that started is never run twice.
for attempt in 1 2; do
  timeout "${IPVS_VM_TIMEOUT:-1800}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
    -smp "${IPVS_VM_CPUS:-2}" -m "${IPVS_VM_MEM:-4096}" -nographic -no-reboot -nic none \
    -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd.gz" \
    -append "console=ttyS0 quiet no_timer_check panic=-1 vmrw=$RW vmcwd=$CWD vmcmd=$cmdf" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs local,path="$RW",mount_tag=rw,security_model=none,multidevs=remap </dev/null 2>&1 \
    | tee "$log" | console || true
  rc=$(sed -n 's/.*IPVS_VM_RC=\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
  [ -z "$rc" ] || break
  if [ $attempt = 1 ] && ! grep -q 'IPVS_VM_BEGIN' "$log"; then
    say "the VM died before the command started; console tail:"
    tail -8 "$log" | tr -d '\r' | sed 's/\x1b[[?0-9;]*[a-zA-Z]//g; s/\x1b[a-zA-Z]//g' >&2
    say "booting once more"; continue
  fi
  say "no exit status from the VM (IPVS_VM_TIMEOUT=${IPVS_VM_TIMEOUT:-1800} s passed, kernel panic or qemu error); console tail:"
  tail -25 "$log" | tr -d '\r' | sed 's/\x1b[[?0-9;]*[a-zA-Z]//g; s/\x1b[a-zA-Z]//g' >&2
  break
done
exit "${rc:-99}"
