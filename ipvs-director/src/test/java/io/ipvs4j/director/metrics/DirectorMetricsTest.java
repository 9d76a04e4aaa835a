package io.ipvs4j.director.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.controller.LvsController;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.testing.InMemoryIpvs;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metrics of a controller on the in-memory fake: every family, its labels and values. */
class DirectorMetricsTest {
    static final ServiceKey WEB = ServiceKey.tcp("192.0.2.10", 80);
    static final ServiceKey DNS = ServiceKey.udp("192.0.2.10", 53);
    static final ServiceKey SIP = ServiceKey.sctp("192.0.2.10", 5060);
    static final ServiceKey MARK = ServiceKey.fwmark(7, AddressFamily.INET);
    static final ServiceKey WEB6 = ServiceKey.tcp("2001:db8::10", 443);

    /** Five services (TCP, UDP, SCTP, fwmark, IPv6); WEB's two servers are TCP-checked on loopback. */
    static String conf(int openPort, int closedPort) {
        return "virtual_server 192.0.2.10 80 {\n delay_loop 0.05\n lb_algo wrr\n lb_kind NAT\n protocol TCP\n"
                + " real_server 127.0.0.1 " + openPort + " {\n  weight 2\n  TCP_CHECK { connect_timeout 1 retry 0 }\n }\n"
                + " real_server 127.0.0.1 " + closedPort + " {\n  weight 3\n  TCP_CHECK { connect_timeout 1 retry 0 }\n }\n}\n"
                + "virtual_server 192.0.2.10 53 {\n lb_algo rr\n lb_kind NAT\n protocol UDP\n"
                + " real_server 198.51.100.2 53 {\n  weight 1\n }\n}\n"
                + "virtual_server 192.0.2.10 5060 {\n lb_algo rr\n lb_kind NAT\n protocol SCTP\n"
                + " real_server 198.51.100.3 5060 {\n  weight 5\n }\n}\n"
                + "virtual_server fwmark 7 {\n lb_algo rr\n lb_kind DR\n"
                + " real_server 198.51.100.4 80 {\n  weight 4\n }\n}\n"
                + "virtual_server 2001:db8::10 443 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n"
                + " real_server 2001:db8::20 443 {\n  weight 6\n }\n}\n";
    }

    static Map<String, String> svc(String protocol, String address, String port, String fwmark, String family) {
        return Map.of("protocol", protocol, "address", address, "port", port, "fwmark", fwmark, "family", family);
    }

    static Map<String, String> rs(Map<String, String> service, String address, int port) {
        Map<String, String> m = new java.util.HashMap<>(service);
        m.put("server_address", address);
        m.put("server_port", Integer.toString(port));
        return m;
    }

    static Stats stats(long base) {
        return new Stats(base, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7, base + 8, base + 9);
    }

