package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.micrometer.IpvsMetrics;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Micrometer binder against the kernel: client namespace -> director (NAT) -> real server
 * running busybox httpd, with a TCP, an SCTP and a firewall-mark service. After real traffic
 * the binder's counters equal {@code ipvsadm -Ln --stats --exact}, its rates
 * {@code ipvsadm -Ln --rate --exact}, its connection counts and weights {@code ipvsadm -Ln};
 * a real server that goes away loses its meters.
 *
 * <p>The firewall-mark traffic comes from the director itself: the VM kernel has no netfilter
 * marking modules (no nftables/iptables mangle, no tc actions in the initramfs), and a mark set
 * in the client namespace is cleared when the packet crosses the veth into the director's
 * namespace. A socket with {@code SO_MARK} in the director's namespace is scheduled by IPVS in
 * its LOCAL_OUT hook (python3 sets the mark). No SCTP client exists in the VM (the kernel's
 * sctp module is not loaded there), so the SCTP service and its real server are checked for
 * their meters, tags and the kernel's zero counters only.
 */
@KernelTest
class MicrometerKernelTest extends NamespaceFixture {
    private static final ServiceKey.Inet WEB = ServiceKey.tcp("192.0.2.100", 80);
    private static final ServiceKey.Inet SIG = ServiceKey.sctp("192.0.2.100", 3868);
    private static final ServiceKey.FwMark MARK = ServiceKey.fwmark(7, AddressFamily.INET);
    private static final Endpoint RS = Endpoint.of("198.51.100.11", 8080);
    private static final Endpoint RS_SCTP = Endpoint.of("198.51.100.11", 3868);

    private static final Tags WEB_TAGS = Tags.of("protocol", "tcp", "family", "ipv4", "service", "192.0.2.100:80");
    private static final Tags MARK_TAGS = Tags.of("protocol", "fwmark", "family", "ipv4", "service", "7");
    private static final Tags SIG_TAGS = Tags.of("protocol", "sctp", "family", "ipv4", "service", "192.0.2.100:3868");

    private static final String[] COUNTERS = {"connections", "packets/in", "packets/out", "bytes/in", "bytes/out"};

    private Topology.Node client;

    private void buildTopology() {
        client = topology.node("client");
        Topology.Node rs1 = topology.node("rs1");
        topology.link(client, "203.0.113.2/24");
        topology.link(director, "203.0.113.1/24");
        topology.link(director, "198.51.100.1/24");
        topology.link(rs1, "198.51.100.11/24");
        director.sysctl("net.ipv4.ip_forward", "1");
        rs1.ok("ip", "route", "add", "default", "via", "198.51.100.1");
        client.ok("ip", "route", "add", "192.0.2.0/24", "via", "203.0.113.1");
        director.addDummy("vip0", "192.0.2.100/32");
        rs1.httpServer("198.51.100.11", 8080, "rs1\n");
    }

    /** {@code n} HTTP GETs from the director with SO_MARK 7: the fwmark service schedules them. */
    private void markedGets(int n) {
        String script = String.join("\n",
                "import socket",
                "for i in range(" + n + "):",
                "    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
                "    s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 7)",
                "    s.settimeout(10)",
                "    s.connect(('192.0.2.100', 8081))",
                "    s.sendall(b'GET / HTTP/1.0\\r\\nHost: 192.0.2.100\\r\\n\\r\\n')",
                "    data = b''",
                "    while True:",
                "        b = s.recv(4096)",
                "        if not b:",
                "            break",
                "        data += b",
                "    s.close()",
                "    assert data.endswith(b'rs1\\n'), data",
                "print('ok')");
        assertEquals("ok\n", director.exec(Duration.ofSeconds(60), "python3", "-c", script).check().stdout());
    }

