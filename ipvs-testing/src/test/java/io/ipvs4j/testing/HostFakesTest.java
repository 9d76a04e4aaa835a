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
import io.ipvs4j.PermissionDeniedException;
import io.ipvs4j.host.ArpAnnounce;
import io.ipvs4j.host.ArpIgnore;
import io.ipvs4j.host.DirectRouting;
import io.ipvs4j.host.HostChange;
import io.ipvs4j.host.HostSysctls;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.IpvsSysctl;
import io.ipvs4j.host.Link;
import io.ipvs4j.model.InetAddresses;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host-helper fakes: the kernel's answers and typed errors, and DirectRouting on top of them. */
class HostFakesTest {

    @Test
    void freshNamespaceHasLoopback() throws IpvsException {
        try (InMemoryInterfaceAddresses addrs = new InMemoryInterfaceAddresses()) {
            assertEquals(List.of(new Link(1, "lo", true)), addrs.links());
            assertEquals(List.of("127.0.0.1/8", "::1/128"), addrs.addresses().stream().map(InterfaceAddress::cidr).toList());
            NotFoundException e = assertThrows(NotFoundException.class, () -> addrs.link("eth0"));
            assertEquals(Errno.ENODEV, e.errno());
            assertEquals(Operation.LIST_LINKS, e.operation());
        }
    }