    static void awaitState(LvsController c, Endpoint e, io.ipvs4j.director.check.CheckState s) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (c.backendsSnapshot().get(new LvsController.BackendKey(WEB, e)) == s) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(e + " never became " + s + ": " + c.backendsSnapshot());
    }

    @Test
    void everyFamilyIsWrittenInOrderWithTheKernelsAndTheDirectorsValues() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        try (ServerSocket open = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket closing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int closedPort = closing.getLocalPort();
            closing.close();   // refused from now on
            LvsController c = LvsController.builder(ipvs, KeepalivedConverter.toDesiredState(
                    KeepalivedParser.parse(conf(open.getLocalPort(), closedPort)))).debounce(Duration.ofMillis(10)).build();
            try (c) {
                DirectorMetrics metrics = DirectorMetrics.of(ipvs, c, Duration.ZERO);
                Map<String, Exposition.Family> before = Exposition.parse(metrics.scrape());
                assertEquals(0, Exposition.value(before, "ipvs4j_ready", Map.of()), "not ready before start");

                c.start();
                awaitState(c, Endpoint.of("127.0.0.1", closedPort), io.ipvs4j.director.check.CheckState.DOWN);
                long removed = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (ipvs.realServers(WEB).size() != 1 && System.nanoTime() < removed) {
                    Thread.sleep(10);   // the controller's apply after the transition
                }
                // traffic, as the kernel would count it (values past 2^63 are unsigned)
                ipvs.setStats(WEB, stats(100));
                ipvs.setStats(DNS, stats(1000));
                ipvs.setStats(SIP, stats(-2));
                ipvs.setStats(MARK, stats(20));
                ipvs.setStats(WEB6, stats(30));
                ipvs.setRealServerStatus(SIP, Endpoint.of("198.51.100.3", 5060), 11, 12, 13, stats(40));
                ipvs.setRealServerStatus(MARK, Endpoint.of("198.51.100.4", 80), 21, 22, 23, stats(50));
                ipvs.startSyncDaemon(SyncDaemon.builder(SyncState.MASTER, "eth0", 9).build());

                // wait for the latency of the open server's check too
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                Map<String, Exposition.Family> f;
                do {
                    f = Exposition.parse(metrics.scrape());
                } while (f.get("ipvs4j_real_server_check_latency_seconds").samples().size() < 2
                        && System.nanoTime() < deadline && sleep());

                assertEquals(DirectorMetrics.METRICS.stream().map(MetricInfo::name).toList(), List.copyOf(f.keySet()),
                        "every family, in the documented order");
                for (MetricInfo m : DirectorMetrics.METRICS) {
                    assertEquals(m.type(), f.get(m.name()).type(), m.name());
                    assertEquals(m.help(), f.get(m.name()).help(), m.name());
                    for (Exposition.Sample s : f.get(m.name()).samples()) {
                        assertEquals(m.labels(), List.copyOf(s.labels().keySet()), m.name() + " labels of " + s);
                    }
                }

                Map<String, String> web = svc("tcp", "192.0.2.10", "80", "", "ipv4");
                Map<String, String> dns = svc("udp", "192.0.2.10", "53", "", "ipv4");
                Map<String, String> sip = svc("sctp", "192.0.2.10", "5060", "", "ipv4");
                Map<String, String> mark = svc("", "", "", "7", "ipv4");
                Map<String, String> web6 = svc("tcp", "2001:db8::10", "443", "", "ipv6");
                assertEquals(100, Exposition.value(f, "ipvs4j_service_connections_total", web));
                assertEquals(1004, Exposition.value(f, "ipvs4j_service_outgoing_bytes_total", dns));
                assertEquals(18446744073709551614d, Exposition.value(f, "ipvs4j_service_connections_total", sip));
                assertEquals(21, Exposition.value(f, "ipvs4j_service_incoming_packets_total", mark));
                assertEquals(33, Exposition.value(f, "ipvs4j_service_incoming_bytes_total", web6));
                assertEquals(105, Exposition.value(f, "ipvs4j_service_connections_per_second", web));
                assertEquals(1009, Exposition.value(f, "ipvs4j_service_outgoing_bytes_per_second", dns));
                assertEquals(100d + 1000 + 18446744073709551614d + 20 + 30,
                        Exposition.value(f, "ipvs4j_connections_total", Map.of()), "sum of the services");
                assertEquals(101 + 1001 + 18446744073709551615d + 21 + 31,
                        Exposition.value(f, "ipvs4j_incoming_packets_total", Map.of()));

                Map<String, String> sipRs = rs(sip, "198.51.100.3", 5060);
                assertEquals(11, Exposition.value(f, "ipvs4j_real_server_active_connections", sipRs));
                assertEquals(12, Exposition.value(f, "ipvs4j_real_server_inactive_connections", sipRs));
                assertEquals(13, Exposition.value(f, "ipvs4j_real_server_persistent_connections", sipRs));
                assertEquals(40, Exposition.value(f, "ipvs4j_real_server_connections_total", sipRs));
                assertEquals(49, Exposition.value(f, "ipvs4j_real_server_outgoing_bytes_per_second", sipRs));
                assertEquals(5, Exposition.value(f, "ipvs4j_real_server_weight", sipRs));
                Map<String, String> markRs = rs(mark, "198.51.100.4", 80);
                assertEquals(21, Exposition.value(f, "ipvs4j_real_server_active_connections", markRs));
                assertEquals(4, Exposition.value(f, "ipvs4j_real_server_configured_weight", markRs));

                Map<String, String> up = rs(web, "127.0.0.1", open.getLocalPort());
                Map<String, String> down = rs(web, "127.0.0.1", closedPort);
                assertEquals(1, Exposition.value(f, "ipvs4j_real_server_up", up));
                assertEquals(0, Exposition.value(f, "ipvs4j_real_server_up", down));
                assertEquals(3, Exposition.value(f, "ipvs4j_real_server_configured_weight", down));
                assertEquals(0, f.get("ipvs4j_real_server_weight").samples().stream()
                        .filter(s -> s.labels().equals(down)).count(), "the DOWN server is not in the kernel");
                assertEquals(2, Exposition.value(f, "ipvs4j_real_server_weight", up));
                assertEquals(1, Exposition.value(f, "ipvs4j_real_server_check_transitions_total", down));
                assertEquals(0, Exposition.value(f, "ipvs4j_real_server_check_transitions_total", up));
                assertTrue(Exposition.value(f, "ipvs4j_real_server_check_failures_total", down) >= 1);
                assertEquals(0, Exposition.value(f, "ipvs4j_real_server_check_failures_total", up));
                double latency = Exposition.value(f, "ipvs4j_real_server_check_latency_seconds", up);
                // no bound in time (no timed unit tests): it is measured and written in seconds
                assertTrue(latency > 0 && Double.isFinite(latency), "latency of a loopback connect: " + latency);
                assertEquals(1, Exposition.value(f, "ipvs4j_service_quorum_up", web));

                assertEquals(1, Exposition.value(f, "ipvs4j_ready", Map.of()));
                assertTrue(Exposition.summary(f, "ipvs4j_reconcile_duration_seconds", "_sum", "full") > 0);
                double fullCount = Exposition.summary(f, "ipvs4j_reconcile_duration_seconds", "_count", "full");
                assertEquals(1, fullCount, "the start's apply");
                assertEquals(0, Exposition.value(f, "ipvs4j_reconcile_errors_total", Map.of()));
                assertEquals(0, Exposition.value(f, "ipvs4j_reconcile_repairs_total", Map.of()));
                assertEquals(1, Exposition.value(f, "ipvs4j_sync_daemon_up",
                        Map.of("state", "master", "interface", "eth0", "syncid", "9")));
                assertEquals(0, f.get("ipvs4j_vrrp_state").samples().size(), "no VRRP configured");

                // someone removes a real server behind the director's back: the next full apply repairs it
                double changes = Exposition.value(f, "ipvs4j_reconcile_changes_total", Map.of());
                ipvs.removeRealServer(DNS, Endpoint.of("198.51.100.2", 53));
                c.reconcileNow();
                Map<String, Exposition.Family> g = Exposition.parse(metrics.scrape());
                assertEquals(1, Exposition.value(g, "ipvs4j_reconcile_repairs_total", Map.of()));
                assertEquals(changes + 1, Exposition.value(g, "ipvs4j_reconcile_changes_total", Map.of()));
                assertEquals(1, Exposition.value(g, "ipvs4j_real_server_weight", rs(dns, "198.51.100.2", 53)));
            }
        }
    }

    @Test
    void aKernelReadServesEveryScrapeOfItsInterval() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        DirectorMetrics cached = DirectorMetrics.of(ipvs, null, Duration.ofMinutes(5));
        for (int i = 0; i < 5; i++) {
            cached.scrape();
        }
        assertEquals(1, Exposition.value(Exposition.parse(cached.scrape()), "ipvs4j_kernel_reads_total", Map.of()));
        DirectorMetrics uncached = DirectorMetrics.of(ipvs, null, Duration.ZERO);
        uncached.scrape();
        uncached.scrape();
        assertEquals(3, Exposition.value(Exposition.parse(uncached.scrape()), "ipvs4j_kernel_reads_total", Map.of()));
    }

    @Test
    void anUnreadableKernelIsCountedAndTheScrapeStillAnswers() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ipvs.failNext(io.ipvs4j.Operation.LIST_SERVICES, 12);
        DirectorMetrics m = DirectorMetrics.of(ipvs, null, Duration.ZERO);
        Map<String, Exposition.Family> f = Exposition.parse(m.scrape());
        assertEquals(1, Exposition.value(f, "ipvs4j_kernel_read_errors_total", Map.of()));
        assertEquals(0, f.get("ipvs4j_service_connections_total").samples().size());
    }

    private static boolean sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
