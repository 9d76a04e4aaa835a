package io.ipvs4j.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.Operation;
import io.ipvs4j.host.ArpAnnounce;
import io.ipvs4j.host.ArpIgnore;
import io.ipvs4j.host.HostChange;
import io.ipvs4j.host.DirectRouting;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.host.IpvsSysctl;
import io.ipvs4j.host.Link;
import io.ipvs4j.model.InetAddresses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HostNetwork} against the real kernel, inside a network namespace this test creates
 * (no IPVS needed): addresses checked with {@code ip -n NS -o addr}, sysctls with
 * {@code ip netns exec NS sysctl -n}. Skipped, with the reason, unless running as root with
 * iproute2 and permission to create namespaces.
 */
class HostNetworkNamespaceTest {
    private static final String NS = "i4j-k5h-" + ProcessHandle.current().pid();
    private static final String DEV = "i4jd0";
    private static Path nsPath;
    private static String linkKind;

    private InterfaceAddresses addrs;
    private HostSysctls sysctls;

    @BeforeAll
    static void createNamespace() {
        Assumptions.assumeTrue(isRoot(), "host test skipped: needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for netns)");
        Assumptions.assumeTrue(sh("ip netns add " + NS).ok, "host test skipped: cannot create a network namespace with 'ip netns add'");
        nsPath = NetlinkOptions.namedNamespace(NS);
        // a dummy link where the module exists, else a veth pair with both ends in the namespace
        if (sh("ip -n " + NS + " link add " + DEV + " type dummy").ok) {
            linkKind = "dummy";
        } else {
            run("ip -n " + NS + " link add " + DEV + " type veth peer name " + DEV + "p");
            linkKind = "veth";
            run("ip -n " + NS + " link set " + DEV + "p up");
        }
        run("ip -n " + NS + " link set lo up");
        run("ip -n " + NS + " link set " + DEV + " up");
    }

    @AfterAll
    static void deleteNamespace() {
        if (nsPath != null) {
            sh("ip netns del " + NS);
        }
    }

    @BeforeEach
    void open() throws Exception {
        addrs = HostNetwork.addresses(NetlinkOptions.builder().namespace(nsPath).build());
        sysctls = HostNetwork.sysctls(nsPath);
    }

    @AfterEach
    void close() {
        if (addrs != null) {
            addrs.close();
        }
    }

    @Test
    void listsTheNamespacesLinksNotTheHosts() throws Exception {
        List<Link> links = addrs.links();
        String ipIndex = run("ip -n " + NS + " -o link show " + DEV).split(":")[0].strip();
        Link dev = addrs.link(DEV);
        assertEquals(Integer.parseInt(ipIndex), dev.index(), "index as ip shows it (" + linkKind + ")");
        assertTrue(dev.up());
        assertTrue(links.contains(dev), links.toString());
        assertTrue(links.stream().anyMatch(l -> l.name().equals("lo") && l.up()), links.toString());
        int expected = run("ip -n " + NS + " -o link show").strip().split("\n").length;
        assertEquals(expected, links.size(), links.toString());
        // the host's namespace has no such link
        try (InterfaceAddresses host = HostNetwork.addresses()) {
            NotFoundException e = assertThrows(NotFoundException.class, () -> host.link(DEV));
            assertEquals(Operation.LIST_LINKS, e.operation());
            assertTrue(e.getMessage().contains("no such interface") && e.getMessage().contains(DEV), e.getMessage());
        }
    }

    @Test
    void addListRemoveIpv4WithLabel() throws Exception {
        InterfaceAddress a = InterfaceAddress.of(DEV, "192.0.2.10/24").withLabel(DEV + ":1");
        addrs.add(a);
        try {
            String ip = run("ip -n " + NS + " -o -4 addr show dev " + DEV);
            assertTrue(ip.contains("inet 192.0.2.10/24") && ip.contains(DEV + ":1"), ip);
            assertTrue(addrs.addresses(DEV).contains(a), addrs.addresses(DEV).toString());
            assertTrue(addrs.addresses().contains(a));
            assertFalse(run("ip -o addr show").contains("192.0.2.10/24"), "leaked into the host namespace");
        } finally {
            addrs.remove(a);
        }
        assertFalse(run("ip -n " + NS + " -o addr show dev " + DEV).contains("192.0.2.10"));
        assertFalse(addrs.addresses(DEV).contains(a));
    }

