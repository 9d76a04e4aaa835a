package io.ipvs4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.Errno;
import io.ipvs4j.IpvsException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.host.ArpAnnounce;
import io.ipvs4j.host.ArpIgnore;
import io.ipvs4j.host.DirectRouting;
import io.ipvs4j.host.HostChange;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.host.IpvsSysctl;
import io.ipvs4j.host.Link;
import io.ipvs4j.host.Scope;
import io.ipvs4j.model.InetAddresses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What the host helpers ({@link InterfaceAddresses}, {@link HostSysctls}) must do, as the Linux
 * kernel does it: one JUnit 5 suite that {@link InMemoryInterfaceAddresses} and
 * {@link InMemoryHostSysctls} pass on the host and the rtnetlink and {@code /proc/sys}
 * implementations pass in a fresh network namespace of ipvs4j's test VM. It checks the same
 * typed exceptions for the same mistakes, the fresh namespace's state, the kernel's rules for
 * duplicate and missing addresses, the IPVS sysctls' defaults, and {@link DirectRouting} on top.
 *
 * <p>IPv6 link-local addresses, which the kernel adds by itself to an interface that comes up,
 * are left out of every comparison (the fake does not invent them).
 *
 * <pre>{@code
 * class MyHostContractTest extends HostContract {
 *     @Override
 *     protected Host open() {
 *         InMemoryInterfaceAddresses addrs = new InMemoryInterfaceAddresses();
 *         InMemoryHostSysctls sysctls = new InMemoryHostSysctls();
 *         return new Host(addrs, sysctls, name -> { addrs.addLink(name); sysctls.addInterface(name); });
 *     }
 * }
 * }</pre>
 */
// JUnit's annotations and Executable appear in this API although the module reads JUnit only
// "requires static": who extends the suite has JUnit, who uses only the fakes needs none.
@SuppressWarnings("exports")
public abstract class HostContract {
    /**
     * Creates an interface (up, no addresses) in the namespace under test, as
     * {@code ip link add NAME type dummy && ip link set NAME up} does.
     */
    @FunctionalInterface
    public interface InterfaceCreator {
        /**
         * Creates the interface.
         *
         * @param name its name
         * @throws Exception if it cannot be created
         */
        void create(String name) throws Exception;
    }

    /**
     * One network namespace's host helpers.
     *
     * @param addresses its interface addresses; closed after the test
     * @param sysctls its sysctls
     * @param interfaces creates an interface in it
     */
    public record Host(InterfaceAddresses addresses, HostSysctls sysctls, InterfaceCreator interfaces) {
    }

    /** The namespace under test, opened by {@link #open()} before each test. */
    protected Host host;

    /** For subclasses. */
    protected HostContract() {
    }

    /**
     * A fresh network namespace (or a fake of one): {@code lo} up with its loopback addresses,
     * no other interface, {@code ip_vs} loaded, every sysctl at its default.
     *
     * @return its host helpers
     * @throws Exception if it cannot be made
     */
    protected abstract Host open() throws Exception;

    /**
     * Opens the namespace under test.
     *
     * @throws Exception if it cannot be made
     */
    @BeforeEach
    public void openHost() throws Exception {
        host = open();
    }

    /** Closes the namespace's address client. */
    @AfterEach
    public void closeHost() {
        host.addresses().close();
    }

    // ---- helpers -------------------------------------------------------------------------

    /**
     * Asserts that {@code call} throws exactly {@code type} for {@code operation} on
     * {@code subject} with {@code errno}.
     *
     * @param <T> the exception type
     * @param type the exact class expected
     * @param operation the operation the exception must name
     * @param subject the subject the exception must name
     * @param errno the errno it must carry
     * @param call the call that must fail
     * @return the exception, for further checks
     */
    protected static <T extends IpvsException> T expect(Class<T> type, Operation operation, String subject, int errno,
                                                        Executable call) {
        T e = assertThrows(type, call);
        assertEquals(type, e.getClass(), "exact exception class: " + e);
        assertEquals(operation, e.operation(), e.getMessage());
        assertEquals(subject, e.subject(), e.getMessage());
        assertEquals(errno, e.errno(), e.getMessage());
        return e;
    }

