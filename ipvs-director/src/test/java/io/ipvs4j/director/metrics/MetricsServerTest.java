package io.ipvs4j.director.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.director.controller.LvsController;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.testing.InMemoryIpvs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP endpoint on loopback: paths, methods, readiness and the status page's content. */
class MetricsServerTest {
    /** An answer: status, headers, body. */
    record Response(int statusCode, Map<String, java.util.List<String>> headerMap, String body) {
        java.util.Optional<String> header(String name) {
            return headerMap.entrySet().stream().filter(e -> name.equalsIgnoreCase(e.getKey()))
                    .map(e -> e.getValue().get(0)).findFirst();
        }
    }

    private static Response send(MetricsServer s, String method, String path) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + s.address().getPort() + path)
                .toURL().openConnection();
        c.setRequestMethod(method);
        try {
            int status = c.getResponseCode();
            java.io.InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
            String body = in == null ? "" : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return new Response(status, c.getHeaderFields(), body);
        } finally {
            c.disconnect();
        }
    }

    @Test
    void pathsAnswerAsDocumentedAndTheStatusPageShowsTheTable() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        // a service the director does not own: on the page and in the metrics too
        ServiceKey foreign = ServiceKey.tcp("198.51.100.7", 443);
        ipvs.addService(VirtualService.of(foreign, Scheduler.RR));
        ipvs.addRealServer(foreign, RealServer.of(Endpoint.of("198.51.100.8", 443)));
        try (ServerSocket open = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket closing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int closedPort = closing.getLocalPort();
            closing.close();
            LvsController c = LvsController.builder(ipvs, KeepalivedConverter.toDesiredState(KeepalivedParser.parse(
                    DirectorMetricsTest.conf(open.getLocalPort(), closedPort)))).build();
            try (c; MetricsServer s = MetricsServer.start(DirectorMetrics.of(ipvs, c, Duration.ofMinutes(5)),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                assertEquals(200, send(s, "GET", "/healthz").statusCode());
                Response notReady = send(s, "GET", "/readyz");
                assertEquals(503, notReady.statusCode());
                c.start();
                assertEquals(200, send(s, "GET", "/readyz").statusCode());
                DirectorMetricsTest.awaitState(c, Endpoint.of("127.0.0.1", closedPort), io.ipvs4j.director.check.CheckState.DOWN);

                Response m = send(s, "GET", "/metrics");
                assertEquals(200, m.statusCode());
                assertEquals(PrometheusText.CONTENT_TYPE, m.header("Content-Type").orElseThrow());
                Map<String, Exposition.Family> f = Exposition.parse(m.body());
                assertEquals(1, Exposition.value(f, "ipvs4j_real_server_weight",
                        DirectorMetricsTest.rs(DirectorMetricsTest.svc("tcp", "198.51.100.7", "443", "", "ipv4"), "198.51.100.8", 443)));
                // with a 5-minute cache every scrape and page shares the first read of the kernel
                send(s, "GET", "/metrics");
                send(s, "GET", "/");
                assertEquals(1, Exposition.value(Exposition.parse(send(s, "GET", "/metrics").body()),
                        "ipvs4j_kernel_reads_total", Map.of()));

                Response page = send(s, "GET", "/");
                assertEquals(200, page.statusCode());
                assertTrue(page.header("Content-Type").orElseThrow().startsWith("text/html"));
                String html = page.body();
                assertTrue(html.contains("id=\"svc-tcp-192.0.2.10:80\""), html);
                assertTrue(html.contains("id=\"svc-fwm-7-ipv4\""), html);
                assertTrue(html.contains("id=\"svc-sctp-192.0.2.10:5060\""), html);
                assertTrue(html.contains("TCP 198.51.100.7:443 &mdash; not configured here"), html);
                String down = row(html, "svc-tcp-192.0.2.10:80-127.0.0.1:" + closedPort);
                assertTrue(down.contains("class=\"rs down\"") && down.contains(">DOWN<") && down.contains("TCP_CHECK"), down);
                assertTrue(row(html, "svc-tcp-192.0.2.10:80-127.0.0.1:" + open.getLocalPort()).contains(">UP<"));
                assertTrue(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"),
                        "no script, no external asset");

                assertEquals(200, send(s, "HEAD", "/metrics").statusCode());
                Response post = send(s, "POST", "/metrics");
                assertEquals(405, post.statusCode());
                assertEquals("GET, HEAD", post.header("Allow").orElseThrow());
                assertEquals(404, send(s, "GET", "/nothing").statusCode());
            }
        }
    }

    /** A GET of /metrics with {@code acceptEncoding} (or none), the body's bytes as sent. */
    private static HttpURLConnection metricsRequest(MetricsServer s, String acceptEncoding) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + s.address().getPort() + "/metrics")
                .toURL().openConnection();
        if (acceptEncoding != null) {
            c.setRequestProperty("Accept-Encoding", acceptEncoding);
        }
        assertEquals(200, c.getResponseCode());
        return c;
    }

    @Test
    void metricsAreGzippedWhenTheScraperAcceptsItAndTheTextIsTheSame() throws Exception {
        InMemoryIpvs ipvs = new InMemoryIpvs();
        ServiceKey web = ServiceKey.tcp("192.0.2.10", 80);
        ipvs.addService(VirtualService.of(web, Scheduler.RR));
        for (int i = 1; i <= 50; i++) {
            ipvs.addRealServer(web, RealServer.of(Endpoint.of("198.51.100." + i, 8080)));
        }
        // a 5-minute cache: the three answers come from one render, so they must be the same text
        try (MetricsServer s = MetricsServer.start(DirectorMetrics.of(ipvs, null, Duration.ofMinutes(5)),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            HttpURLConnection plain = metricsRequest(s, null);
            byte[] plainBody = plain.getInputStream().readAllBytes();
            assertEquals(null, plain.getHeaderField("Content-Encoding"));
            assertEquals("Accept-Encoding", plain.getHeaderField("Vary"));

            // Prometheus' header
            HttpURLConnection zipped = metricsRequest(s, "gzip");
            byte[] zippedBody = zipped.getInputStream().readAllBytes();
            assertEquals("gzip", zipped.getHeaderField("Content-Encoding"));
            assertEquals("Accept-Encoding", zipped.getHeaderField("Vary"));
            assertEquals(PrometheusText.CONTENT_TYPE, zipped.getHeaderField("Content-Type"));
            assertEquals(zippedBody.length, zipped.getContentLengthLong(), "the length sent is the gzip's");
            byte[] unzipped;
            try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(
                    new java.io.ByteArrayInputStream(zippedBody))) {
                unzipped = in.readAllBytes();
            }
            assertTrue(java.util.Arrays.equals(plainBody, unzipped), "the exposition is byte-identical after gunzip");
            assertTrue(zippedBody.length * 5 < plainBody.length,
                    "gzip shrinks the repetitive text: " + zippedBody.length + " of " + plainBody.length + " bytes");
            assertEquals(1, Exposition.value(Exposition.parse(new String(unzipped, java.nio.charset.StandardCharsets.UTF_8)),
                    "ipvs4j_real_server_weight", DirectorMetricsTest.rs(DirectorMetricsTest.svc("tcp", "192.0.2.10", "80", "", "ipv4"),
                            "198.51.100.50", 8080)));

            HttpURLConnection refused = metricsRequest(s, "gzip;q=0, identity");
            assertEquals(null, refused.getHeaderField("Content-Encoding"));
            assertTrue(java.util.Arrays.equals(plainBody, refused.getInputStream().readAllBytes()));
        }
    }

    @Test
    void acceptEncodingIsReadAsHttpWeighsIt() {
        assertTrue(MetricsServer.acceptsGzip(java.util.List.of("gzip")));
        assertTrue(MetricsServer.acceptsGzip(java.util.List.of("deflate, GZIP;q=0.5")));
        assertTrue(MetricsServer.acceptsGzip(java.util.List.of("br", "x-gzip")));
        assertTrue(!MetricsServer.acceptsGzip(null));
        assertTrue(!MetricsServer.acceptsGzip(java.util.List.of("identity")));
        assertTrue(!MetricsServer.acceptsGzip(java.util.List.of("gzip;q=0")));
        assertTrue(!MetricsServer.acceptsGzip(java.util.List.of("gzip; q=0.0, deflate")));
        assertTrue(!MetricsServer.acceptsGzip(java.util.List.of("gzip;q=x")));
        assertTrue(!MetricsServer.acceptsGzip(java.util.List.of("*")));
        assertTrue(!MetricsServer.acceptsGzip(java.util.List.of("gzipper")));
    }

    private static String row(String html, String id) {
        int at = html.indexOf("id=\"" + id + "\"");
        assertTrue(at >= 0, "no row " + id + " in " + html);
        return html.substring(html.lastIndexOf("<tr", at), html.indexOf("</tr>", at));
    }

    @Test
    void listenAddressesParseOrNameTheBadPart() {
        assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9280), MetricsServer.parseListen("9280"));
        assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9280), MetricsServer.parseListen(":9280"));
        assertEquals("/192.0.2.1:80", MetricsServer.parseListen("192.0.2.1:80").toString());
        assertEquals(9, MetricsServer.parseListen("[::1]:9").getPort());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsServer.parseListen("127.0.0.1:http"));
        assertTrue(e.getMessage().contains("'http'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MetricsServer.parseListen("127.0.0.1:70000"));
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MetricsServer.parseListen("localhost:80"));
        assertTrue(e.getMessage().contains("'localhost'"), e.getMessage());
    }
}