    @Test
    void addListRemoveIpv6() throws Exception {
        InterfaceAddress a = InterfaceAddress.of(DEV, "2001:db8::10/64");
        addrs.add(a);
        try {
            String ip = run("ip -n " + NS + " -o -6 addr show dev " + DEV + " to 2001:db8::10/128");
            assertTrue(ip.contains("inet6 2001:db8::10/64"), ip);
            assertFalse(ip.contains("tentative"), "added with nodad: " + ip);
            assertTrue(addrs.addresses(DEV).contains(a), addrs.addresses(DEV).toString());
        } finally {
            addrs.remove(a);
        }
        assertFalse(run("ip -n " + NS + " -o addr show dev " + DEV).contains("2001:db8::10"));
    }

    @Test
    void hostScopeAddressOnLoopback() throws Exception {
        InterfaceAddress a = InterfaceAddress.of("lo", "203.0.113.7/32").withScope(io.ipvs4j.host.Scope.HOST);
        addrs.add(a);
        try {
            String ip = run("ip -n " + NS + " -o addr show dev lo");
            assertTrue(ip.contains("inet 203.0.113.7/32 scope host"), ip);
            assertTrue(addrs.addresses("lo").contains(a), addrs.addresses("lo").toString());
        } finally {
            addrs.remove(a);
        }
    }

    @Test
    void ensurePresentAndAbsentAreIdempotent() throws Exception {
        for (String cidr : List.of("198.51.100.5/24", "2001:db8:1::5/64")) {
            InterfaceAddress a = InterfaceAddress.of(DEV, cidr);
            assertTrue(addrs.ensurePresent(a), cidr);
            assertFalse(addrs.ensurePresent(a), "second ensurePresent " + cidr);
            AlreadyExistsException exists = assertThrows(AlreadyExistsException.class, () -> addrs.add(a));
            assertEquals(Operation.ADD_ADDRESS, exists.operation());
            assertEquals("EEXIST", exists.errnoName());
            assertTrue(exists.getMessage().startsWith("add address " + cidr + " dev " + DEV), exists.getMessage());
            assertEquals(1, countLines(run("ip -n " + NS + " -o addr show dev " + DEV + " to " + cidr)));

            assertTrue(addrs.ensureAbsent(a));
            assertFalse(addrs.ensureAbsent(a), "second ensureAbsent " + cidr);
            NotFoundException missing = assertThrows(NotFoundException.class, () -> addrs.remove(a));
            assertEquals(Operation.REMOVE_ADDRESS, missing.operation());
            assertEquals("EADDRNOTAVAIL", missing.errnoName());
            assertEquals(0, countLines(run("ip -n " + NS + " -o addr show dev " + DEV + " to " + cidr)));
        }
    }

    @Test
    void missingInterfaceIsNotFoundAndAbsent() throws Exception {
        InterfaceAddress a = InterfaceAddress.of("nosuch9", "192.0.2.99/24");
        NotFoundException e = assertThrows(NotFoundException.class, () -> addrs.add(a));
        assertEquals(Operation.ADD_ADDRESS, e.operation());
        assertEquals("ENODEV", e.errnoName());
        assertTrue(e.getMessage().contains("no such interface"), e.getMessage());
        assertThrows(NotFoundException.class, () -> addrs.ensurePresent(a));
        assertFalse(addrs.ensureAbsent(a));
        assertThrows(NotFoundException.class, () -> addrs.addresses("nosuch9"));
    }