    /** Without the IPv6 link-local addresses the kernel adds by itself. */
    private static List<InterfaceAddress> assigned(List<InterfaceAddress> all) {
        return all.stream().filter(a -> a.isIpv4() || !a.address().isLinkLocalAddress()).toList();
    }

    private List<InterfaceAddress> assigned(String interfaceName) throws IpvsException {
        return assigned(host.addresses().addresses(interfaceName));
    }

    private static final List<InterfaceAddress> LOOPBACK = List.of(
            new InterfaceAddress("lo", InetAddresses.parse("127.0.0.1"), 8, Optional.empty(), Scope.HOST),
            new InterfaceAddress("lo", InetAddresses.parse("::1"), 128, Optional.empty(), Scope.HOST));

    // ---- interfaces and addresses --------------------------------------------------------

    /**
     * A fresh namespace has {@code lo} first (index 1, up) with {@code 127.0.0.1/8} and
     * {@code ::1/128}, scope host, and no other address (the kernel also creates the fallback
     * devices of the tunnel modules loaded, such as {@code tunl0} or {@code gre0}: down and
     * without addresses); a missing interface is a {@link NotFoundException} (ENODEV).
     *
     * @throws IpvsException if a call fails unexpectedly
     */
    @Test
    public void freshNamespaceHasLoopback() throws IpvsException {
        List<Link> links = host.addresses().links();
        assertEquals(new Link(1, "lo", true), links.get(0), links.toString());
        for (Link l : links.subList(1, links.size())) {
            assertFalse(l.up(), "only lo is up: " + links);
        }
        assertEquals(new Link(1, "lo", true), host.addresses().link("lo"));
        assertEquals(LOOPBACK, assigned(host.addresses().addresses()));
        assertEquals(LOOPBACK, assigned("lo"));
        expect(NotFoundException.class, Operation.LIST_LINKS, "eth9", Errno.ENODEV, () -> host.addresses().link("eth9"));
        expect(NotFoundException.class, Operation.LIST_ADDRESSES, "of eth9", Errno.ENODEV,
                () -> host.addresses().addresses("eth9"));
        assertThrows(IllegalArgumentException.class, () -> host.addresses().link("../lo"));
    }

    /**
     * A new interface takes an index above every existing one and is listed last; its
     * addresses are listed IPv4 first, as added.
     *
     * @throws Exception if a call fails
     */
    @Test
    public void addressesOfANewInterface() throws Exception {
        int highest = host.addresses().links().stream().mapToInt(Link::index).max().orElseThrow();
        host.interfaces().create("eth0");
        Link eth0 = host.addresses().link("eth0");
        assertTrue(eth0.index() > highest, eth0 + " after index " + highest);
        assertTrue(eth0.up());
        List<Link> links = host.addresses().links();
        assertEquals(eth0, links.get(links.size() - 1), links.toString());
        InterfaceAddress v6 = InterfaceAddress.of("eth0", "2001:db8::100/64");
        InterfaceAddress vip = InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1");
        host.addresses().add(v6);
        host.addresses().add(vip);
        assertEquals(List.of(vip, v6), assigned("eth0"), "IPv4 first");
        List<InterfaceAddress> all = assigned(host.addresses().addresses());
        assertEquals(List.of(LOOPBACK.get(0), vip, LOOPBACK.get(1), v6), all, "by family, then by interface");
    }

    /**
     * {@code ensureDummy} creates a dummy interface up, with an index above every other, and
     * is idempotent; the interface holds addresses; {@code ensureUp} of an interface that is up
     * changes nothing, and of a missing one is a {@link NotFoundException} (ENODEV).
     *
     * @throws Exception if a call fails
     */
    @Test
    public void dummyInterfaceIsCreatedUpOnce() throws Exception {
        int highest = host.addresses().links().stream().mapToInt(Link::index).max().orElseThrow();
        assertTrue(host.addresses().ensureDummy("vip0"), "created");
        Link vip0 = host.addresses().link("vip0");
        assertTrue(vip0.up(), vip0.toString());
        assertTrue(vip0.index() > highest, vip0 + " after index " + highest);
        assertFalse(host.addresses().ensureDummy("vip0"), "already there and up");
        assertFalse(host.addresses().ensureUp("vip0"), "already up");
        assertEquals(vip0, host.addresses().link("vip0"), "the same interface");
        InterfaceAddress vip = InterfaceAddress.host("vip0", InetAddresses.parse("203.0.113.10"));
        host.addresses().add(vip);
        assertEquals(List.of(vip), assigned("vip0"));
        expect(NotFoundException.class, Operation.SET_LINK, "eth9 up", Errno.ENODEV, () -> host.addresses().ensureUp("eth9"));
        assertThrows(IllegalArgumentException.class, () -> host.addresses().ensureDummy("a-name-that-is-too-long"));
    }

