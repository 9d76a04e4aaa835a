package io.ipvs4j.host;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A typed key for one IPVS sysctl, {@code net.ipv4.vs.NAME} ({@code /proc/sys/net/ipv4/vs/NAME},
 * Documentation/networking/ipvs-sysctl.rst). Values are read and written with
 * {@link HostSysctls#get(IpvsSysctl)} and {@link HostSysctls#set(IpvsSysctl, Object)}:
 *
 * <pre>{@code
 * // sysctl -w net.ipv4.vs.expire_nodest_conn=1
 * sysctls.set(IpvsSysctl.EXPIRE_NODEST_CONN, true);
 * // sysctl -n net.ipv4.vs.sync_threshold   ->  "3	50"
 * IpvsSysctl.SyncThreshold t = sysctls.get(IpvsSysctl.SYNC_THRESHOLD);
 * }</pre>
 *
 * <p>The entries exist only while {@code ip_vs} is loaded, per network namespace, and some only
 * in newer kernels (e.g. {@code sloppy_sctp}, {@code run_estimation}, {@code est_nice}) or with
 * {@code CONFIG_IP_VS_DEBUG} ({@code debug_level}); {@link HostSysctls#available()} lists the
 * ones present, and reading a missing one is a {@link io.ipvs4j.NotFoundException}. Booleans
 * are the kernel's 0/1 integers (any non-zero value reads as true).
 *
 * @param <T> the Java type of the value
 */
public final class IpvsSysctl<T> {
    private static final List<IpvsSysctl<?>> ALL = new ArrayList<>();

    /** Drop rate of defense strategy {@code drop_packet} mode 3 (1/rate). */
    public static final IpvsSysctl<Integer> AM_DROPRATE = integer("am_droprate");
    /** Available-memory threshold in pages below which the defense strategies activate. */
    public static final IpvsSysctl<Integer> AMEMTHRESH = integer("amemthresh");
    /** Only in backup mode: with a sync backup daemon running, do not schedule (forward) packets. */
    public static final IpvsSysctl<Boolean> BACKUP_ONLY = bool("backup_only");
    /** Send packets for a VIP whose real servers are all unavailable straight to the destination. */
    public static final IpvsSysctl<Boolean> CACHE_BYPASS = bool("cache_bypass");
    /**
     * Handling of a new connection that reuses the ports of an old one (a bitmap): 0 send it to
     * the old connection's real server; bit 1 (value 1, the default) reschedule when safe (old
     * one in TIME_WAIT, or its server gone with expire_nodest_conn); bit 2 also when the old
     * TCP connection is in FIN_WAIT, the last state a DR director sees.
     */
    public static final IpvsSysctl<Integer> CONN_REUSE_MODE = integer("conn_reuse_mode");
    /** Keep netfilter conntrack entries for IPVS connections (needed for NAT rules/stateful firewalling on the director). */
    public static final IpvsSysctl<Boolean> CONNTRACK = bool("conntrack");
    /** Debug level of IPVS (only with CONFIG_IP_VS_DEBUG). */
    public static final IpvsSysctl<Integer> DEBUG_LEVEL = integer("debug_level");
    /** Defense strategy: randomly drop connection entries under memory pressure (0..3). */
    public static final IpvsSysctl<Integer> DROP_ENTRY = integer("drop_entry");
    /** Defense strategy: drop packets under memory pressure (0..3). */
    public static final IpvsSysctl<Integer> DROP_PACKET = integer("drop_packet");
    /** CPUs that run the rate estimation kthreads (a cpulist such as {@code 0-3}). */
    public static final IpvsSysctl<String> EST_CPULIST = string("est_cpulist");
    /** Nice value of the estimation kthreads (-20..19). */
    public static final IpvsSysctl<Integer> EST_NICE = integer("est_nice");
    /**
     * Expire a connection at once when its real server was removed (graceful-drain tuning: 1
     * makes clients of a removed server reconnect instead of timing out).
     */
    public static final IpvsSysctl<Boolean> EXPIRE_NODEST_CONN = bool("expire_nodest_conn");
    /** Expire persistence templates whose real server has weight 0 (quiescent). */
    public static final IpvsSysctl<Boolean> EXPIRE_QUIESCENT_TEMPLATE = bool("expire_quiescent_template");
    /** Ignore tunneled packets (let them reach a local socket instead of being scheduled). */
    public static final IpvsSysctl<Boolean> IGNORE_TUNNELED = bool("ignore_tunneled");
    /** Expiration of LBLC scheduler entries, in seconds. */
    public static final IpvsSysctl<Integer> LBLC_EXPIRATION = integer("lblc_expiration");
    /** Expiration of LBLCR scheduler entries, in seconds. */
    public static final IpvsSysctl<Integer> LBLCR_EXPIRATION = integer("lblcr_expiration");
    /** Send ICMP port unreachable for packets of NAT connections whose real server is gone. */
    public static final IpvsSysctl<Boolean> NAT_ICMP_SEND = bool("nat_icmp_send");
    /** Path MTU discovery for tunnel (IPIP/GUE/GRE) forwarding: send ICMP "fragmentation needed". */
    public static final IpvsSysctl<Boolean> PMTU_DISC = bool("pmtu_disc");
    /** Run the rate estimators (the {@code ipvsadm --rate} numbers). */
    public static final IpvsSysctl<Boolean> RUN_ESTIMATION = bool("run_estimation");
    /** Schedule ICMP packets that are not related to an existing connection. */
    public static final IpvsSysctl<Boolean> SCHEDULE_ICMP = bool("schedule_icmp");
    /** Defense strategy: use the secure TCP state table (0..3). */
    public static final IpvsSysctl<Integer> SECURE_TCP = integer("secure_tcp");
    /** Create connections from any SCTP packet, not only INIT (for failover and asymmetric setups). */
    public static final IpvsSysctl<Boolean> SLOPPY_SCTP = bool("sloppy_sctp");
    /** Create connections from any TCP packet, not only SYN (for failover and asymmetric setups). */
    public static final IpvsSysctl<Boolean> SLOPPY_TCP = bool("sloppy_tcp");
    /** Re-route NATed reply packets after SNAT (policy routing on the director). */
    public static final IpvsSysctl<Boolean> SNAT_REROUTE = bool("snat_reroute");
    /** Sync persistent connections only by their templates (reduces sync traffic). */
    public static final IpvsSysctl<Integer> SYNC_PERSIST_MODE = integer("sync_persist_mode");
    /** Number of sync daemon threads (ports) to use. */
    public static final IpvsSysctl<Integer> SYNC_PORTS = integer("sync_ports");
    /** Maximum number of sync messages queued. */
    public static final IpvsSysctl<Long> SYNC_QLEN_MAX = longValue("sync_qlen_max");
    /** Minimum seconds between syncs of a connection whose state did not change (0: use sync_threshold). */
    public static final IpvsSysctl<Integer> SYNC_REFRESH_PERIOD = integer("sync_refresh_period");
    /** How many times a sync message is retried (0..3). */
    public static final IpvsSysctl<Integer> SYNC_RETRIES = integer("sync_retries");
    /** Sync socket buffer size in bytes (0: the system default). */
    public static final IpvsSysctl<Integer> SYNC_SOCK_SIZE = integer("sync_sock_size");
    /** Connection sync threshold and period, in packets (two integers). */
    public static final IpvsSysctl<SyncThreshold> SYNC_THRESHOLD = new IpvsSysctl<>("sync_threshold",
            SyncThreshold.class, SyncThreshold::parse, SyncThreshold::toSysctl);
    /** Sync protocol version: 0 (old format) or 1 (default). */
    public static final IpvsSysctl<Integer> SYNC_VERSION = integer("sync_version");

    private final String name;
    private final Class<T> type;
    private final Function<String, T> parser;
    private final Function<T, String> formatter;

    private IpvsSysctl(String name, Class<T> type, Function<String, T> parser, Function<T, String> formatter) {
        this.name = name;
        this.type = type;
        this.parser = parser;
        this.formatter = formatter;
        ALL.add(this);
    }

    private static IpvsSysctl<Integer> integer(String name) {
        return new IpvsSysctl<>(name, Integer.class, s -> parseInt(name, s), String::valueOf);
    }

    private static IpvsSysctl<Long> longValue(String name) {
        return new IpvsSysctl<>(name, Long.class, s -> {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": expected an integer, read '" + s.strip() + "'");
            }
        }, String::valueOf);
    }

    private static IpvsSysctl<Boolean> bool(String name) {
        return new IpvsSysctl<>(name, Boolean.class, s -> parseInt(name, s) != 0, b -> b ? "1" : "0");
    }

    private static IpvsSysctl<String> string(String name) {
        return new IpvsSysctl<>(name, String.class, String::strip, s -> {
            if (s.indexOf('\n') >= 0) {
                throw new IllegalArgumentException(name + " must be one line, was '" + s + "'");
            }
            return s;
        });
    }

    private static int parseInt(String name, String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected an integer, read '" + text.strip() + "'");
        }
    }

    /** {@return every key this class knows, present in the running kernel or not} */
    public static List<IpvsSysctl<?>> all() {
        return Collections.unmodifiableList(ALL);
    }

    /**
     * The key named {@code name} (e.g. {@code "conntrack"}), if ipvs4j knows it.
     *
     * @param name the file name under {@code /proc/sys/net/ipv4/vs/}
     * @return the key, or empty if ipvs4j does not know it
     */
    public static Optional<IpvsSysctl<?>> byName(String name) {
        Objects.requireNonNull(name, "name");
        return ALL.stream().filter(k -> k.name.equals(name)).findFirst();
    }

    /** {@return the file name under {@code /proc/sys/net/ipv4/vs/}, e.g. {@code conntrack}} */
    public String name() {
        return name;
    }

    /** {@return the {@code sysctl} key: {@code net.ipv4.vs.conntrack}} */
    public String key() {
        return "net.ipv4.vs." + name;
    }

    /** {@return the Java type of the value} */
    public Class<T> type() {
        return type;
    }

    /**
     * Parses the file's text.
     *
     * @param text the file's content
     * @return the value
     * @throws IllegalArgumentException if the text does not have this key's type
     */
    public T parse(String text) {
        return parser.apply(Objects.requireNonNull(text, "text"));
    }

    /**
     * The text written to the file for {@code value}.
     *
     * @param value a value of this key's type
     * @return the text to write
     * @throws IllegalArgumentException if {@code value} is not of this key's type
     */
    public String format(Object value) {
        Objects.requireNonNull(value, name);
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException(name + " takes a " + type.getSimpleName() + ", was "
                    + value.getClass().getSimpleName() + " " + value);
        }
        return formatter.apply(type.cast(value));
    }

    /** {@return the {@code sysctl} key, as {@link #key()}} */
    @Override
    public String toString() {
        return key();
    }

    /**
     * The value of {@code net.ipv4.vs.sync_threshold}: a connection is synced when its packet
     * count modulo {@code period} equals {@code threshold}. The kernel demands both
     * non-negative and {@code threshold < period} unless {@code period} is 0 (then sync on every
     * state change only).
     *
     * @param threshold packets before the first sync (default 3)
     * @param period packets between syncs (default 50)
     */
    public record SyncThreshold(int threshold, int period) {
        /**
         * Validates like the kernel's {@code proc_do_sync_threshold}.
         *
         * @param period packets between syncs (default 50)
         * @param threshold packets before the first sync (default 3)
         * @throws IllegalArgumentException if a value is negative, or {@code threshold} is not
         *     below a non-zero {@code period}
         */
        public SyncThreshold {
            if (threshold < 0 || period < 0) {
                throw new IllegalArgumentException("sync_threshold values must be non-negative, was "
                        + threshold + " " + period);
            }
            if (period != 0 && threshold >= period) {
                throw new IllegalArgumentException("sync_threshold threshold must be below period (or period 0), was "
                        + threshold + " " + period);
            }
        }

        static SyncThreshold parse(String text) {
            String[] parts = text.strip().split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException("sync_threshold: expected two integers, read '" + text.strip() + "'");
            }
            return new SyncThreshold(parseInt("sync_threshold", parts[0]), parseInt("sync_threshold", parts[1]));
        }

        String toSysctl() {
            return threshold + " " + period;
        }
    }
}
