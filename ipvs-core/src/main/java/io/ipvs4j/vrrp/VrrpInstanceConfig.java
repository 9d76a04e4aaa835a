package io.ipvs4j.vrrp;

import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceNames;
import io.ipvs4j.model.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One VRRP instance: what keepalived's {@code vrrp_instance NAME { ... }} block says, field by
 * field, with keepalived's defaults (keepalived/include/vrrp.h, vrrp_parser.c, vrrp_data.c). Build
 * with {@link #builder(String, String, int)}; every value is checked when set and the whole
 * instance in {@link Builder#build()}, with an {@link IllegalArgumentException} naming the
 * field and the value.
 *
 * <pre>{@code
 * // vrrp_instance VI_1 { state MASTER interface eth0 virtual_router_id 51 priority 150
 * //   advert_int 1 authentication { auth_type PASS auth_pass 1111 }
 * //   virtual_ipaddress { 192.0.2.100/24 dev eth0 label eth0:1 } }
 * VrrpInstanceConfig vi1 = VrrpInstanceConfig.builder("VI_1", "eth0", 51)
 *         .initialState(VrrpState.MASTER)
 *         .priority(150)
 *         .advertInterval(Duration.ofSeconds(1))
 *         .authPass("1111")
 *         .virtualAddress(InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1"))
 *         .build();
 * }</pre>
 *
 * @param name {@code vrrp_instance NAME}: for logs and transitions
 * @param interfaceName {@code interface}: where adverts are sent and received
 * @param virtualRouterId {@code virtual_router_id}: 1..255, no default in keepalived (required)
 * @param version {@code version} (or global {@code vrrp_version}); default {@link VrrpVersion#V2}
 * @param priority {@code priority}: 1..255, default 100 ({@code VRRP_PRIO_DFL}); 255 is the
 *     address owner, which becomes MASTER at once
 * @param advertInterval {@code advert_int}: default 1 s ({@code VRRP_ADVER_DFL}); whole seconds
 *     1..255 in v2, 0.01..40.95 s in centiseconds in v3
 * @param initialState {@code state}: {@link VrrpState#BACKUP} (default) or {@link VrrpState#MASTER};
 *     MASTER below priority 255 waits one advert interval plus the minimum skew for another
 *     master before taking over (keepalived's vrrp_init_state), BACKUP the full master-down interval
 * @param preempt false for {@code nopreempt}; default true
 * @param preemptDelay {@code preempt_delay}: 0..1000 s, default 0; a lower-priority master is
 *     tolerated this long after it is first seen before this instance preempts it
 * @param authPass {@code authentication { auth_type PASS auth_pass X }}: v2 only, 1..8 bytes
 *     (keepalived truncates longer passwords to 8; here they are rejected); empty: auth_type none
 * @param virtualAddresses {@code virtual_ipaddress}: at least one, all of the instance's
 *     family, each with its own {@code dev} (default the instance's interface) and {@code label}
 * @param unicastPeers {@code unicast_peer}: when not empty, adverts go to each peer by
 *     unicast instead of the multicast group (224.0.0.18 / ff02::12)
 * @param sourceAddress {@code mcast_src_ip} / {@code unicast_src_ip}: default the interface's
 *     first address of the family (IPv6: its link-local address)
 * @param garpMasterDelay {@code garp_master_delay}: default 5 s ({@code VRRP_GARP_DELAY}); the
 *     second round of gratuitous ARPs / NAs this long after becoming MASTER; 0: no second round
 * @param garpMasterRepeat {@code garp_master_repeat}: messages per round, default 5 ({@code VRRP_GARP_REP})
 * @param garpMasterRefresh {@code garp_master_refresh}: period of refresh rounds while MASTER,
 *     default 0 = none ({@code VRRP_GARP_REFRESH})
 * @param garpMasterRefreshRepeat {@code garp_master_refresh_repeat}: messages per refresh
 *     round, default 1 ({@code VRRP_GARP_REFRESH_REP})
 * @param garpInterval {@code garp_interval} (and {@code gna_interval}): pause between the
 *     messages of one round, default 0
 * @param v3ChecksumAsV2 {@code v3_checksum_as_v2} (global or per instance; keepalived's VRRP_FLAG_V3_CHECKSUM_AS_V2,
 *     newer than the 2.2.7 of Debian bookworm, which rejects the keyword):
 *     compute the v3 IPv4 checksum over the VRRP message only, without the IPv4 pseudo-header;
 *     default false: the pseudo-header is included, as keepalived and FRR do by default
 *     (RFC 5798 section 5.2.8)
 * @param downTimerAdverts global {@code vrrp_down_timer_adverts}: adverts missed before the
 *     master is down, 3..100, default 3 ({@code VRRP_DOWN_TIMER_ADVERTS})
 * @param trackInterfaces {@code track_interface}: interfaces whose link is tracked, each with
 *     its weight (default 0: link down means FAULT); the interface of the instance is always
 *     tracked with weight 0, as in keepalived
 * @param trackers {@code track_script} / {@code track_file} equivalents with their weights
 *     (-253..253 as keepalived's {@code vrrp_script weight})
 */
public record VrrpInstanceConfig(
        String name,
        String interfaceName,
        int virtualRouterId,
        VrrpVersion version,
        int priority,
        Duration advertInterval,
        VrrpState initialState,
        boolean preempt,
        Duration preemptDelay,
        Optional<String> authPass,
        List<InterfaceAddress> virtualAddresses,
        List<InetAddress> unicastPeers,
        Optional<InetAddress> sourceAddress,
        Duration garpMasterDelay,
        int garpMasterRepeat,
        Duration garpMasterRefresh,
        int garpMasterRefreshRepeat,
        Duration garpInterval,
        boolean v3ChecksumAsV2,
        int downTimerAdverts,
        List<TrackedInterface> trackInterfaces,
        List<WeightedTracker> trackers) {

    /** The IPv4 multicast group of VRRP (RFC 5798 section 5.1.1.2). */
    public static final InetAddress MULTICAST_V4 = InetAddresses.parse("224.0.0.18");
    /** The IPv6 multicast group of VRRP (RFC 5798 section 5.1.2.2). */
    public static final InetAddress MULTICAST_V6 = InetAddresses.parse("ff02::12");
    /** The address owner's priority: MASTER at once, never preempted. */
    public static final int PRIORITY_OWNER = 255;

    /** {@code track_interface IF weight W}; weight -254..254, 0 means FAULT while the link is down. */
    public record TrackedInterface(String interfaceName, int weight) {
        /**
         * Validates the interface name and the weight.
         *
         * @param interfaceName the tracked interface
         * @param weight -254..254; 0: FAULT while the link is down
         * @throws IllegalArgumentException if the name is invalid or the weight out of range
         */
        public TrackedInterface {
            InterfaceNames.checkInterface(interfaceName);
            if (weight < -254 || weight > 254) {
                throw new IllegalArgumentException("track_interface " + interfaceName + " weight must be -254..254, was " + weight);
            }
        }
    }

    /** A tracker and its weight (-253..253); 0 means FAULT while it is down. */
    public record WeightedTracker(Tracker tracker, int weight) {
        /**
         * Validates the weight.
         *
         * @param tracker the tracker
         * @param weight -253..253; 0: FAULT while the tracker is down
         * @throws IllegalArgumentException if the weight is out of range
         */
        public WeightedTracker {
            Objects.requireNonNull(tracker, "tracker");
            if (weight < -253 || weight > 253) {
                throw new IllegalArgumentException("tracker " + tracker.name() + " weight must be -253..253, was " + weight);
            }
        }
    }

    /**
     * Validates the whole instance; the builder is the convenient way to make one.
     *
     * @param name {@code vrrp_instance NAME}
     * @param interfaceName {@code interface}
     * @param virtualRouterId {@code virtual_router_id}, 1..255
     * @param version {@code version}
     * @param priority {@code priority}, 1..255
     * @param advertInterval {@code advert_int}
     * @param initialState {@code state}: MASTER or BACKUP
     * @param preempt false for {@code nopreempt}
     * @param preemptDelay {@code preempt_delay}, 0..1000 s
     * @param authPass {@code auth_pass}, v2 only, 1..8 bytes
     * @param virtualAddresses {@code virtual_ipaddress}, 1..255 addresses of one family
     * @param unicastPeers {@code unicast_peer}s, empty for multicast
     * @param sourceAddress {@code mcast_src_ip} / {@code unicast_src_ip}
     * @param garpMasterDelay {@code garp_master_delay}
     * @param garpMasterRepeat {@code garp_master_repeat}, 1..255
     * @param garpMasterRefresh {@code garp_master_refresh}, 0: off
     * @param garpMasterRefreshRepeat {@code garp_master_refresh_repeat}, 1..255
     * @param garpInterval {@code garp_interval}
     * @param v3ChecksumAsV2 {@code v3_checksum_as_v2}
     * @param downTimerAdverts {@code vrrp_down_timer_adverts}, 3..100
     * @param trackInterfaces {@code track_interface}s
     * @param trackers trackers with their weights
     * @throws IllegalArgumentException naming the instance and the field when a value is out of range or inconsistent
     */
    public VrrpInstanceConfig {
        if (Objects.requireNonNull(name, "name").isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        InterfaceNames.checkInterface(interfaceName);
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(advertInterval, "advertInterval");
        Objects.requireNonNull(initialState, "initialState");
        Objects.requireNonNull(preemptDelay, "preemptDelay");
        Objects.requireNonNull(authPass, "authPass");
        Objects.requireNonNull(sourceAddress, "sourceAddress");
        virtualAddresses = List.copyOf(virtualAddresses);
        unicastPeers = List.copyOf(unicastPeers);
        trackInterfaces = List.copyOf(trackInterfaces);
        trackers = List.copyOf(trackers);
        String in = "(" + name + ") ";
        if (virtualRouterId < 1 || virtualRouterId > 255) {
            throw new IllegalArgumentException(in + "virtual_router_id must be 1..255, was " + virtualRouterId);
        }
        if (priority < 1 || priority > 255) {
            throw new IllegalArgumentException(in + "priority must be 1..255, was " + priority);
        }
        if (version == VrrpVersion.V2) {
            if (advertInterval.toNanos() % 1_000_000_000L != 0 || advertInterval.getSeconds() < 1 || advertInterval.getSeconds() > 255) {
                throw new IllegalArgumentException(in + "advert_int must be whole seconds 1..255 in VRRP v2, was " + seconds(advertInterval));
            }
        } else {
            if (advertInterval.toNanos() % 10_000_000L != 0 || advertInterval.toMillis() < 10 || advertInterval.toMillis() > 40_950) {
                throw new IllegalArgumentException(in + "advert_int must be 0.01..40.95 s in whole centiseconds in VRRP v3, was "
                        + seconds(advertInterval));
            }
        }
        if (initialState != VrrpState.BACKUP && initialState != VrrpState.MASTER) {
            throw new IllegalArgumentException(in + "state must be MASTER or BACKUP, was " + initialState);
        }
        if (preemptDelay.isNegative() || preemptDelay.compareTo(Duration.ofSeconds(1000)) > 0) {
            throw new IllegalArgumentException(in + "preempt_delay must be 0..1000 s, was " + seconds(preemptDelay));
        }
        if (authPass.isPresent()) {
            if (version != VrrpVersion.V2) {
                throw new IllegalArgumentException(in + "authentication is VRRP v2 only (RFC 5798 removed it), version is 3");
            }
            int bytes = authPass.get().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes < 1 || bytes > 8) {
                throw new IllegalArgumentException(in + "auth_pass must be 1..8 bytes, was " + bytes + " bytes");
            }
        }
        if (virtualAddresses.isEmpty()) {
            throw new IllegalArgumentException(in + "virtual_ipaddress must hold at least one address");
        }
        if (virtualAddresses.size() > 255) {
            throw new IllegalArgumentException(in + "virtual_ipaddress may hold at most 255 addresses in one advert, was "
                    + virtualAddresses.size());
        }
        boolean v6 = virtualAddresses.get(0).address() instanceof Inet6Address;
        if (v6 && version == VrrpVersion.V2) {
            throw new IllegalArgumentException(in + "IPv6 virtual addresses need VRRP version 3, version is 2");
        }
        for (InterfaceAddress a : virtualAddresses) {
            if ((a.address() instanceof Inet6Address) != v6) {
                throw new IllegalArgumentException(in + "virtual_ipaddress mixes IPv4 and IPv6: " + a.cidr()
                        + " (one instance per family, as keepalived)");
            }
        }
        for (InetAddress p : unicastPeers) {
            if ((p instanceof Inet6Address) != v6 || p.isMulticastAddress() || p.isAnyLocalAddress()) {
                throw new IllegalArgumentException(in + "unicast_peer must be a unicast " + (v6 ? "IPv6" : "IPv4")
                        + " address, was " + InetAddresses.toText(p));
            }
        }
        if (sourceAddress.isPresent() && ((sourceAddress.get() instanceof Inet6Address) != v6
                || sourceAddress.get().isMulticastAddress() || sourceAddress.get().isAnyLocalAddress())) {
            throw new IllegalArgumentException(in + "mcast_src_ip must be a unicast " + (v6 ? "IPv6" : "IPv4")
                    + " address, was " + InetAddresses.toText(sourceAddress.get()));
        }
        nonNegative(in, "garp_master_delay", garpMasterDelay);
        nonNegative(in, "garp_master_refresh", garpMasterRefresh);
        nonNegative(in, "garp_interval", garpInterval);
        if (garpMasterRepeat < 1 || garpMasterRepeat > 255) {
            throw new IllegalArgumentException(in + "garp_master_repeat must be 1..255, was " + garpMasterRepeat);
        }
        if (garpMasterRefreshRepeat < 1 || garpMasterRefreshRepeat > 255) {
            throw new IllegalArgumentException(in + "garp_master_refresh_repeat must be 1..255, was " + garpMasterRefreshRepeat);
        }
        if (downTimerAdverts < 3 || downTimerAdverts > 100) {
            throw new IllegalArgumentException(in + "vrrp_down_timer_adverts must be 3..100, was " + downTimerAdverts);
        }
    }

    /**
     * A builder with keepalived's defaults for instance {@code name} on {@code interfaceName}.
     *
     * @param name the instance name
     * @param interfaceName the interface adverts use
     * @param virtualRouterId the VRID, 1..255 (checked by {@link Builder#build()})
     * @return a new builder
     */
    public static Builder builder(String name, String interfaceName, int virtualRouterId) {
        return new Builder(name, interfaceName, virtualRouterId);
    }

    /**
     * True if the virtual addresses (and so the adverts) are IPv6.
     *
     * @return whether the instance is IPv6
     */
    public boolean isIpv6() {
        return virtualAddresses.get(0).address() instanceof Inet6Address;
    }

    /**
     * The destination of adverts when there is no unicast peer.
     *
     * @return {@link #MULTICAST_V4} or {@link #MULTICAST_V6}
     */
    public InetAddress multicastGroup() {
        return isIpv6() ? MULTICAST_V6 : MULTICAST_V4;
    }

    /**
     * The advert interval in the packet's unit: seconds (v2) or centiseconds (v3).
     *
     * @return the value of the advert's interval field
     */
    public int advertIntervalField() {
        return version == VrrpVersion.V2 ? (int) advertInterval.getSeconds() : (int) (advertInterval.toMillis() / 10);
    }

    private static void nonNegative(String in, String field, Duration d) {
        if (Objects.requireNonNull(d, field).isNegative()) {
            throw new IllegalArgumentException(in + field + " must not be negative, was " + seconds(d));
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() / 1000.0 + " s";
    }

    /** Builder of {@link VrrpInstanceConfig}; starts from keepalived's defaults. */
    public static final class Builder {
        private final String name;
        private final String interfaceName;
        private final int virtualRouterId;
        private VrrpVersion version = VrrpVersion.V2;
        private int priority = 100;
        private Duration advertInterval = Duration.ofSeconds(1);
        private VrrpState initialState = VrrpState.BACKUP;
        private boolean preempt = true;
        private Duration preemptDelay = Duration.ZERO;
        private Optional<String> authPass = Optional.empty();
        private final List<InterfaceAddress> virtualAddresses = new ArrayList<>();
        private final List<InetAddress> unicastPeers = new ArrayList<>();
        private Optional<InetAddress> sourceAddress = Optional.empty();
        private Duration garpMasterDelay = Duration.ofSeconds(5);
        private int garpMasterRepeat = 5;
        private Duration garpMasterRefresh = Duration.ZERO;
        private int garpMasterRefreshRepeat = 1;
        private Duration garpInterval = Duration.ZERO;
        private boolean v3ChecksumAsV2;
        private int downTimerAdverts = 3;
        private final List<TrackedInterface> trackInterfaces = new ArrayList<>();
        private final List<WeightedTracker> trackers = new ArrayList<>();

        private Builder(String name, String interfaceName, int virtualRouterId) {
            this.name = name;
            this.interfaceName = interfaceName;
            this.virtualRouterId = virtualRouterId;
        }

        /**
         * Sets {@code version}.
         *
         * @param version V2 (default) or V3
         * @return this builder
         */
        public Builder version(VrrpVersion version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /**
         * Sets {@code priority}.
         *
         * @param priority 1..255, default 100
         * @return this builder
         */
        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        /**
         * Sets {@code advert_int}.
         *
         * @param interval default 1 s; whole seconds in v2, centiseconds in v3
         * @return this builder
         */
        public Builder advertInterval(Duration interval) {
            this.advertInterval = Objects.requireNonNull(interval, "advertInterval");
            return this;
        }

        /**
         * Sets {@code state}.
         *
         * @param state BACKUP (default) or MASTER
         * @return this builder
         */
        public Builder initialState(VrrpState state) {
            this.initialState = Objects.requireNonNull(state, "initialState");
            return this;
        }

        /**
         * Sets whether a higher priority takes over from a lower-priority master; {@code nopreempt} is {@code preempt(false)}.
         *
         * @param preempt false for {@code nopreempt}
         * @return this builder
         */
        public Builder preempt(boolean preempt) {
            this.preempt = preempt;
            return this;
        }

        /**
         * Sets {@code preempt_delay}.
         *
         * @param delay 0..1000 s, default 0
         * @return this builder
         */
        public Builder preemptDelay(Duration delay) {
            this.preemptDelay = Objects.requireNonNull(delay, "preemptDelay");
            return this;
        }

        /**
         * Sets {@code auth_pass} (VRRP v2 simple password).
         *
         * @param password 1..8 bytes
         * @return this builder
         */
        public Builder authPass(String password) {
            this.authPass = Optional.of(Objects.requireNonNull(password, "authPass"));
            return this;
        }

        /**
         * Adds an address to {@code virtual_ipaddress}.
         *
         * @param address the virtual address with its interface and prefix
         * @return this builder
         */
        public Builder virtualAddress(InterfaceAddress address) {
            virtualAddresses.add(Objects.requireNonNull(address, "virtualAddress"));
            return this;
        }

        /**
         * Adds {@code cidr} on the instance's interface, e.g. {@code "192.0.2.100/24"}.
         *
         * @param cidr the address and prefix length
         * @return this builder
         * @throws IllegalArgumentException if {@code cidr} does not parse
         */
        public Builder virtualAddress(String cidr) {
            return virtualAddress(InterfaceAddress.of(interfaceName, cidr));
        }

        /**
         * Adds a {@code unicast_peer}; with any peer, adverts are unicast.
         *
         * @param peer the peer's address
         * @return this builder
         */
        public Builder unicastPeer(InetAddress peer) {
            unicastPeers.add(Objects.requireNonNull(peer, "unicastPeer"));
            return this;
        }

        /**
         * Sets {@code mcast_src_ip} / {@code unicast_src_ip}.
         *
         * @param source the source address of adverts
         * @return this builder
         */
        public Builder sourceAddress(InetAddress source) {
            this.sourceAddress = Optional.of(Objects.requireNonNull(source, "sourceAddress"));
            return this;
        }

        /**
         * Sets {@code garp_master_delay}.
         *
         * @param delay delay of the second announcement round after becoming MASTER, default 5 s
         * @return this builder
         */
        public Builder garpMasterDelay(Duration delay) {
            this.garpMasterDelay = delay;
            return this;
        }

        /**
         * Sets {@code garp_master_repeat}.
         *
         * @param repeat messages per round, 1..255, default 5
         * @return this builder
         */
        public Builder garpMasterRepeat(int repeat) {
            this.garpMasterRepeat = repeat;
            return this;
        }

        /**
         * Sets {@code garp_master_refresh}.
         *
         * @param period period of refresh rounds while MASTER, 0 (default): none
         * @return this builder
         */
        public Builder garpMasterRefresh(Duration period) {
            this.garpMasterRefresh = period;
            return this;
        }

        /**
         * Sets {@code garp_master_refresh_repeat}.
         *
         * @param repeat messages per refresh round, 1..255, default 1
         * @return this builder
         */
        public Builder garpMasterRefreshRepeat(int repeat) {
            this.garpMasterRefreshRepeat = repeat;
            return this;
        }

        /**
         * Sets {@code garp_interval}.
         *
         * @param interval pause between announcements, default 0
         * @return this builder
         */
        public Builder garpInterval(Duration interval) {
            this.garpInterval = interval;
            return this;
        }

        /**
         * Sets {@code v3_checksum_as_v2}.
         *
         * @param asV2 true to compute v3 IPv4 checksums without the pseudo-header
         * @return this builder
         */
        public Builder v3ChecksumAsV2(boolean asV2) {
            this.v3ChecksumAsV2 = asV2;
            return this;
        }

        /**
         * Sets {@code vrrp_down_timer_adverts}.
         *
         * @param adverts adverts missed before the master is down, 3..100, default 3
         * @return this builder
         */
        public Builder downTimerAdverts(int adverts) {
            this.downTimerAdverts = adverts;
            return this;
        }

        /**
         * Adds a {@code track_interface}.
         *
         * @param interfaceName the interface whose link is tracked
         * @param weight -254..254; 0: FAULT while down
         * @return this builder
         */
        public Builder trackInterface(String interfaceName, int weight) {
            trackInterfaces.add(new TrackedInterface(interfaceName, weight));
            return this;
        }

        /**
         * Adds a tracker ({@code track_script} / {@code track_file} equivalent).
         *
         * @param tracker the tracker
         * @param weight -253..253; 0: FAULT while down
         * @return this builder
         */
        public Builder track(Tracker tracker, int weight) {
            trackers.add(new WeightedTracker(tracker, weight));
            return this;
        }

        /**
         * Builds and validates the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the instance and field of an invalid value
         */
        public VrrpInstanceConfig build() {
            return new VrrpInstanceConfig(name, interfaceName, virtualRouterId, version, priority, advertInterval,
                    initialState, preempt, preemptDelay, authPass, virtualAddresses, unicastPeers, sourceAddress,
                    garpMasterDelay, garpMasterRepeat, garpMasterRefresh, garpMasterRefreshRepeat, garpInterval,
                    v3ChecksumAsV2, downTimerAdverts, trackInterfaces, trackers);
        }
    }
}