    @Test
    void arpSysctlsInsideTheNamespace() throws Exception {
        String hostAllIgnore = Files.readString(Path.of("/proc/sys/net/ipv4/conf/all/arp_ignore")).strip();
        sysctls.setArpIgnore(DEV, ArpIgnore.TARGET_ON_INCOMING_INTERFACE_SAME_SUBNET);
        sysctls.setArpAnnounce(DEV, ArpAnnounce.AVOID_OTHER_SUBNETS);
        sysctls.setArpIgnore(HostSysctls.ALL, ArpIgnore.NEVER);
        try {
            assertEquals("2", nsSysctl("net.ipv4.conf." + DEV + ".arp_ignore"));
            assertEquals("1", nsSysctl("net.ipv4.conf." + DEV + ".arp_announce"));
            assertEquals("8", nsSysctl("net.ipv4.conf.all.arp_ignore"));
            assertEquals(ArpIgnore.TARGET_ON_INCOMING_INTERFACE_SAME_SUBNET, sysctls.arpIgnore(DEV));
            assertEquals(ArpAnnounce.AVOID_OTHER_SUBNETS, sysctls.arpAnnounce(DEV));
            // written by ip netns exec, read by ipvs4j
            run("ip netns exec " + NS + " sysctl -q -w net.ipv4.conf.default.arp_announce=2");
            assertEquals(ArpAnnounce.BEST_LOCAL_ADDRESS, sysctls.arpAnnounce(HostSysctls.DEFAULT));
            // the host's namespace is untouched, and has no such interface
            assertEquals(hostAllIgnore, Files.readString(Path.of("/proc/sys/net/ipv4/conf/all/arp_ignore")).strip());
            NotFoundException e = assertThrows(NotFoundException.class, () -> HostNetwork.sysctls().arpIgnore(DEV));
            assertEquals("net.ipv4.conf." + DEV + ".arp_ignore", e.subject());
        } finally {
            sysctls.setArpIgnore(DEV, ArpIgnore.ANY_LOCAL_ADDRESS);
            sysctls.setArpAnnounce(DEV, ArpAnnounce.ANY_LOCAL_ADDRESS);
            sysctls.setArpIgnore(HostSysctls.ALL, ArpIgnore.ANY_LOCAL_ADDRESS);
            sysctls.setArpAnnounce(HostSysctls.DEFAULT, ArpAnnounce.ANY_LOCAL_ADDRESS);
        }
        assertEquals("0", nsSysctl("net.ipv4.conf.all.arp_ignore"));
    }

    @Test
    void ipvsSysctlsMissingWithoutIpvsAreAClearError() throws Exception {
        Assumptions.assumeFalse(Files.isDirectory(Path.of("/proc/sys/net/ipv4/vs")),
                "this host has IPVS; the kernel test IpvsSysctlKernelTest covers present entries");
        assertEquals(List.of(), sysctls.available());
        assertFalse(sysctls.isPresent(IpvsSysctl.CONNTRACK));
        NotFoundException e = assertThrows(NotFoundException.class, () -> sysctls.get(IpvsSysctl.CONNTRACK));
        assertEquals(Operation.READ_SYSCTL, e.operation());
        assertTrue(e.getMessage().contains("net.ipv4.vs.conntrack") && e.getMessage().contains("ip_vs not loaded"),
                e.getMessage());
        assertThrows(NotFoundException.class, () -> sysctls.set(IpvsSysctl.SYNC_THRESHOLD, new IpvsSysctl.SyncThreshold(3, 50)));
    }

    @Test
    void realServerRecipeAndUndo() throws Exception {
        DirectRouting dr = new DirectRouting(addrs, sysctls);
        List<HostChange> done = dr.prepareRealServer(InetAddresses.parse("192.0.2.100"));
        try {
            assertEquals(List.of(
                    new HostChange.ArpIgnoreChanged("lo", ArpIgnore.ANY_LOCAL_ADDRESS, ArpIgnore.TARGET_ON_INCOMING_INTERFACE),
                    new HostChange.ArpAnnounceChanged("lo", ArpAnnounce.ANY_LOCAL_ADDRESS, ArpAnnounce.BEST_LOCAL_ADDRESS),
                    new HostChange.ArpIgnoreChanged("all", ArpIgnore.ANY_LOCAL_ADDRESS, ArpIgnore.TARGET_ON_INCOMING_INTERFACE),
                    new HostChange.ArpAnnounceChanged("all", ArpAnnounce.ANY_LOCAL_ADDRESS, ArpAnnounce.BEST_LOCAL_ADDRESS),
                    new HostChange.AddressAdded(InterfaceAddress.of("lo", "192.0.2.100/32"))), done);
            assertTrue(run("ip -n " + NS + " -o addr show dev lo").contains("inet 192.0.2.100/32"));
            for (String iface : List.of("lo", "all")) {
                assertEquals("1", nsSysctl("net.ipv4.conf." + iface + ".arp_ignore"));
                assertEquals("2", nsSysctl("net.ipv4.conf." + iface + ".arp_announce"));
            }
            assertEquals(List.of(), dr.prepareRealServer(InetAddresses.parse("192.0.2.100")), "already prepared");
            // someone else tightens all.arp_ignore afterwards: undo must keep it
            run("ip netns exec " + NS + " sysctl -q -w net.ipv4.conf.all.arp_ignore=2");
        } finally {
            List<HostChange> undone = dr.undo(done);
            assertEquals(4, undone.size(), undone.toString());
        }
        assertFalse(run("ip -n " + NS + " -o addr show dev lo").contains("192.0.2.100"));
        assertEquals("0", nsSysctl("net.ipv4.conf.lo.arp_ignore"));
        assertEquals("0", nsSysctl("net.ipv4.conf.lo.arp_announce"));
        assertEquals("0", nsSysctl("net.ipv4.conf.all.arp_announce"));
        assertEquals("2", nsSysctl("net.ipv4.conf.all.arp_ignore"), "a later change by someone else is kept");
        run("ip netns exec " + NS + " sysctl -q -w net.ipv4.conf.all.arp_ignore=0");
    }

