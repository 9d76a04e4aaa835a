package io.ipvs4j.nativetests.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Ipvs;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The IPVS and rtnetlink clients opened in two namespaces of one JVM see two different
 * tables, and neither touches the VM's own (initial) namespace.
 */
@KernelTest
class NamespaceIsolationKernelTest {

    private static NetlinkOptions in(Topology.Node node) {
        return NetlinkOptions.builder().namespace(NetlinkOptions.namedNamespace(node.name())).build();
    }

    @Test
    void ipvsClientsInTwoNamespacesSeeTwoTables() throws Exception {
        String initialBefore = IpvsadmOracle.current().save();
        try (Topology t = new Topology()) {
            Topology.Node a = t.node("lba");
            Topology.Node b = t.node("lbb");
            ServiceKey webA = ServiceKey.tcp("192.0.2.10", 80);
            ServiceKey dnsB = ServiceKey.udp("198.51.100.10", 53);
            try (Ipvs ipvsA = IpvsNetlink.open(in(a)); Ipvs ipvsB = IpvsNetlink.open(in(b))) {
                ipvsA.addService(VirtualService.of(webA, Scheduler.RR));
                ipvsA.addRealServer(webA, RealServer.of(Endpoint.of("192.0.2.11", 80)));
                ipvsB.addService(VirtualService.of(dnsB, Scheduler.WRR));

                assertEquals(List.of(webA), ipvsA.services().stream().map(ServiceStatus::key).toList());
                assertEquals(List.of(dnsB), ipvsB.services().stream().map(ServiceStatus::key).toList());
                assertEquals(1, ipvsA.realServers(webA).size());

                // the ipvsadm oracle, run with ip netns exec, agrees per namespace
                assertEquals(List.of(IpvsadmOracle.ServiceKey.tcp("192.0.2.10:80")),
                        List.copyOf(a.ipvsadm().table().services().keySet()));
                assertEquals(List.of(IpvsadmOracle.ServiceKey.udp("198.51.100.10:53")),
                        List.copyOf(b.ipvsadm().table().services().keySet()));
                ipvsA.flush();
                assertTrue(a.ipvsadm().table().isEmpty());
                assertFalse(b.ipvsadm().table().isEmpty(), "flush in A must not empty B");
            }
        }
        assertEquals(initialBefore, IpvsadmOracle.current().save(), "the VM's own table changed");
    }

    @Test
    void addressClientsInTwoNamespacesSeeTheirOwnInterfaces() throws Exception {
        try (Topology t = new Topology()) {
            Topology.Node a = t.node("hosta");
            Topology.Node b = t.node("hostb");
            t.link(a, "192.0.2.21/24");
            t.link(b, "192.0.2.22/24");
            try (InterfaceAddresses addrsA = HostNetwork.addresses(in(a));
                 InterfaceAddresses addrsB = HostNetwork.addresses(in(b))) {
                assertEquals(List.of(InterfaceAddress.of("eth0", "192.0.2.21/24")),
                        addrsA.addresses("eth0").stream().filter(InterfaceAddress::isIpv4).toList());
                assertEquals(List.of(InterfaceAddress.of("eth0", "192.0.2.22/24")),
                        addrsB.addresses("eth0").stream().filter(InterfaceAddress::isIpv4).toList());
                addrsA.add(InterfaceAddress.of("eth0", "192.0.2.121/24").withLabel("eth0:9"));
                assertTrue(a.ok("ip", "-o", "addr", "show", "dev", "eth0").contains("192.0.2.121/24"));
                assertFalse(b.ok("ip", "-o", "addr", "show").contains("192.0.2.121"));
            }
        }
    }
}
