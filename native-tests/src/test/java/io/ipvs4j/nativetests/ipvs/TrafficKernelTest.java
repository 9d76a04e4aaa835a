package io.ipvs4j.nativetests.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ForwardingMethod;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Counters that move with real traffic: client namespace -> director (NAT) -> real server
 * running busybox httpd, then the counters ipvs4j reads must equal what
 * {@code ipvsadm -Ln --stats --exact} prints, and zero() must reset them.
 */
@KernelTest
class TrafficKernelTest extends NamespaceFixture {
    private static final ServiceKey.Inet WEB = ServiceKey.tcp("192.0.2.100", 80);
    private static final ServiceKey.Inet ALT = ServiceKey.tcp("192.0.2.100", 8000);
    private static final Endpoint RS = Endpoint.of("198.51.100.11", 8080);

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

    /**
     * Conns InPkts OutPkts InBytes OutBytes per line of {@code ipvsadm -Ln --stats --exact}: key
     * "192.0.2.100:80" for a service, "192.0.2.100:80 -> 198.51.100.11:8080" for its real server.
     */
    private Map<String, long[]> ipvsadmStats() {
        Pattern line = Pattern.compile("(?m)^(TCP  |  -> )(\\S+) +(\\d+) +(\\d+) +(\\d+) +(\\d+) +(\\d+) *$");
        Matcher m = line.matcher(ipvsadm.ok("-L", "-n", "--stats", "--exact"));
        Map<String, long[]> out = new HashMap<>();
        String service = null;
        while (m.find()) {
            long[] v = new long[5];
            for (int i = 0; i < 5; i++) {
                v[i] = Long.parseLong(m.group(i + 3));
            }
            if (m.group(1).startsWith("TCP")) {
                service = m.group(2);
                out.put(service, v);
            } else {
                out.put(service + " -> " + m.group(2), v);
            }
        }
        return out;
    }

    private static long[] counters(Stats s) {
        return new long[] {s.connections(), s.packetsIn(), s.packetsOut(), s.bytesIn(), s.bytesOut()};
    }

    private Stats serviceStats(ServiceKey key) throws Exception {
        return ipvs.service(key).map(ServiceStatus::stats).orElseThrow();
    }

    private RealServerStatus onlyRealServer(ServiceKey key) throws Exception {
        List<RealServerStatus> list = ipvs.realServers(key);
        assertEquals(1, list.size(), list.toString());
        return list.get(0);
    }

    private void get(int port, int times) {
        for (int i = 0; i < times; i++) {
            assertEquals("rs1\n", client.httpGet("http://192.0.2.100:" + port + "/"));
        }
    }

    @Test
    void countersMoveWithTrafficEqualIpvsadmAndZeroResetsThem() throws Exception {
        buildTopology();
        RealServer rs = RealServer.builder(RS).forwarding(ForwardingMethod.MASQUERADE).build();
        ipvs.addService(VirtualService.of(WEB, Scheduler.RR));
        ipvs.addRealServer(WEB, rs);
        ipvs.addService(VirtualService.of(ALT, Scheduler.RR));
        ipvs.addRealServer(ALT, rs);

        get(80, 3);
        get(8000, 2);
        awaitSettled(3, 2);

        Stats web = serviceStats(WEB);
        Stats alt = serviceStats(ALT);
        RealServerStatus webRs = onlyRealServer(WEB);
        // exactly one scheduled connection per request; a TCP exchange is several packets each way
        assertEquals(3, web.connections(), web.toString());
        assertEquals(2, alt.connections(), alt.toString());
        assertTrue(web.packetsIn() >= 3 * 5 && web.packetsOut() >= 3 * 4, web.toString());
        assertTrue(web.bytesIn() > 3 * 100 && web.bytesOut() > 3 * 100, web.toString());
        assertEquals(3, webRs.stats().connections());
        // the connections are closed but linger in TIME_WAIT/CLOSE: inactive
        assertEquals(0, webRs.activeConnections(), webRs.toString());
        assertEquals(3, webRs.inactiveConnections(), webRs.toString());

        // the same numbers as ipvsadm (the counters do not move without traffic)
        Map<String, long[]> byIpvsadm = ipvsadmStats();
        assertArrayEqualsLabelled("192.0.2.100:80", counters(web), byIpvsadm);
        assertArrayEqualsLabelled("192.0.2.100:8000", counters(alt), byIpvsadm);
        assertArrayEqualsLabelled("192.0.2.100:80 -> 198.51.100.11:8080", counters(webRs.stats()), byIpvsadm);
        assertArrayEqualsLabelled("192.0.2.100:8000 -> 198.51.100.11:8080", counters(onlyRealServer(ALT).stats()), byIpvsadm);
        // a service's counters are the sum over its real servers (one here)
        assertEquals(java.util.Arrays.toString(counters(web)), java.util.Arrays.toString(counters(webRs.stats())));

        assertRatesEqualIpvsadm();

        // zero one service: its counters and its real servers' are reset, the other's kept
        ipvs.zero(WEB);
        assertEquals("[0, 0, 0, 0, 0]", java.util.Arrays.toString(counters(serviceStats(WEB))));
        assertEquals("[0, 0, 0, 0, 0]", java.util.Arrays.toString(counters(onlyRealServer(WEB).stats())));
        assertEquals(java.util.Arrays.toString(counters(alt)), java.util.Arrays.toString(counters(serviceStats(ALT))));
        byIpvsadm = ipvsadmStats();
        assertArrayEqualsLabelled("192.0.2.100:80", new long[5], byIpvsadm);
        assertArrayEqualsLabelled("192.0.2.100:8000", counters(alt), byIpvsadm);

        // traffic again, then zero all
        get(80, 1);
        awaitSettled(1, counters(alt)[0]);
        ipvs.zero();
        for (ServiceStatus s : ipvs.services()) {
            assertEquals(0, s.stats().connections() + s.stats().packetsIn() + s.stats().packetsOut()
                    + s.stats().bytesIn() + s.stats().bytesOut(), s.toString());
        }
        byIpvsadm = ipvsadmStats();
        for (Map.Entry<String, long[]> e : byIpvsadm.entrySet()) {
            assertEquals("[0, 0, 0, 0, 0]", java.util.Arrays.toString(e.getValue()), "ipvsadm after zero(): " + e.getKey());
        }
        assertEquals(4, byIpvsadm.size(), byIpvsadm.keySet().toString());

        // ipvsadm -Z after traffic is seen by ipvs4j
        get(8000, 1);
        awaitSettled(0, 1);
        ipvsadm.ok("-Z", "-t", "192.0.2.100:8000");
        assertEquals(0, serviceStats(ALT).connections());
    }

