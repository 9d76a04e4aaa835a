package io.ipvs4j.nativetests.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Ipvs;
import io.ipvs4j.director.controller.LvsController;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.director.metrics.DirectorMetrics;
import io.ipvs4j.director.metrics.MetricsServer;
import io.ipvs4j.nativetests.support.Commands;
import io.ipvs4j.nativetests.support.KernelTest;
import io.ipvs4j.nativetests.support.Topology;
import io.ipvs4j.netlink.IpvsNetlink;
import io.ipvs4j.netlink.NetlinkOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The director's metrics endpoint against the kernel with real traffic: client namespace ->
 * director (IPVS NAT, a controller programming it) -> two real servers running busybox httpd.
 * The counters and rates equal what {@code ipvsadm -Ln --stats/--rate --exact} prints;
 * Prometheus' node_exporter (Debian's prometheus-node-exporter, its ipvs collector only) run in
 * the director's namespace agrees sample for sample with our counterparts, with TCP, UDP, SCTP
 * and fwmark services in the table (node_exporter's SCTP misattribution included, see
 * docs/metrics.md); the status page rendered by headless Chromium shows a real server going
 * DOWN and back UP.
 */
@KernelTest
class MetricsEndpointKernelTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final List<String> COUNTERS = List.of("connections_total", "incoming_packets_total",
            "outgoing_packets_total", "incoming_bytes_total", "outgoing_bytes_total");
    private static final List<String> RATES = List.of("connections_per_second", "incoming_packets_per_second",
            "outgoing_packets_per_second", "incoming_bytes_per_second", "outgoing_bytes_per_second");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            Map<String, String> labels = new TreeMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
                }
            }
            out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return out;
    }

    static double value(List<Sample> samples, String name, Map<String, String> match) {
        List<Sample> hits = samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(match.entrySet())).toList();
        assertEquals(1, hits.size(), name + match + ": " + hits);
        return hits.get(0).value();
    }

    static Map<String, String> service(String protocol, String address, int port) {
        return Map.of("protocol", protocol, "address", address, "port", Integer.toString(port), "fwmark", "");
    }

    static Map<String, String> fwmark(long mark) {
        return Map.of("protocol", "", "address", "", "port", "", "fwmark", Long.toString(mark));
    }

    static Map<String, String> server(Map<String, String> service, String address, int port) {
        Map<String, String> m = new HashMap<>(service);
        m.put("server_address", address);
        m.put("server_port", Integer.toString(port));
        return m;
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> get(MetricsServer server, String path) throws Exception {
        InetSocketAddress a = server.address();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<Sample> scrape(MetricsServer server) throws Exception {
        HttpResponse<String> r = get(server, "/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        return parse(r.body());
    }

    @Test
    @Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
    void metricsMatchIpvsadmAndNodeExporterAndTheStatusPageShowsChecks(@TempDir Path dir) throws Exception {
        try (Topology t = new Topology()) {
            Topology.Node client = t.node("client");
            Topology.Node director = t.node("director");
            Topology.Node rs1 = t.node("rs1");
            Topology.Node rs2 = t.node("rs2");
            t.link(client, "203.0.113.2/24");
            t.link(director, "203.0.113.1/24");
            t.link(director, "198.51.100.1/24");
            t.link(rs1, "198.51.100.11/24");
            t.link(rs2, "198.51.100.12/24");
            director.sysctl("net.ipv4.ip_forward", "1");
            rs1.ok("ip", "route", "add", "default", "via", "198.51.100.1");
            rs2.ok("ip", "route", "add", "default", "via", "198.51.100.1");
            client.ok("ip", "route", "add", "192.0.2.0/24", "via", "203.0.113.1");
            director.addDummy("vip0", "192.0.2.100/32");
            rs1.httpServer("198.51.100.11", 8080, "rs1\n");
            rs2.httpServer("198.51.100.12", 8080, "rs2\n");

            // rs2's MISC_CHECK passes while the flag file exists
            Path flag = dir.resolve("rs2-up");
            Files.writeString(flag, "");
            Path script = dir.resolve("check-rs2.sh");
            Files.writeString(script, "#!/bin/sh\ntest -e " + flag + "\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            String conf = "virtual_server 192.0.2.100 80 {\n delay_loop 1\n lb_algo rr\n lb_kind NAT\n protocol TCP\n"
                    + " real_server 198.51.100.11 8080 {\n  weight 1\n }\n"
                    + " real_server 198.51.100.12 8080 {\n  weight 2\n  MISC_CHECK {\n   misc_path " + script
                    + "\n   misc_timeout 20\n  }\n }\n}\n"
                    + "virtual_server 192.0.2.100 53 {\n lb_algo rr\n lb_kind NAT\n protocol UDP\n"
                    + " real_server 198.51.100.11 53 {\n  weight 3\n }\n}\n"
                    + "virtual_server 192.0.2.100 5060 {\n lb_algo rr\n lb_kind NAT\n protocol SCTP\n"
                    + " real_server 198.51.100.12 5060 {\n  weight 4\n }\n}\n"
                    + "virtual_server fwmark 7 {\n lb_algo rr\n lb_kind NAT\n"
                    + " real_server 198.51.100.11 8080 {\n  weight 5\n }\n}\n";

            try (Ipvs ipvs = IpvsNetlink.open(NetlinkOptions.builder()
                         .namespace(NetlinkOptions.namedNamespace(director.name())).build());
                 LvsController c = LvsController.builder(ipvs,
                         KeepalivedConverter.toDesiredState(KeepalivedParser.parse(conf))).build();
                 MetricsServer server = MetricsServer.start(DirectorMetrics.of(ipvs, c, Duration.ZERO),
                         new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                assertEquals(200, get(server, "/healthz").statusCode());
                assertEquals(503, get(server, "/readyz").statusCode(), "not ready before the first apply");
                c.start();
                assertEquals(200, get(server, "/readyz").statusCode());

                Map<String, String> web = service("tcp", "192.0.2.100", 80);
                for (int i = 0; i < 6; i++) {
                    String body = client.httpGet("http://192.0.2.100/");
                    assertTrue(body.equals("rs1\n") || body.equals("rs2\n"), body);
                }
                Thread.sleep(2500);   // one tick of the kernel's 2-second estimator
                assertRatesEqualIpvsadm(server, director);
                List<Sample> settled = awaitSettled(server, web, 6);
                assertCountersEqualIpvsadm(settled, director);
                assertEquals(3, value(settled, "ipvs4j_real_server_connections_total", server(web, "198.51.100.11", 8080)));
                assertEquals(3, value(settled, "ipvs4j_real_server_connections_total", server(web, "198.51.100.12", 8080)));

                compareWithNodeExporter(t, director, server);

                // the status page in a real browser: rs2 goes DOWN, then UP again
                String row = "svc-tcp-192.0.2.100:80-198.51.100.12:8080";
                assertTrue(rowOf(chromium(server, dir), row).contains("class=\"rs up\""), "rs2 UP at first");
                Files.delete(flag);
                awaitUp(server, server(web, "198.51.100.12", 8080), 0);
                String down = rowOf(chromium(server, dir), row);
                assertTrue(down.contains("class=\"rs down\"") && down.contains(">DOWN<") && down.contains("MISC_CHECK"),
                        "rs2 DOWN with its last failure: " + down);
                Files.writeString(flag, "");
                awaitUp(server, server(web, "198.51.100.12", 8080), 1);
                String up = rowOf(chromium(server, dir), row);
                assertTrue(up.contains("class=\"rs up\"") && up.contains(">UP<"), "rs2 UP again: " + up);
                List<Sample> after = scrape(server);
                assertEquals(2, value(after, "ipvs4j_real_server_check_transitions_total", server(web, "198.51.100.12", 8080)));
                assertTrue(value(after, "ipvs4j_real_server_check_failures_total", server(web, "198.51.100.12", 8080)) >= 1);
                assertTrue(value(after, "ipvs4j_real_server_check_latency_seconds", server(web, "198.51.100.12", 8080)) > 0);
            }
        }
    }

    /** Waits until the TCP service has {@code connections} and no counter moved over one estimator tick. */
    private List<Sample> awaitSettled(MetricsServer server, Map<String, String> web, long connections) throws Exception {
        String last = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            List<Sample> s = scrape(server);
            String now = s.stream().filter(x -> COUNTERS.stream().anyMatch(x.name()::endsWith)).toList().toString();
            if (now.equals(last) && value(s, "ipvs4j_service_connections_total", web) == connections) {
                return s;
            }
            last = now;
            Thread.sleep(2200);
        }
        throw new AssertionError("counters did not settle at " + connections + " connections: " + last);
    }

    private void awaitUp(MetricsServer server, Map<String, String> rs, double up) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (value(scrape(server), "ipvs4j_real_server_up", rs) == up) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(rs + " never had up = " + up);
    }

    /** Our labels of a service line of ipvsadm -Ln ("TCP", "192.0.2.100:80" / "FWM", "7"). */
    private static Map<String, String> labelsOf(String proto, String id) {
        if (proto.equals("FWM")) {
            return fwmark(Long.parseLong(id));
        }
        int colon = id.lastIndexOf(':');
        return service(proto.toLowerCase(java.util.Locale.ROOT), id.substring(0, colon), Integer.parseInt(id.substring(colon + 1)));
    }

    /** Service and real server lines of {@code ipvsadm -Ln <flag> --exact}: our labels -> 5 numbers. */
    private static Map<Map<String, String>, long[]> ipvsadm(Topology.Node director, String flag) {
        String out = director.ipvsadm().ok("-L", "-n", flag, "--exact");
        Pattern svc = Pattern.compile("^(TCP|UDP|SCTP|FWM)\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$");
        Pattern rs = Pattern.compile("^\\s+->\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$");
        Map<Map<String, String>, long[]> map = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String line : out.split("\n")) {
            Matcher m = svc.matcher(line);
            Matcher r = rs.matcher(line);
            int first;
            Map<String, String> key;
            if (m.matches()) {
                current = labelsOf(m.group(1), m.group(2));
                key = current;
                first = 3;
            } else if (r.matches() && current != null) {
                String ep = r.group(1);
                int colon = ep.lastIndexOf(':');
                key = server(current, ep.substring(0, colon), Integer.parseInt(ep.substring(colon + 1)));
                m = r;
                first = 2;
            } else {
                continue;
            }
            long[] v = new long[5];
            for (int i = 0; i < 5; i++) {
                v[i] = Long.parseLong(m.group(first + i));
            }
            map.put(key, v);
        }
        assertEquals(4 + 5, map.size(), "4 services and 5 real servers in:\n" + out);
        return map;
    }

    private static long[] ours(List<Sample> s, Map<String, String> key, List<String> suffixes) {
        String prefix = key.containsKey("server_address") ? "ipvs4j_real_server_" : "ipvs4j_service_";
        long[] v = new long[5];
        for (int i = 0; i < 5; i++) {
            v[i] = (long) value(s, prefix + suffixes.get(i), key);
        }
        return v;
    }

    private void assertCountersEqualIpvsadm(List<Sample> s, Topology.Node director) {
        for (Map.Entry<Map<String, String>, long[]> e : ipvsadm(director, "--stats").entrySet()) {
            assertEquals(java.util.Arrays.toString(e.getValue()), java.util.Arrays.toString(ours(s, e.getKey(), COUNTERS)),
                    "conns, pkts in/out, bytes in/out of " + e.getKey() + ": ipvsadm --stats vs /metrics");
        }
    }

    /** Rates move at every estimator tick: compare when two scrapes around ipvsadm agree. */
    private void assertRatesEqualIpvsadm(MetricsServer server, Topology.Node director) throws Exception {
        for (int attempt = 0; attempt < 8; attempt++) {
            List<Sample> before = scrape(server);
            Map<Map<String, String>, long[]> byIpvsadm = ipvsadm(director, "--rate");
            List<Sample> after = scrape(server);
            boolean stable = true;
            for (Map<String, String> k : byIpvsadm.keySet()) {
                stable &= java.util.Arrays.equals(ours(before, k, RATES), ours(after, k, RATES));
            }
            if (!stable) {
                continue;
            }
            for (Map.Entry<Map<String, String>, long[]> e : byIpvsadm.entrySet()) {
                assertEquals(java.util.Arrays.toString(e.getValue()), java.util.Arrays.toString(ours(after, e.getKey(), RATES)),
                        "cps, pps in/out, Bps in/out of " + e.getKey() + ": ipvsadm --rate vs /metrics");
            }
            assertTrue(ours(after, service("tcp", "192.0.2.100", 80), RATES)[3] > 0, "traffic shows in the byte rate");
            return;
        }
        throw new AssertionError("the rates moved between every pair of scrapes (8 attempts)");
    }

    /**
     * node_exporter's samples for the table, computed from ours the way node_exporter reads
     * /proc/net/ip_vs (procfs' parser): a real server line belongs to the last TCP, UDP or FWM
     * line above it; an SCTP service line is not recognised, so its real servers are counted
     * under the service before it; samples with the same labels are summed.
     */
    private static Map<Map<String, String>, Double> nodeExporterView(String procIpVs, List<Sample> ours, String family) {
        Map<Map<String, String>, Double> out = new HashMap<>();
        Map<String, String> nodeService = Map.of("local_address", "", "local_port", "0", "proto", "", "local_mark", "");
        Map<String, String> ourService = null;
        for (String line : procIpVs.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2 || f[0].equals("IP") || f[0].equals("Prot") || f[1].equals("RemoteAddress:Port")) {
                continue;
            }
            switch (f[0]) {
                case "TCP", "UDP", "SCTP" -> {
                    String[] ap = f[1].split(":");
                    String address = hexToIp(ap[0]);
                    int port = Integer.parseInt(ap[1], 16);
                    ourService = service(f[0].toLowerCase(java.util.Locale.ROOT), address, port);
                    if (!f[0].equals("SCTP")) {
                        nodeService = Map.of("local_address", address, "local_port", Integer.toString(port),
                                "proto", f[0], "local_mark", "");
                    }
                }
                case "FWM" -> {
                    ourService = fwmark(Long.parseLong(f[1], 16));
                    nodeService = Map.of("local_address", "", "local_port", "0", "proto", "FWM", "local_mark", f[1]);
                }
                case "->" -> {
                    String[] ap = f[1].split(":");
                    String address = hexToIp(ap[0]);
                    int port = Integer.parseInt(ap[1], 16);
                    Map<String, String> key = new TreeMap<>(nodeService);
                    key.put("remote_address", address);
                    key.put("remote_port", Integer.toString(port));
                    out.merge(key, value(ours, family, server(ourService, address, port)), Double::sum);
                }
                default -> {
                }
            }
        }
        return out;
    }

    private static String hexToIp(String hex) {
        long v = Long.parseLong(hex, 16);
        return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
    }

    private void compareWithNodeExporter(Topology t, Topology.Node director, MetricsServer server) throws Exception {
        Topology.Background exporter = director.start("prometheus-node-exporter", "--collector.disable-defaults",
                "--collector.ipvs", "--web.listen-address=127.0.0.1:9100");
        director.awaitListening(exporter, 9100);
        Map<String, String> mapping = Map.of(
                "node_ipvs_backend_connections_active", "ipvs4j_real_server_active_connections",
                "node_ipvs_backend_connections_inactive", "ipvs4j_real_server_inactive_connections",
                "node_ipvs_backend_weight", "ipvs4j_real_server_weight");
        AssertionError lastMismatch = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            List<Sample> ours = scrape(server);
            String proc = director.ok("cat", "/proc/net/ip_vs");
            List<Sample> node = parse(director.httpGet("http://127.0.0.1:9100/metrics")).stream()
                    .filter(s -> s.name().startsWith("node_ipvs_")).toList();
            List<Sample> oursAgain = scrape(server);
            java.util.Set<String> compared = new java.util.HashSet<>(mapping.values());
            COUNTERS.forEach(c -> compared.add("ipvs4j_" + c));
            if (!ours.stream().filter(x -> compared.contains(x.name())).toList()
                    .equals(oursAgain.stream().filter(x -> compared.contains(x.name())).toList())) {
                continue;   // a connection changed state meanwhile (check latencies move at every check)
            }
            try {
                int count = 0;
                for (String total : COUNTERS) {
                    assertEquals(value(ours, "ipvs4j_" + total, Map.of()), value(node, "node_ipvs_" + total, Map.of()),
                            "node_ipvs_" + total + " vs ipvs4j_" + total);
                    count++;
                }
                for (Map.Entry<String, String> e : mapping.entrySet()) {
                    Map<Map<String, String>, Double> expected = nodeExporterView(proc, ours, e.getValue());
                    Map<Map<String, String>, Double> actual = new HashMap<>();
                    node.stream().filter(s -> s.name().equals(e.getKey())).forEach(s -> actual.put(s.labels(), s.value()));
                    assertEquals(expected, actual, e.getKey() + " vs " + e.getValue() + "\n/proc/net/ip_vs:\n" + proc);
                    count += actual.size();
                }
                // every node_ipvs_ sample was compared
                assertEquals(node.size(), count, "node_exporter samples: " + node);
                assertTrue(node.stream().anyMatch(s -> "FWM".equals(s.labels().get("proto"))
                        && "00000007".equals(s.labels().get("local_mark"))), "the fwmark service: " + node);
                assertTrue(node.stream().anyMatch(s -> "UDP".equals(s.labels().get("proto"))), "the UDP service");
                assertTrue(node.stream().noneMatch(s -> "SCTP".equals(s.labels().get("proto"))),
                        "node_exporter does not know SCTP services: " + node);
                assertTrue(node.stream().anyMatch(s -> "198.51.100.12".equals(s.labels().get("remote_address"))
                        && "5060".equals(s.labels().get("remote_port"))), "the SCTP real server, under another service");
                return;
            } catch (AssertionError e) {
                lastMismatch = e;
                Thread.sleep(1000);
            }
        }
        throw lastMismatch != null ? lastMismatch : new AssertionError("our scrapes never agreed with each other");
    }

    private String chromium(MetricsServer server, Path dir) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chromium-");
        Commands.Result r = Commands.run(List.of("env", "HOME=" + profile, "chromium", "--headless", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile, "--dump-dom",
                "http://127.0.0.1:" + server.address().getPort() + "/"), Duration.ofMinutes(4));
        assertTrue(r.ok() && r.stdout().contains("ipvs4j director"), "chromium rendered the page: " + r);
        return r.stdout();
    }

    private static String rowOf(String dom, String id) {
        int at = dom.indexOf("id=\"" + id + "\"");
        assertTrue(at >= 0, "no row " + id + " in:\n" + dom);
        int start = dom.lastIndexOf("<tr", at);
        int end = dom.indexOf("</tr>", at);
        return dom.substring(start, end);
    }
}