    /**
     * A deprecated IPv6 address ({@code preferred_lft 0}, keepalived's form of an IPv6 /128
     * VIP) is listed deprecated, and an address added without it is not.
     *
     * @throws Exception if a call fails
     */
    @Test
    public void deprecatedIpv6AddressIsListedDeprecated() throws Exception {
        host.interfaces().create("eth0");
        InterfaceAddress vip = InterfaceAddress.of("eth0", "2001:db8::100/128").withDeprecated(true);
        InterfaceAddress own = InterfaceAddress.of("eth0", "2001:db8::1/64");
        host.addresses().add(vip);
        host.addresses().add(own);
        assertEquals(Set.of(vip, own), Set.copyOf(assigned("eth0")));
        assertThrows(IllegalArgumentException.class,
                () -> InterfaceAddress.of("eth0", "192.0.2.100/32").withDeprecated(true));
    }

    /**
     * The kernel's rules for duplicates: an IPv4 address is the same assignment only with the
     * same prefix length, an IPv6 one whatever the prefix; a duplicate is an
     * {@link AlreadyExistsException} (EEXIST) and {@code ensurePresent} is then false.
     *
     * @throws Exception if a call fails unexpectedly
     */
    @Test
    public void duplicateAddressIsAlreadyExists() throws Exception {
        host.interfaces().create("eth0");
        InterfaceAddress vip = InterfaceAddress.of("eth0", "192.0.2.100/24");
        host.addresses().add(vip);
        expect(AlreadyExistsException.class, Operation.ADD_ADDRESS, "192.0.2.100/24 dev eth0 scope global", Errno.EEXIST,
                () -> host.addresses().add(vip));
        expect(AlreadyExistsException.class, Operation.ADD_ADDRESS, "192.0.2.100/24 dev eth0 label eth0:7 scope global",
                Errno.EEXIST, () -> host.addresses().add(vip.withLabel("eth0:7")));
        assertFalse(host.addresses().ensurePresent(vip));
        InterfaceAddress host32 = InterfaceAddress.of("eth0", "192.0.2.100/32");
        assertTrue(host.addresses().ensurePresent(host32), "another prefix length is another IPv4 address");
        host.addresses().add(InterfaceAddress.of("eth0", "2001:db8::100/64"));
        expect(AlreadyExistsException.class, Operation.ADD_ADDRESS, "2001:db8::100/128 dev eth0 scope global",
                Errno.EEXIST, () -> host.addresses().add(InterfaceAddress.of("eth0", "2001:db8::100/128")));
        assertEquals(Set.of(vip, host32, InterfaceAddress.of("eth0", "2001:db8::100/64")), Set.copyOf(assigned("eth0")));
    }