    @Test
    void addressesHaveTheKernelsRules() throws IpvsException {
        InMemoryInterfaceAddresses addrs = new InMemoryInterfaceAddresses();
        assertEquals(new Link(2, "eth0", true), addrs.addLink("eth0"));
        InterfaceAddress v6 = InterfaceAddress.of("eth0", "2001:db8::100/64");
        InterfaceAddress vip = InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1");
        addrs.add(v6);
        addrs.add(vip);
        assertEquals(List.of(vip, v6), addrs.addresses("eth0"), "IPv4 first");
        AlreadyExistsException dup = assertThrows(AlreadyExistsException.class,
                () -> addrs.add(InterfaceAddress.of("eth0", "192.0.2.100/24")));
        assertEquals(Operation.ADD_ADDRESS, dup.operation());
        assertEquals("192.0.2.100/24 dev eth0 scope global", dup.subject());
        addrs.add(InterfaceAddress.of("eth0", "192.0.2.100/32"));   // another prefix: another IPv4 address
        assertThrows(AlreadyExistsException.class, () -> addrs.add(InterfaceAddress.of("eth0", "2001:db8::100/128")));
        assertFalse(addrs.ensurePresent(vip));

        NotFoundException missing = assertThrows(NotFoundException.class,
                () -> addrs.remove(InterfaceAddress.of("eth0", "192.0.2.101/24")));
        assertEquals(Errno.EADDRNOTAVAIL, missing.errno());
        assertThrows(NotFoundException.class, () -> addrs.remove(InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:2")));
        NotFoundException noDev = assertThrows(NotFoundException.class, () -> addrs.add(InterfaceAddress.of("eth9", "192.0.2.1/24")));
        assertEquals(Errno.ENODEV, noDev.errno());
        assertFalse(addrs.ensureAbsent(InterfaceAddress.of("eth9", "192.0.2.1/24")));
        assertTrue(addrs.ensureAbsent(vip));
        addrs.removeLink("eth0");
        assertThrows(NotFoundException.class, () -> addrs.addresses("eth0"));

        addrs.failNext(Operation.ADD_ADDRESS, Errno.EPERM);
        assertThrows(PermissionDeniedException.class, () -> addrs.add(InterfaceAddress.of("lo", "192.0.2.5/32")));
        addrs.close();
        assertTrue(addrs.isClosed());
        assertThrows(IllegalStateException.class, addrs::links);
    }

    @Test
    void sysctlsHaveTheKernelsDefaultsAndErrors() throws IpvsException {
        InMemoryHostSysctls sysctls = new InMemoryHostSysctls();
        assertEquals(ArpIgnore.ANY_LOCAL_ADDRESS, sysctls.arpIgnore(HostSysctls.ALL));
        assertEquals(new IpvsSysctl.SyncThreshold(3, 50), sysctls.get(IpvsSysctl.SYNC_THRESHOLD));
        assertEquals(1, sysctls.get(IpvsSysctl.CONN_REUSE_MODE));
        assertFalse(sysctls.isPresent(IpvsSysctl.DEBUG_LEVEL));
        NotFoundException debug = assertThrows(NotFoundException.class, () -> sysctls.get(IpvsSysctl.DEBUG_LEVEL));
        assertEquals(Operation.READ_SYSCTL, debug.operation());
        assertEquals("net.ipv4.vs.debug_level", debug.subject());
        sysctls.set(IpvsSysctl.EXPIRE_NODEST_CONN, true);
        assertTrue(sysctls.get(IpvsSysctl.EXPIRE_NODEST_CONN));

        sysctls.setArpIgnore(HostSysctls.DEFAULT, ArpIgnore.TARGET_ON_INCOMING_INTERFACE);
        sysctls.addInterface("eth0");
        assertEquals(ArpIgnore.TARGET_ON_INCOMING_INTERFACE, sysctls.arpIgnore("eth0"), "a new interface copies default");
        NotFoundException noDev = assertThrows(NotFoundException.class, () -> sysctls.arpAnnounce("eth9"));
        assertEquals("net.ipv4.conf.eth9.arp_announce", noDev.subject());
        assertThrows(IllegalArgumentException.class, () -> sysctls.arpIgnore("../x"));

        sysctls.setIpvsLoaded(false);
        assertEquals(List.of(), sysctls.available());
        assertThrows(NotFoundException.class, () -> sysctls.set(IpvsSysctl.CONNTRACK, true));
        sysctls.setIpvsLoaded(true);
        assertFalse(sysctls.get(IpvsSysctl.EXPIRE_NODEST_CONN), "reloaded: back at the default");
        assertEquals(IpvsSysctl.all().size() - 1, sysctls.available().size());

        sysctls.failNext(Operation.WRITE_SYSCTL, Errno.EACCES);
        PermissionDeniedException denied = assertThrows(PermissionDeniedException.class,
                () -> sysctls.setArpAnnounce("lo", ArpAnnounce.BEST_LOCAL_ADDRESS));
        assertEquals("net.ipv4.conf.lo.arp_announce=2", denied.subject());
    }

    @Test
    void directRoutingPreparesAndUndoesOnTheFakes() throws IpvsException {
        InMemoryInterfaceAddresses addrs = new InMemoryInterfaceAddresses();
        InMemoryHostSysctls sysctls = new InMemoryHostSysctls();
        DirectRouting dr = new DirectRouting(addrs, sysctls);
        List<HostChange> changes = dr.prepareRealServer(InetAddresses.parse("192.0.2.100"));
        assertEquals(ArpIgnore.TARGET_ON_INCOMING_INTERFACE, sysctls.arpIgnore("lo"));
        assertEquals(ArpAnnounce.BEST_LOCAL_ADDRESS, sysctls.arpAnnounce(HostSysctls.ALL));
        assertTrue(addrs.addresses("lo").stream().anyMatch(a -> a.cidr().equals("192.0.2.100/32")), addrs.addresses().toString());
        assertEquals(List.of(), dr.prepareRealServer(InetAddresses.parse("192.0.2.100")), "idempotent");
        dr.undo(changes);
        assertEquals(ArpIgnore.ANY_LOCAL_ADDRESS, sysctls.arpIgnore("lo"));
        assertEquals(List.of("127.0.0.1/8", "::1/128"), addrs.addresses().stream().map(InterfaceAddress::cidr).toList());
    }

    @Test
    void directRoutingRevertsWhenTheAddressFails() throws IpvsException {
        InMemoryInterfaceAddresses addrs = new InMemoryInterfaceAddresses();
        InMemoryHostSysctls sysctls = new InMemoryHostSysctls();
        addrs.failNext(Operation.ADD_ADDRESS, Errno.EPERM);
        assertThrows(PermissionDeniedException.class,
                () -> new DirectRouting(addrs, sysctls).prepareRealServer(InetAddresses.parse("192.0.2.100")));
        assertEquals(ArpIgnore.ANY_LOCAL_ADDRESS, sysctls.arpIgnore("lo"), "nothing half-applied");
        assertEquals(ArpAnnounce.fromValue(0), sysctls.arpAnnounce(HostSysctls.ALL));
    }
}