    /**
     * Conns InPkts OutPkts InBytes OutBytes per line of {@code ipvsadm -Ln --stats --exact}: key
     * "TCP 192.0.2.100:80" or "FWM 7" for a service, that + " -> 198.51.100.11:8080" for a real server.
     */
    private Map<String, long[]> ipvsadmStats() {
        Pattern line = Pattern.compile("(?m)^(TCP|UDP|SCTP|FWM|  ->) +(\\S+) +(\\d+) +(\\d+) +(\\d+) +(\\d+) +(\\d+) *$");
        Matcher m = line.matcher(ipvsadm.ok("-L", "-n", "--stats", "--exact"));
        Map<String, long[]> out = new LinkedHashMap<>();
        String service = null;
        while (m.find()) {
            long[] v = new long[5];
            for (int i = 0; i < 5; i++) {
                v[i] = Long.parseLong(m.group(i + 3));
            }
            if (m.group(1).equals("  ->")) {
                out.put(service + " -> " + m.group(2), v);
            } else {
                service = m.group(1) + " " + m.group(2);
                out.put(service, v);
            }
        }
        return out;
    }

    private static double counter(SimpleMeterRegistry r, String name, Tags tags) {
        FunctionCounter c = r.find(name).tags(tags).functionCounter();
        assertNotNull(c, () -> "no counter " + name + " " + tags);
        return c.count();
    }

    private static double gauge(SimpleMeterRegistry r, String name, Tags tags) {
        Gauge g = r.find(name).tags(tags).gauge();
        assertNotNull(g, () -> "no gauge " + name + " " + tags);
        return g.value();
    }

    /** The five counters of one service or real server as the binder publishes them. */
    private static long[] meterCounters(SimpleMeterRegistry r, String kind, Tags tags) {
        long[] v = new long[5];
        for (int i = 0; i < 5; i++) {
            String[] nd = COUNTERS[i].split("/");
            Tags t = nd.length == 2 ? tags.and("direction", nd[1]) : tags;
            v[i] = (long) counter(r, "ipvs." + kind + "." + nd[0], t);
        }
        return v;
    }

    private static void assertSame5(String label, Map<String, long[]> byIpvsadm, long[] byMeters) {
        long[] expected = byIpvsadm.get(label);
        assertNotNull(expected, () -> "ipvsadm lists no " + label + ": " + byIpvsadm.keySet());
        assertEquals(Arrays.toString(expected), Arrays.toString(byMeters),
                label + ": ipvsadm --stats --exact (expected) vs the binder's meters (conns inpkts outpkts inbytes outbytes)");
    }