    /**
     * Removing an address the interface does not have (other address, prefix length or label)
     * is a {@link NotFoundException} (EADDRNOTAVAIL); on a missing interface every call is a
     * {@link NotFoundException} (ENODEV), and {@code ensureAbsent} is false for both.
     *
     * @throws Exception if a call fails unexpectedly
     */
    @Test
    public void missingAddressOrInterfaceIsNotFound() throws Exception {
        host.interfaces().create("eth0");
        InterfaceAddress vip = InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1");
        host.addresses().add(vip);
        expect(NotFoundException.class, Operation.REMOVE_ADDRESS, "192.0.2.101/24 dev eth0 scope global",
                Errno.EADDRNOTAVAIL, () -> host.addresses().remove(InterfaceAddress.of("eth0", "192.0.2.101/24")));
        expect(NotFoundException.class, Operation.REMOVE_ADDRESS, "192.0.2.100/25 dev eth0 scope global",
                Errno.EADDRNOTAVAIL, () -> host.addresses().remove(InterfaceAddress.of("eth0", "192.0.2.100/25")));
        expect(NotFoundException.class, Operation.REMOVE_ADDRESS, "192.0.2.100/24 dev eth0 label eth0:2 scope global",
                Errno.EADDRNOTAVAIL, () -> host.addresses().remove(vip.withLabel("eth0:2")));
        expect(NotFoundException.class, Operation.REMOVE_ADDRESS, "2001:db8::1/64 dev eth0 scope global",
                Errno.EADDRNOTAVAIL, () -> host.addresses().remove(InterfaceAddress.of("eth0", "2001:db8::1/64")));
        expect(NotFoundException.class, Operation.ADD_ADDRESS, "192.0.2.1/24 dev eth9 scope global", Errno.ENODEV,
                () -> host.addresses().add(InterfaceAddress.of("eth9", "192.0.2.1/24")));
        expect(NotFoundException.class, Operation.REMOVE_ADDRESS, "192.0.2.1/24 dev eth9 scope global", Errno.ENODEV,
                () -> host.addresses().remove(InterfaceAddress.of("eth9", "192.0.2.1/24")));
        assertFalse(host.addresses().ensureAbsent(InterfaceAddress.of("eth9", "192.0.2.1/24")));
        assertFalse(host.addresses().ensureAbsent(InterfaceAddress.of("eth0", "192.0.2.101/24")));
        assertEquals(List.of(vip), assigned("eth0"), "failed removals change nothing");
        assertTrue(host.addresses().ensureAbsent(vip));
        assertEquals(List.of(), assigned("eth0"));
    }

    // ---- sysctls -------------------------------------------------------------------------

    /**
     * ARP sysctls start at 0 for {@code all}, {@code default} and {@code lo}; an interface
     * created later starts with the values of {@code default}; an unknown interface is a
     * {@link NotFoundException} naming the key.
     *
     * @throws Exception if a call fails unexpectedly
     */
    @Test
    public void arpSysctls() throws Exception {
        HostSysctls s = host.sysctls();
        for (String iface : List.of(HostSysctls.ALL, HostSysctls.DEFAULT, "lo")) {
            assertEquals(ArpIgnore.ANY_LOCAL_ADDRESS, s.arpIgnore(iface), iface);
            assertEquals(ArpAnnounce.fromValue(0), s.arpAnnounce(iface), iface);
        }
        s.setArpIgnore(HostSysctls.DEFAULT, ArpIgnore.TARGET_ON_INCOMING_INTERFACE);
        s.setArpAnnounce(HostSysctls.DEFAULT, ArpAnnounce.BEST_LOCAL_ADDRESS);
        host.interfaces().create("eth0");
        assertEquals(ArpIgnore.TARGET_ON_INCOMING_INTERFACE, s.arpIgnore("eth0"));
        assertEquals(ArpAnnounce.BEST_LOCAL_ADDRESS, s.arpAnnounce("eth0"));
        assertEquals(ArpIgnore.ANY_LOCAL_ADDRESS, s.arpIgnore("lo"), "an existing interface keeps its value");
        s.setArpIgnore("eth0", ArpIgnore.NOT_HOST_SCOPE);
        assertEquals(ArpIgnore.NOT_HOST_SCOPE, s.arpIgnore("eth0"));
        NotFoundException e = expect(NotFoundException.class, Operation.READ_SYSCTL, "net.ipv4.conf.eth9.arp_ignore",
                Errno.ENOENT, () -> s.arpIgnore("eth9"));
        assertTrue(e.getMessage().contains("no such interface"), e.getMessage());
        expect(NotFoundException.class, Operation.WRITE_SYSCTL, "net.ipv4.conf.eth9.arp_announce=2", Errno.ENOENT,
                () -> s.setArpAnnounce("eth9", ArpAnnounce.BEST_LOCAL_ADDRESS));
        assertThrows(IllegalArgumentException.class, () -> s.arpIgnore("a/b"));
    }