    /**
     * Waits until the services have {@code web} and {@code alt} connections and no counter moves
     * over one estimator period. The kernel (6.1) folds its per-CPU counters into the values it
     * reports only in the 2-second estimator timer, so counters lag the traffic by up to 2 s.
     */
    private long[] rates(Stats s) {
        return new long[] {s.connectionsPerSecond(), s.packetsInPerSecond(), s.packetsOutPerSecond(),
                s.bytesInPerSecond(), s.bytesOutPerSecond()};
    }

    /**
     * The rates are the kernel's 2-second estimator output, so they move between two reads:
     * ipvs4j, then {@code ipvsadm -Ln --rate --exact}, then ipvs4j again; when both ipvs4j reads
     * agree no estimator tick fell in between and ipvsadm must show the same five numbers.
     */
    private void assertRatesEqualIpvsadm() throws Exception {
        for (int attempt = 0; attempt < 8; attempt++) {
            long[] before = rates(serviceStats(WEB));
            String listing = ipvsadm.ok("-L", "-n", "--rate", "--exact");
            long[] after = rates(serviceStats(WEB));
            if (!java.util.Arrays.equals(before, after)) {
                continue;
            }
            String line = listing.lines().filter(l -> l.startsWith("TCP") && l.contains("192.0.2.100:80 "))
                    .findFirst().orElseThrow(() -> new AssertionError("no 192.0.2.100:80 line in " + listing));
            String[] f = line.trim().split("\\s+");
            long[] byIpvsadm = new long[5];
            for (int i = 0; i < 5; i++) {
                byIpvsadm[i] = Long.parseLong(f[2 + i]);
            }
            assertEquals(java.util.Arrays.toString(byIpvsadm), java.util.Arrays.toString(after),
                    "cps, in pps, out pps, in Bps, out Bps of 192.0.2.100:80 vs ipvsadm -Ln --rate:\n" + listing);
            return;
        }
        throw new AssertionError("the rates moved between every pair of reads (8 attempts)");
    }

    private void awaitSettled(long web, long alt) throws Exception {
        String last = null;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String now = snapshot();
            if (now.equals(last) && counters(serviceStats(WEB))[0] == web && counters(serviceStats(ALT))[0] == alt) {
                return;
            }
            last = now;
            Thread.sleep(2200);
        }
        throw new AssertionError("counters did not settle at " + web + "/" + alt + " connections: " + last);
    }

    private String snapshot() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (ServiceKey k : List.of(WEB, ALT)) {
            sb.append(k).append(java.util.Arrays.toString(counters(serviceStats(k))))
                    .append(java.util.Arrays.toString(counters(onlyRealServer(k).stats()))).append(' ');
        }
        return sb.toString();
    }

    private static void assertArrayEqualsLabelled(String label, long[] expected, Map<String, long[]> byIpvsadm) {
        long[] actual = byIpvsadm.get(label);
        assertTrue(actual != null, "ipvsadm lists no " + label + ": " + byIpvsadm.keySet());
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(actual),
                label + ": ipvs4j (expected) vs ipvsadm --stats --exact (conns inpkts outpkts inbytes outbytes)");
    }
}