    @Test
    void realServerRecipeIpv6WithoutArp() throws Exception {
        DirectRouting dr = new DirectRouting(addrs, sysctls);
        List<HostChange> done = dr.prepareRealServer(InetAddresses.parse("2001:db8::100"));
        assertEquals(List.of(new HostChange.AddressAdded(InterfaceAddress.of("lo", "2001:db8::100/128"))), done);
        assertTrue(run("ip -n " + NS + " -o addr show dev lo").contains("inet6 2001:db8::100/128"));
        assertEquals("0", nsSysctl("net.ipv4.conf.all.arp_ignore"));
        assertEquals(List.of(new HostChange.AddressRemoved(InterfaceAddress.of("lo", "2001:db8::100/128"))), dr.undo(done));
        assertFalse(run("ip -n " + NS + " -o addr show dev lo").contains("2001:db8::100"));
    }

    @Test
    void directorVipAliasAndUndo() throws Exception {
        DirectRouting dr = new DirectRouting(addrs);
        List<HostChange> up = dr.bringUpVip(DEV, "192.0.2.100/24", DEV + ":1");
        InterfaceAddress vip = InterfaceAddress.of(DEV, "192.0.2.100/24").withLabel(DEV + ":1");
        assertEquals(List.of(new HostChange.AddressAdded(vip)), up);
        assertEquals("ip addr add 192.0.2.100/24 dev " + DEV + " label " + DEV + ":1 scope global", up.get(0).command());
        String ip = run("ip -n " + NS + " -o addr show dev " + DEV);
        assertTrue(ip.contains("inet 192.0.2.100/24") && ip.contains(DEV + ":1"), ip);
        assertEquals(List.of(), dr.bringUpVip(vip), "already up");
        assertEquals(List.of(new HostChange.AddressRemoved(vip)), dr.undo(up));
        assertFalse(run("ip -n " + NS + " -o addr show dev " + DEV).contains("192.0.2.100"));
        assertEquals(List.of(), dr.bringDownVip(vip), "already down");
        assertThrows(IllegalStateException.class, () -> dr.prepareRealServer(InetAddresses.parse("192.0.2.100")));
    }

    // --- helpers ------------------------------------------------------------------------

    private static String nsSysctl(String key) {
        return run("ip netns exec " + NS + " sysctl -n " + key).strip();
    }

    private static int countLines(String s) {
        return s.isBlank() ? 0 : s.strip().split("\n").length;
    }

    private record Result(boolean ok, String out) {
    }

    private static Result sh(String command) {
        try {
            Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(false, out + " (timeout)");
            }
            return new Result(p.exitValue() == 0, out);
        } catch (IOException e) {
            return new Result(false, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, e.toString());
        }
    }

    private static String run(String command) {
        Result r = sh(command);
        if (!r.ok) {
            throw new AssertionError("command failed: " + command + "\n" + r.out);
        }
        return r.out;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).strip().split("\\s+");
                    return f.length > 1 && f[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