    /** The kernel's defaults of the IPVS sysctls that do not depend on the machine. */
    private static final Map<IpvsSysctl<?>, Object> IPVS_DEFAULTS = Map.ofEntries(
            Map.entry(IpvsSysctl.AM_DROPRATE, 10), Map.entry(IpvsSysctl.AMEMTHRESH, 1024),
            Map.entry(IpvsSysctl.BACKUP_ONLY, false), Map.entry(IpvsSysctl.CACHE_BYPASS, false),
            Map.entry(IpvsSysctl.CONN_REUSE_MODE, 1), Map.entry(IpvsSysctl.CONNTRACK, false),
            Map.entry(IpvsSysctl.DROP_ENTRY, 0), Map.entry(IpvsSysctl.DROP_PACKET, 0),
            Map.entry(IpvsSysctl.EST_NICE, 0), Map.entry(IpvsSysctl.EXPIRE_NODEST_CONN, false),
            Map.entry(IpvsSysctl.EXPIRE_QUIESCENT_TEMPLATE, false), Map.entry(IpvsSysctl.IGNORE_TUNNELED, false),
            Map.entry(IpvsSysctl.LBLC_EXPIRATION, 86400), Map.entry(IpvsSysctl.LBLCR_EXPIRATION, 86400),
            Map.entry(IpvsSysctl.NAT_ICMP_SEND, false), Map.entry(IpvsSysctl.PMTU_DISC, true),
            Map.entry(IpvsSysctl.RUN_ESTIMATION, true), Map.entry(IpvsSysctl.SCHEDULE_ICMP, false),
            Map.entry(IpvsSysctl.SECURE_TCP, 0), Map.entry(IpvsSysctl.SLOPPY_SCTP, false),
            Map.entry(IpvsSysctl.SLOPPY_TCP, false), Map.entry(IpvsSysctl.SNAT_REROUTE, true),
            Map.entry(IpvsSysctl.SYNC_PERSIST_MODE, 0), Map.entry(IpvsSysctl.SYNC_PORTS, 1),
            Map.entry(IpvsSysctl.SYNC_REFRESH_PERIOD, 0), Map.entry(IpvsSysctl.SYNC_RETRIES, 0),
            Map.entry(IpvsSysctl.SYNC_SOCK_SIZE, 0), Map.entry(IpvsSysctl.SYNC_THRESHOLD, new IpvsSysctl.SyncThreshold(3, 50)),
            Map.entry(IpvsSysctl.SYNC_VERSION, 1));

    /**
     * Every IPVS sysctl present has the kernel's default (those that depend on the machine,
     * {@code est_cpulist} and {@code sync_qlen_max}, are only read); values written are read
     * back; {@code debug_level} (only with {@code CONFIG_IP_VS_DEBUG}) is missing, a
     * {@link NotFoundException}.
     *
     * @throws IpvsException if a call fails unexpectedly
     */
    @Test
    public void ipvsSysctlDefaultsAndWrites() throws IpvsException {
        HostSysctls s = host.sysctls();
        List<IpvsSysctl<?>> present = s.available();
        assertTrue(present.containsAll(List.of(IpvsSysctl.CONN_REUSE_MODE, IpvsSysctl.SYNC_THRESHOLD,
                IpvsSysctl.EXPIRE_NODEST_CONN, IpvsSysctl.SYNC_QLEN_MAX)), present.toString());
        for (IpvsSysctl<?> k : present) {
            assertTrue(s.isPresent(k), k.toString());
            Object value = s.get(k);
            if (IPVS_DEFAULTS.containsKey(k)) {
                assertEquals(IPVS_DEFAULTS.get(k), value, k.toString());
            }
        }
        assertTrue(s.get(IpvsSysctl.SYNC_QLEN_MAX) > 0);
        assertFalse(present.contains(IpvsSysctl.DEBUG_LEVEL), present.toString());
        assertFalse(s.isPresent(IpvsSysctl.DEBUG_LEVEL));
        expect(NotFoundException.class, Operation.READ_SYSCTL, "net.ipv4.vs.debug_level", Errno.ENOENT,
                () -> s.get(IpvsSysctl.DEBUG_LEVEL));

        s.set(IpvsSysctl.EXPIRE_NODEST_CONN, true);
        s.set(IpvsSysctl.CONN_REUSE_MODE, 0);
        s.set(IpvsSysctl.SYNC_THRESHOLD, new IpvsSysctl.SyncThreshold(5, 100));
        assertTrue(s.get(IpvsSysctl.EXPIRE_NODEST_CONN));
        assertEquals(0, s.get(IpvsSysctl.CONN_REUSE_MODE));
        assertEquals(new IpvsSysctl.SyncThreshold(5, 100), s.get(IpvsSysctl.SYNC_THRESHOLD));
    }