    /** Waits until the kernel's counters reach the connections and stop moving (2 s estimator folding). */
    private Map<String, long[]> awaitSettled(long webConnections, long markConnections) throws InterruptedException {
        String last = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Map<String, long[]> now = ipvsadmStats();
            StringBuilder sb = new StringBuilder();
            now.forEach((k, v) -> sb.append(k).append(Arrays.toString(v)).append(' '));
            long[] web = now.get("TCP 192.0.2.100:80");
            long[] mark = now.get("FWM 7");
            if (sb.toString().equals(last) && web != null && web[0] == webConnections && mark != null && mark[0] == markConnections) {
                return now;
            }
            last = sb.toString();
            Thread.sleep(2200);
        }
        throw new AssertionError("counters did not settle at " + webConnections + "/" + markConnections + " connections: " + last);
    }

    @Test
    void metersFollowTheKernelTableAndEqualIpvsadmAfterRealTraffic() throws Exception {
        buildTopology();
        ipvs.addService(VirtualService.of(WEB, Scheduler.WRR));
        ipvs.addRealServer(WEB, RealServer.builder(RS).forwarding(ForwardingMethod.MASQUERADE).weight(2).build());
        ipvs.addService(VirtualService.of(MARK, Scheduler.RR));
        ipvs.addRealServer(MARK, RealServer.builder(RS).forwarding(ForwardingMethod.MASQUERADE).weight(5).build());
        ipvs.addService(VirtualService.of(SIG, Scheduler.RR));
        ipvs.addRealServer(SIG, RealServer.builder(RS_SCTP).forwarding(ForwardingMethod.MASQUERADE).build());

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (IpvsMetrics metrics = IpvsMetrics.builder(ipvs).refreshInterval(Duration.ZERO).build()) {
            metrics.bindTo(registry);
            assertEquals(0, metrics.failures());
            // every service and real server has its meters with its tags, all at zero before traffic
            Tags webRs = WEB_TAGS.and("realserver", "198.51.100.11:8080");
            Tags markRs = MARK_TAGS.and("realserver", "198.51.100.11:8080");
            Tags sigRs = SIG_TAGS.and("realserver", "198.51.100.11:3868");
            assertEquals("[0, 0, 0, 0, 0]", Arrays.toString(meterCounters(registry, "service", WEB_TAGS.and("scheduler", "wrr"))));
            assertEquals("[0, 0, 0, 0, 0]", Arrays.toString(meterCounters(registry, "service", MARK_TAGS.and("scheduler", "rr"))));
            assertEquals("[0, 0, 0, 0, 0]", Arrays.toString(meterCounters(registry, "service", SIG_TAGS.and("scheduler", "rr"))));
            assertEquals("[0, 0, 0, 0, 0]", Arrays.toString(meterCounters(registry, "realserver", sigRs)));
            assertEquals(1, gauge(registry, "ipvs.realserver.weight", sigRs));
            assertEquals(3 * 10 + 3 * 14 + 2, registry.getMeters().size());

            for (int i = 0; i < 3; i++) {
                assertEquals("rs1\n", client.httpGet("http://192.0.2.100/"));
            }
            markedGets(2);
            Map<String, long[]> byIpvsadm = awaitSettled(3, 2);
            assertTrue(metrics.refresh());

            assertSame5("TCP 192.0.2.100:80", byIpvsadm, meterCounters(registry, "service", WEB_TAGS));
            assertSame5("TCP 192.0.2.100:80 -> 198.51.100.11:8080", byIpvsadm, meterCounters(registry, "realserver", webRs));
            assertSame5("FWM 7", byIpvsadm, meterCounters(registry, "service", MARK_TAGS));
            assertSame5("FWM 7 -> 198.51.100.11:8080", byIpvsadm, meterCounters(registry, "realserver", markRs));
            assertSame5("SCTP 192.0.2.100:3868", byIpvsadm, meterCounters(registry, "service", SIG_TAGS));
            assertSame5("SCTP 192.0.2.100:3868 -> 198.51.100.11:3868", byIpvsadm, meterCounters(registry, "realserver", sigRs));
            long[] web = meterCounters(registry, "service", WEB_TAGS);
            assertEquals(3, web[0]);
            assertTrue(web[1] >= 3 * 5 && web[2] >= 3 * 4 && web[3] > 300 && web[4] > 300, Arrays.toString(web));
            assertEquals(2, meterCounters(registry, "service", MARK_TAGS)[0]);

            assertConnectionsAndWeightsEqualIpvsadm(metrics, registry, webRs, markRs);
            assertRatesEqualIpvsadm(metrics, registry);

            // the SCTP real server goes away: its meters go with the next refresh, the others stay
            ipvs.removeRealServer(SIG, RS_SCTP);
            assertTrue(metrics.refresh());
            assertNull(registry.find("ipvs.realserver.connections").tags(sigRs).functionCounter());
            assertNotNull(registry.find("ipvs.service.connections").tags(SIG_TAGS).functionCounter());
            assertNotNull(registry.find("ipvs.realserver.connections").tags(markRs).functionCounter());
            ipvs.removeService(MARK);
            assertTrue(metrics.refresh());
            assertEquals(0, registry.find("ipvs.service.connections").tags(MARK_TAGS).meters().size()
                    + registry.find("ipvs.realserver.connections").tags(MARK_TAGS).meters().size());
            assertEquals(2 * 10 + 14 + 2, registry.getMeters().size());
            assertEquals(0, metrics.failures());
        }
        assertEquals(0, registry.getMeters().size(), "close() removes the binder's meters");
    }

    /**
     * ActiveConn InActConn and Weight of {@code ipvsadm -Ln} against the gauges. Connections time
     * out meanwhile, so a comparison counts only when two refreshes around ipvsadm agree.
     */
    private void assertConnectionsAndWeightsEqualIpvsadm(IpvsMetrics metrics, SimpleMeterRegistry registry,
                                                         Tags webRs, Tags markRs) {
        Pattern rsLine = Pattern.compile("(?m)^(TCP|FWM) +(\\S+) .*\\n +-> 198\\.51\\.100\\.11:8080 +Masq +(\\d+) +(\\d+) +(\\d+) *$");
        for (int attempt = 0; attempt < 8; attempt++) {
            metrics.refresh();
            String before = connectionGauges(registry, webRs) + connectionGauges(registry, markRs);
            String listing = ipvsadm.ok("-L", "-n");
            metrics.refresh();
            String after = connectionGauges(registry, webRs) + connectionGauges(registry, markRs);
            if (!before.equals(after)) {
                continue;
            }
            Matcher m = rsLine.matcher(listing);
            Map<String, String> byProtocol = new LinkedHashMap<>();
            while (m.find()) {
                // Weight ActiveConn InActConn, as connectionGauges writes them
                byProtocol.put(m.group(1), "[" + m.group(3) + " " + m.group(4) + " " + m.group(5) + "]");
            }
            assertEquals(byProtocol.get("TCP") + byProtocol.get("FWM"), after, "weight active inactive of TCP and FWM real servers vs ipvsadm -Ln:\n" + listing);
            assertEquals("[2 0 3][5 0 2]", after, "closed connections linger as inactive");
            assertEquals(0, gauge(registry, "ipvs.realserver.persistent.connections", webRs));
            return;
        }
        throw new AssertionError("the connection counts moved between every pair of refreshes (8 attempts)");
    }

    private static String connectionGauges(SimpleMeterRegistry r, Tags rs) {
        return "[" + (long) gauge(r, "ipvs.realserver.weight", rs) + " " + (long) gauge(r, "ipvs.realserver.active.connections", rs)
                + " " + (long) gauge(r, "ipvs.realserver.inactive.connections", rs) + "]";
    }

    private static long[] rateGauges(SimpleMeterRegistry r, Tags tags) {
        return new long[] {(long) gauge(r, "ipvs.service.connections.per.second", tags),
                (long) gauge(r, "ipvs.service.packets.per.second", tags.and("direction", "in")),
                (long) gauge(r, "ipvs.service.packets.per.second", tags.and("direction", "out")),
                (long) gauge(r, "ipvs.service.bytes.per.second", tags.and("direction", "in")),
                (long) gauge(r, "ipvs.service.bytes.per.second", tags.and("direction", "out"))};
    }

    /**
     * The rates are the kernel's 2-second estimator output and move between two reads: refresh,
     * ipvsadm {@code --rate --exact}, refresh; when both refreshes agree, ipvsadm must show the
     * same five numbers for the TCP and the fwmark service.
     */
    private void assertRatesEqualIpvsadm(IpvsMetrics metrics, SimpleMeterRegistry registry) {
        for (int attempt = 0; attempt < 8; attempt++) {
            metrics.refresh();
            String before = Arrays.toString(rateGauges(registry, WEB_TAGS)) + Arrays.toString(rateGauges(registry, MARK_TAGS));
            String listing = ipvsadm.ok("-L", "-n", "--rate", "--exact");
            metrics.refresh();
            String after = Arrays.toString(rateGauges(registry, WEB_TAGS)) + Arrays.toString(rateGauges(registry, MARK_TAGS));
            if (!before.equals(after)) {
                continue;
            }
            assertEquals(rateLine(listing, "TCP  192.0.2.100:80 ") + rateLine(listing, "FWM  7 "), after,
                    "cps, in pps, out pps, in Bps, out Bps of TCP 192.0.2.100:80 and FWM 7 vs ipvsadm -Ln --rate:\n" + listing);
            return;
        }
        throw new AssertionError("the rates moved between every pair of refreshes (8 attempts)");
    }

    private static String rateLine(String listing, String start) {
        String line = listing.lines().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with '" + start + "' in " + listing));
        String[] f = line.trim().split("\\s+");
        long[] v = new long[5];
        for (int i = 0; i < 5; i++) {
            v[i] = Long.parseLong(f[2 + i]);
        }
        return Arrays.toString(v);
    }
}
