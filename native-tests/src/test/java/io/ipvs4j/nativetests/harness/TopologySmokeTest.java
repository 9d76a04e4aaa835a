package io.ipvs4j.nativetests.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.IpvsadmOracle.Forwarding;
import io.ipvs4j.nativetests.support.IpvsadmOracle.RealServer;
import io.ipvs4j.nativetests.support.IpvsadmOracle.ServiceKey;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import org.junit.jupiter.api.Test;

/** Proves the topology fixture: namespaces, bridge, lo up, background servers, teardown. */
@KernelTest
class TopologySmokeTest {

    @Test
    void twoNamespacesPingAcrossTheBridge() {
        String a;
        String b;
        try (Topology t = new Topology()) {
            Topology.Node client = t.node("client");
            Topology.Node server = t.node("server");
            a = client.name();
            b = server.name();
            assertEquals("eth0", t.link(client, "192.0.2.1/24", "2001:db8::1/64"));
            t.link(server, "192.0.2.2/24", "2001:db8::2/64");

            for (Topology.Node n : t.nodes()) {
                String lo = n.ok("ip", "-o", "link", "show", "lo");
                assertTrue(lo.contains(",UP"), n + ": lo is down: " + lo);
            }
            assertTrue(client.ping("192.0.2.2"), "IPv4 ping across the bridge");
            assertTrue(server.ping("192.0.2.1"));
            assertTrue(client.ping("2001:db8::2"), "IPv6 ping across the bridge");
            assertTrue(client.ping("192.0.2.1"), "own address via lo");
        }
        String left = Commands.run("ip", "netns", "list").stdout();
        assertFalse(left.contains(a) || left.contains(b), "namespaces left after close(): " + left);
    }

    @Test
    void httpThroughAnIpvsDirectorInNatMode() {
        try (Topology t = new Topology()) {
            Topology.Node client = t.node("client");
            Topology.Node director = t.node("director");
            Topology.Node rs1 = t.node("rs1");
            t.link(client, "203.0.113.2/24");
            t.link(director, "203.0.113.1/24");
            // real servers on their own segment behind the director (a second bridge port set)
            t.link(director, "198.51.100.1/24");
            t.link(rs1, "198.51.100.11/24");
            director.sysctl("net.ipv4.ip_forward", "1");
            rs1.ok("ip", "route", "add", "default", "via", "198.51.100.1");
            client.ok("ip", "route", "add", "192.0.2.0/24", "via", "203.0.113.1");
            director.addDummy("vip0", "192.0.2.100/32");

            rs1.httpServer("198.51.100.11", 8080, "hello from rs1\n");
            assertEquals("hello from rs1\n", director.httpGet("http://198.51.100.11:8080/"));

            // lo is up in the director: with lo down this add fails with EINVAL
            director.ipvsadm().ok("-A", "-t", "192.0.2.100:80", "-s", "rr");
            director.ipvsadm().ok("-a", "-t", "192.0.2.100:80", "-r", "198.51.100.11:8080", "-m");
            assertEquals(RealServer.of("198.51.100.11:8080", Forwarding.MASQ, 1),
                    director.ipvsadm().table().service(ServiceKey.tcp("192.0.2.100:80")).realServer("198.51.100.11:8080"));
            assertEquals("hello from rs1\n", client.httpGet("http://192.0.2.100/"));
            assertTrue(director.ipvsadm().stats().contains("192.0.2.100:80"));
        }
    }
}