    // ---- direct routing on top -----------------------------------------------------------

    /**
     * {@link DirectRouting#prepareRealServer} sets the ARP sysctls and puts the VIP on
     * {@code lo}; a second call changes nothing; {@code undo} restores the fresh namespace.
     *
     * @throws IpvsException if a call fails
     */
    @Test
    public void directRoutingPreparesAndUndoes() throws IpvsException {
        DirectRouting dr = new DirectRouting(host.addresses(), host.sysctls());
        List<HostChange> changes = dr.prepareRealServer(InetAddresses.parse("192.0.2.100"));
        assertEquals(ArpIgnore.TARGET_ON_INCOMING_INTERFACE, host.sysctls().arpIgnore("lo"));
        assertEquals(ArpIgnore.TARGET_ON_INCOMING_INTERFACE, host.sysctls().arpIgnore(HostSysctls.ALL));
        assertEquals(ArpAnnounce.BEST_LOCAL_ADDRESS, host.sysctls().arpAnnounce(HostSysctls.ALL));
        assertEquals(Set.of("127.0.0.1/8", "192.0.2.100/32", "::1/128"),
                assigned("lo").stream().map(InterfaceAddress::cidr).collect(Collectors.toSet()));
        assertEquals(List.of(), dr.prepareRealServer(InetAddresses.parse("192.0.2.100")), "idempotent");
        dr.undo(changes);
        assertEquals(ArpIgnore.ANY_LOCAL_ADDRESS, host.sysctls().arpIgnore("lo"));
        assertEquals(ArpAnnounce.fromValue(0), host.sysctls().arpAnnounce(HostSysctls.ALL));
        assertEquals(LOOPBACK, assigned("lo"));
    }

    /**
     * {@link DirectRouting#prepareVipOnDummy} creates the dummy interface up, sets the ARP
     * sysctls on it and {@code all} and holds the VIPs there; a second call changes nothing;
     * {@code undo} takes the addresses and sysctls back and leaves the interface.
     *
     * @throws IpvsException if a call fails
     */
    @Test
    public void vipOnADummyInterfaceAnswersNoArp() throws IpvsException {
        DirectRouting dr = new DirectRouting(host.addresses(), host.sysctls());
        List<HostChange> changes = new ArrayList<>(dr.prepareVipOnDummy("ipvs4j-vip", InetAddresses.parse("203.0.113.10")));
        changes.addAll(dr.prepareVipOnDummy("ipvs4j-vip", InetAddresses.parse("2001:db8::10")));
        assertTrue(host.addresses().link("ipvs4j-vip").up());
        for (String iface : List.of("ipvs4j-vip", HostSysctls.ALL)) {
            assertEquals(ArpIgnore.TARGET_ON_INCOMING_INTERFACE, host.sysctls().arpIgnore(iface), iface);
            assertEquals(ArpAnnounce.BEST_LOCAL_ADDRESS, host.sysctls().arpAnnounce(iface), iface);
        }
        assertEquals(List.of("203.0.113.10/32", "2001:db8::10/128"),
                assigned("ipvs4j-vip").stream().map(InterfaceAddress::cidr).toList());
        assertEquals(List.of(), dr.prepareVipOnDummy("ipvs4j-vip", InetAddresses.parse("203.0.113.10")), "idempotent");
        dr.undo(changes);
        assertEquals(List.of(), assigned("ipvs4j-vip"));
        assertEquals(ArpIgnore.ANY_LOCAL_ADDRESS, host.sysctls().arpIgnore(HostSysctls.ALL));
        assertTrue(host.addresses().link("ipvs4j-vip").up(), "the interface stays");
    }
}
