package io.ipvs4j.testing;

import io.ipvs4j.Errno;
import io.ipvs4j.IpvsErrors;
import io.ipvs4j.IpvsException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.host.ArpAnnounce;
import io.ipvs4j.host.ArpIgnore;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceNames;
import io.ipvs4j.host.IpvsSysctl;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An in-memory {@link HostSysctls}: the ARP and IPVS sysctls of one network namespace, with the
 * same typed exceptions as the implementation over {@code /proc/sys}
 * ({@code HostNetwork.sysctls()}), for testing code that prepares a director or a DR real
 * server without root. Values are kept as the kernel's text and go through
 * {@link IpvsSysctl#format}/{@link IpvsSysctl#parse} as the real implementation's do, so a value
 * out of range is the same {@link IllegalArgumentException}.
 * <ul>
 * <li>an interface that does not exist: {@link NotFoundException} ("no such interface");</li>
 * <li>an IPVS sysctl while {@code ip_vs} is "not loaded" ({@link #setIpvsLoaded}), or
 *     {@code debug_level} (a kernel without {@code CONFIG_IP_VS_DEBUG}):
 *     {@link NotFoundException}.</li>
 * </ul>
 * It starts as a fresh namespace with {@code ip_vs} loaded: interfaces {@code lo},
 * {@link #ALL} and {@link #DEFAULT} with {@code arp_ignore} and {@code arp_announce} 0, and
 * the IPVS sysctls at the kernel's defaults ({@code conn_reuse_mode} 1, {@code pmtu_disc} 1,
 * {@code snat_reroute} 1, {@code sync_threshold} "3 50", ... ; the host-dependent
 * {@code est_cpulist} and {@code sync_qlen_max} as on one CPU with 1 GiB). An interface
 * added later starts with the values of {@link #DEFAULT}, as a new device does.
 *
 * <pre>{@code
 * InMemoryHostSysctls sysctls = new InMemoryHostSysctls();
 * InMemoryInterfaceAddresses addrs = new InMemoryInterfaceAddresses();
 * new DirectRouting(addrs, sysctls).prepareRealServer(InetAddresses.parse("192.0.2.100"));
 * assertEquals(ArpIgnore.TARGET_ON_INCOMING_INTERFACE, sysctls.arpIgnore(HostSysctls.ALL));
 * }</pre>
 *
 * <p>Thread-safe: every method is {@code synchronized}.
 */
public class InMemoryHostSysctls implements HostSysctls {
    /** The kernel's defaults (Documentation/networking/ipvs-sysctl.rst, ip_vs_ctl.c). */
    private static final Map<String, String> IPVS_DEFAULTS = new LinkedHashMap<>();

    static {
        IPVS_DEFAULTS.put("am_droprate", "10");
        IPVS_DEFAULTS.put("amemthresh", "1024");
        IPVS_DEFAULTS.put("backup_only", "0");
        IPVS_DEFAULTS.put("cache_bypass", "0");
        IPVS_DEFAULTS.put("conn_reuse_mode", "1");
        IPVS_DEFAULTS.put("conntrack", "0");
        IPVS_DEFAULTS.put("drop_entry", "0");
        IPVS_DEFAULTS.put("drop_packet", "0");
        IPVS_DEFAULTS.put("est_cpulist", "0");
        IPVS_DEFAULTS.put("est_nice", "0");
        IPVS_DEFAULTS.put("expire_nodest_conn", "0");
        IPVS_DEFAULTS.put("expire_quiescent_template", "0");
        IPVS_DEFAULTS.put("ignore_tunneled", "0");
        IPVS_DEFAULTS.put("lblc_expiration", "86400");
        IPVS_DEFAULTS.put("lblcr_expiration", "86400");
        IPVS_DEFAULTS.put("nat_icmp_send", "0");
        IPVS_DEFAULTS.put("pmtu_disc", "1");
        IPVS_DEFAULTS.put("run_estimation", "1");
        IPVS_DEFAULTS.put("schedule_icmp", "0");
        IPVS_DEFAULTS.put("secure_tcp", "0");
        IPVS_DEFAULTS.put("sloppy_sctp", "0");
        IPVS_DEFAULTS.put("sloppy_tcp", "0");
        IPVS_DEFAULTS.put("snat_reroute", "1");
        IPVS_DEFAULTS.put("sync_persist_mode", "0");
        IPVS_DEFAULTS.put("sync_ports", "1");
        IPVS_DEFAULTS.put("sync_qlen_max", "8192");
        IPVS_DEFAULTS.put("sync_refresh_period", "0");
        IPVS_DEFAULTS.put("sync_retries", "0");
        IPVS_DEFAULTS.put("sync_sock_size", "0");
        IPVS_DEFAULTS.put("sync_threshold", "3\t50");
        IPVS_DEFAULTS.put("sync_version", "1");
    }

    private record Arp(int ignore, int announce) {
    }

    private final Map<String, Arp> interfaces = new LinkedHashMap<>();
    private final Map<String, String> ipvs = new HashMap<>();
    private final Map<Operation, Deque<Integer>> failures = new EnumMap<>(Operation.class);
    private boolean ipvsLoaded = true;

    /** A fresh namespace with {@code ip_vs} loaded: see the class comment. */
    public InMemoryHostSysctls() {
        interfaces.put(ALL, new Arp(0, 0));
        interfaces.put(DEFAULT, new Arp(0, 0));
        interfaces.put("lo", new Arp(0, 0));
        ipvs.putAll(IPVS_DEFAULTS);
    }

    // ---- test controls -------------------------------------------------------------------

    /**
     * Adds an interface, with the ARP values of {@link #DEFAULT}.
     *
     * @param name the interface name, e.g. {@code eth0}
     * @throws IllegalArgumentException if the name is invalid
     * @throws IllegalStateException if it exists
     */
    public synchronized void addInterface(String name) {
        InterfaceNames.checkInterface(name);
        if (interfaces.containsKey(name)) {
            throw new IllegalStateException("interface " + name + " exists already");
        }
        interfaces.put(name, interfaces.get(DEFAULT));
    }

    /**
     * Removes an interface (its sysctls go with it).
     *
     * @param name the interface name
     * @throws IllegalStateException if there is no such interface, or it is {@link #ALL} or {@link #DEFAULT}
     */
    public synchronized void removeInterface(String name) {
        if (ALL.equals(name) || DEFAULT.equals(name) || interfaces.remove(name) == null) {
            throw new IllegalStateException("no removable interface " + name);
        }
    }

    /**
     * Loads or unloads {@code ip_vs}: unloaded, every IPVS sysctl is missing; loaded again,
     * they are back at the kernel's defaults.
     *
     * @param loaded whether {@code ip_vs} is loaded
     */
    public synchronized void setIpvsLoaded(boolean loaded) {
        if (loaded && !ipvsLoaded) {
            ipvs.clear();
            ipvs.putAll(IPVS_DEFAULTS);
        }
        ipvsLoaded = loaded;
    }

    /**
     * Makes the next call of {@code operation} fail with {@code errno}, as if the kernel had
     * answered so. Calls queue up.
     *
     * @param operation {@link Operation#READ_SYSCTL} or {@link Operation#WRITE_SYSCTL}
     * @param errno the error number, e.g. {@link Errno#EACCES}
     */
    public synchronized void failNext(Operation operation, int errno) {
        Objects.requireNonNull(operation, "operation");
        if (errno == 0) {
            throw new IllegalArgumentException("errno must be non-zero, was 0");
        }
        failures.computeIfAbsent(operation, o -> new ArrayDeque<>()).add(Math.abs(errno));
    }

    // ---- HostSysctls ---------------------------------------------------------------------

    @Override
    public synchronized ArpIgnore arpIgnore(String interfaceName) throws IpvsException {
        String key = confKey(interfaceName, "arp_ignore");
        begin(Operation.READ_SYSCTL, key);
        return ArpIgnore.fromValue(arp(Operation.READ_SYSCTL, key, interfaceName).ignore());
    }

    @Override
    public synchronized void setArpIgnore(String interfaceName, ArpIgnore value) throws IpvsException {
        Objects.requireNonNull(value, "arp_ignore");
        String key = confKey(interfaceName, "arp_ignore");
        String subject = key + "=" + value.value();
        begin(Operation.WRITE_SYSCTL, subject);
        Arp a = arp(Operation.WRITE_SYSCTL, subject, interfaceName);
        interfaces.put(interfaceName, new Arp(value.value(), a.announce()));
    }

    @Override
    public synchronized ArpAnnounce arpAnnounce(String interfaceName) throws IpvsException {
        String key = confKey(interfaceName, "arp_announce");
        begin(Operation.READ_SYSCTL, key);
        return ArpAnnounce.fromValue(arp(Operation.READ_SYSCTL, key, interfaceName).announce());
    }

    @Override
    public synchronized void setArpAnnounce(String interfaceName, ArpAnnounce value) throws IpvsException {
        Objects.requireNonNull(value, "arp_announce");
        String key = confKey(interfaceName, "arp_announce");
        String subject = key + "=" + value.value();
        begin(Operation.WRITE_SYSCTL, subject);
        Arp a = arp(Operation.WRITE_SYSCTL, subject, interfaceName);
        interfaces.put(interfaceName, new Arp(a.ignore(), value.value()));
    }

    @Override
    public synchronized <T> T get(IpvsSysctl<T> key) throws IpvsException {
        Objects.requireNonNull(key, "key");
        begin(Operation.READ_SYSCTL, key.key());
        return key.parse(present(Operation.READ_SYSCTL, key.key(), key));
    }

    @Override
    public synchronized <T> void set(IpvsSysctl<T> key, T value) throws IpvsException {
        Objects.requireNonNull(key, "key");
        String text = key.format(value);
        String subject = key.key() + "=" + text;
        begin(Operation.WRITE_SYSCTL, subject);
        present(Operation.WRITE_SYSCTL, subject, key);
        ipvs.put(key.name(), text);
    }

    @Override
    public synchronized boolean isPresent(IpvsSysctl<?> key) throws IpvsException {
        Objects.requireNonNull(key, "key");
        begin(Operation.READ_SYSCTL, key.key());
        return ipvsLoaded && ipvs.containsKey(key.name());
    }

    @Override
    public synchronized List<IpvsSysctl<?>> available() throws IpvsException {
        begin(Operation.READ_SYSCTL, "net.ipv4.vs.*");
        List<IpvsSysctl<?>> out = new ArrayList<>();
        for (IpvsSysctl<?> k : IpvsSysctl.all()) {
            if (ipvsLoaded && ipvs.containsKey(k.name())) {
                out.add(k);
            }
        }
        return List.copyOf(out);
    }

    // ---- helpers -------------------------------------------------------------------------

    private static String confKey(String interfaceName, String leaf) {
        return "net.ipv4.conf." + InterfaceNames.checkInterface(interfaceName) + "." + leaf;
    }

    private void begin(Operation op, String subject) throws IpvsException {
        Deque<Integer> q = failures.get(op);
        Integer errno = q == null ? null : q.poll();
        if (errno != null) {
            throw IpvsErrors.fromErrno(op, subject, errno, null);
        }
    }

    private Arp arp(Operation op, String subject, String interfaceName) throws NotFoundException {
        Arp a = interfaces.get(interfaceName);
        if (a == null) {
            throw new NotFoundException(op, subject, "no such interface", Errno.ENOENT, null);
        }
        return a;
    }

    private String present(Operation op, String subject, IpvsSysctl<?> key) throws NotFoundException {
        String text = ipvsLoaded ? ipvs.get(key.name()) : null;
        if (text == null) {
            throw new NotFoundException(op, subject, "not present: ip_vs not loaded in this network namespace, or a kernel"
                    + " without " + key.key(), Errno.ENOENT, null);
        }
        return text;
    }
}
