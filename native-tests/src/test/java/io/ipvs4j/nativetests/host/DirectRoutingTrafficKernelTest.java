package io.ipvs4j.nativetests.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Ipvs;
import io.ipvs4j.host.HostChange;
import io.ipvs4j.host.DirectRouting;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.IpvsadmOracle;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.HostNetwork;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * LVS direct routing end to end. Topology (plain {@code ip}) gives four namespaces on one
 * bridge, 192.0.2.0/24: client .1, director .2, rs1 .11, rs2 .12. Every LVS part is made with
 * ipvs4j: the VIP 192.0.2.100 as alias {@code eth0:1} on the director
 * ({@link DirectRouting#bringUpVip}), the VIP on {@code lo} plus the ARP policy on both real
 * servers ({@link DirectRouting#prepareRealServer}), and the DR service with round robin
 * ({@link IpvsNetlink}). Each real server's HTTP server answers its own name on the VIP; the
 * replies go straight from the real server to the client (same segment), never through the
 * director.
 */
@KernelTest
class DirectRoutingTrafficKernelTest {
    private static final String VIP = "192.0.2.100";

    @Test
    void requestsThroughTheVipReachBothRealServers() throws Exception {
        try (Topology t = new Topology()) {
            Topology.Node client = t.node("client");
            Topology.Node director = t.node("director");
            Topology.Node rs1 = t.node("rs1");
            Topology.Node rs2 = t.node("rs2");
            t.link(client, "192.0.2.1/24");
            t.link(director, "192.0.2.2/24");
            t.link(rs1, "192.0.2.11/24");
            t.link(rs2, "192.0.2.12/24");

            List<AutoCloseable> open = new ArrayList<>();
            try {
                // director: VIP alias with a label
                InterfaceAddresses directorAddrs = HostNetwork.addresses(in(director));
                open.add(directorAddrs);
                List<HostChange> vipUp = new DirectRouting(directorAddrs).bringUpVip("eth0", VIP + "/24", "eth0:1");
                assertEquals(1, vipUp.size(), vipUp.toString());
                String dirAddr = director.ok("ip", "-o", "-4", "addr", "show", "dev", "eth0");
                assertTrue(dirAddr.contains("inet " + VIP + "/24") && dirAddr.contains("eth0:1"), dirAddr);

                // real servers: VIP on lo, ARP policy, HTTP server answering its name on the VIP
                for (Topology.Node rs : List.of(rs1, rs2)) {
                    InterfaceAddresses rsAddrs = HostNetwork.addresses(in(rs));
                    open.add(rsAddrs);
                    List<HostChange> prepared = new DirectRouting(rsAddrs, HostNetwork.sysctls(ns(rs)))
                            .prepareRealServer(InetAddresses.parse(VIP));
                    assertEquals(5, prepared.size(), rs + ": " + prepared);
                    assertTrue(rs.ok("ip", "-o", "addr", "show", "dev", "lo").contains("inet " + VIP + "/32"));
                    assertEquals("1", rs.ok("sysctl", "-n", "net.ipv4.conf.all.arp_ignore").strip());
                    assertEquals("2", rs.ok("sysctl", "-n", "net.ipv4.conf.all.arp_announce").strip());
                    rs.httpServer(VIP, 80, rs.role() + "\n");
                }

                // IPVS: DR service, round robin
                Ipvs ipvs = IpvsNetlink.open(in(director));
                open.add(ipvs);
                ServiceKey web = ServiceKey.tcp(VIP, 80);
                ipvs.addService(VirtualService.of(web, Scheduler.RR));
                for (String rip : List.of("192.0.2.11", "192.0.2.12")) {
                    ipvs.addRealServer(web, RealServer.builder(Endpoint.of(rip, 80))
                            .forwarding(ForwardingMethod.DIRECT_ROUTE).weight(1).build());
                }
                assertEquals(IpvsadmOracle.RealServer.of("192.0.2.11:80", IpvsadmOracle.Forwarding.ROUTE, 1),
                        director.ipvsadm().table().service(IpvsadmOracle.ServiceKey.tcp(VIP + ":80"))
                                .realServer("192.0.2.11:80"));

                Set<String> answers = new TreeSet<>();
                for (int i = 0; i < 6; i++) {
                    answers.add(client.httpGet("http://" + VIP + "/").strip());
                }
                assertEquals(Set.of("rs1", "rs2"), answers);

                // only the director answered ARP for the VIP: the client's neighbour entry has its MAC
                String directorMac = mac(director);
                String neigh = client.ok("ip", "neigh", "show", VIP);
                assertTrue(neigh.contains(directorMac), "client resolved the VIP to " + neigh
                        + ", director eth0 is " + directorMac);
                // and the replies bypassed the director: IPVS counted incoming packets only
                // (ipvsadm -L -n --stats: Prot LocalAddress:Port Conns InPkts OutPkts InBytes OutBytes)
                // The kernel publishes its per-CPU counters through a 2-second estimator (6.1):
                // wait, bounded, for all six connections to show.
                String stats = "";
                String[] f = new String[0];
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
                do {
                    if (f.length > 0) {
                        Thread.sleep(500);
                    }
                    String listing = director.ipvsadm().ok("-L", "-n", "--stats");
                    stats = listing;
                    f = listing.lines().filter(l -> l.startsWith("TCP") && l.contains(VIP + ":80"))
                            .findFirst().orElseThrow(() -> new AssertionError("no service line in " + listing))
                            .trim().split("\\s+");
                } while (!f[2].equals("6") && System.nanoTime() < deadline);
                assertEquals("6", f[2], "connections: " + stats);
                assertTrue(Long.parseLong(f[3]) > 0, "in packets: " + stats);
                assertEquals("0", f[4], "out packets must be 0 in DR mode: " + stats);
            } finally {
                for (int i = open.size() - 1; i >= 0; i--) {
                    open.get(i).close();
                }
            }
        }
    }

    private static String mac(Topology.Node node) {
        String link = node.ok("ip", "-o", "link", "show", "dev", "eth0");
        int at = link.indexOf("link/ether ");
        return link.substring(at + 11, at + 28);
    }

    private static Path ns(Topology.Node node) {
        return NetlinkOptions.namedNamespace(node.name());
    }

    private static NetlinkOptions in(Topology.Node node) {
        return NetlinkOptions.builder().namespace(ns(node)).build();
    }
}
