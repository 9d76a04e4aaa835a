package io.ipvs4j.director.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpGetCheckTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final byte[] PAGE = "served by rs1\n".getBytes(StandardCharsets.UTF_8);
    static final Duration SHORT = Duration.ofMillis(300);

    private HttpServer server;
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> hosts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        server.createContext("/", ex -> {
            hosts.add(ex.getRequestHeaders().getFirst("Host"));
            ex.sendResponseHeaders(200, PAGE.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(PAGE);
            }
        });
        server.createContext("/broken", ex -> {
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        server.createContext("/nolength", ex -> {
            ex.sendResponseHeaders(200, 0); // length unknown: streamed until close
            try (OutputStream out = ex.getResponseBody()) {
                out.write(PAGE);
            }
        });
        server.createContext("/slow", ex -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private HttpGetCheck.Builder check(HttpGetCheck.Url url) {
        return HttpGetCheck.builder(LOOPBACK, port()).url(url).connectTimeout(Duration.ofSeconds(3));
    }

    @Test
    void headerLinesSplitOnLfAndCrlfAlike() throws IOException {
        byte[] h = "HTTP/1.1 200 OK\r\nContent-Length: 2\nX-A: b\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(List.of("HTTP/1.1 200 OK", "Content-Length: 2", "X-A: b"), HttpGetCheck.headerLines(h, 42));
        HttpGetCheck.Response r = HttpGetCheck.parse(h, h.length, true, true);
        assertEquals(200, r.status());
        assertEquals("ok", new String(r.body(), StandardCharsets.ISO_8859_1));
        byte[] lf = "HTTP/1.0 503 Busy\nServer: x\n\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(503, HttpGetCheck.parse(lf, lf.length, false, true).status());
    }

    @Test
    void upWhenStatusMatches() {
        CheckResult r = check(HttpGetCheck.Url.of("/", 200)).build().check();
        assertTrue(r.healthy(), r.detail());
        assertEquals(List.of("127.0.0.1:" + port()), hosts, "Host defaults to address:port");
    }

    @Test
    void downOnWrongStatus() {
        CheckResult r = check(HttpGetCheck.Url.of("/broken", 200)).build().check();
        assertFalse(r.healthy());
        assertTrue(r.detail().contains("503"), r.detail());
        assertTrue(check(HttpGetCheck.Url.of("/broken", 503)).build().check().healthy());
    }

    @Test
    void emptyStatusSetMeansAny2xx() {
        assertTrue(check(new HttpGetCheck.Url("/", Set.of(), Optional.empty())).build().check().healthy());
        assertFalse(check(new HttpGetCheck.Url("/broken", Set.of(), Optional.empty())).build().check().healthy());
    }

    @Test
    void digestOfTheBody() {
        String md5 = HttpGetCheck.md5Hex(PAGE);
        assertEquals(32, md5.length());
        CheckResult up = check(new HttpGetCheck.Url("/", Set.of(200), Optional.of(md5.toUpperCase()))).build().check();
        assertTrue(up.healthy(), up.detail());
        assertTrue(check(new HttpGetCheck.Url("/nolength", Set.of(200), Optional.of(md5))).build().check().healthy());
        CheckResult r = check(new HttpGetCheck.Url("/", Set.of(200), Optional.of("0".repeat(32)))).build().check();
        assertFalse(r.healthy());
        assertTrue(r.detail().contains("digest " + md5), r.detail());
    }

    @Test
    void everyUrlMustPass() {
        HttpGetCheck c = check(HttpGetCheck.Url.of("/", 200)).url(HttpGetCheck.Url.of("/broken", 200)).build();
        assertFalse(c.check().healthy());
    }

    @Test
    void virtualHostIsSent() {
        assertTrue(check(HttpGetCheck.Url.of("/", 200)).virtualHost("www.example.org").build().check().healthy());
        assertEquals(List.of("www.example.org"), hosts);
    }

    @Test
    void downWhenConnectionRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        CheckResult r = HttpGetCheck.builder(LOOPBACK, port).url(HttpGetCheck.Url.of("/", 200))
                .connectTimeout(SHORT).build().check();
        assertFalse(r.healthy());
        assertTrue(r.detail().contains("failed"), r.detail());
    }

    @Test
    void slowServerTimesOutWithinTheTimeout() {
        long start = System.nanoTime();
        CheckResult r = check(HttpGetCheck.Url.of("/slow", 200)).connectTimeout(SHORT).build().check();
        long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertFalse(r.healthy());
        assertTrue(r.detail().contains("timed out"), r.detail());
        assertTrue(ms >= 250 && ms < 1500, "took " + ms + " ms for a 300 ms timeout");
    }

    /** A server that answers one byte every 50 ms never lets a single read time out; the deadline must still hold. */
    @Test
    void tricklingServerCannotHoldTheCheckPastTheDeadline() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 5, LOOPBACK)) {
            Thread t = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    OutputStream out = s.getOutputStream();
                    byte[] head = "HTTP/1.0 200 OK\r\nX-Padding: ".getBytes(StandardCharsets.US_ASCII);
                    out.write(head);
                    for (int i = 0; i < 200; i++) {
                        out.write('a');
                        out.flush();
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException e) {
                    // the check hung up: expected
                }
            });
            t.setDaemon(true);
            t.start();
            long start = System.nanoTime();
            CheckResult r = HttpGetCheck.builder(LOOPBACK, ss.getLocalPort()).url(HttpGetCheck.Url.of("/", 200))
                    .connectTimeout(SHORT).build().check();
            long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertFalse(r.healthy());
            assertTrue(ms < 1500, "took " + ms + " ms for a 300 ms response timeout");
        }
    }

    /**
     * The loop held (as by a long garbage collection, or a CPU it does not get) while the
     * server answers: the answer was there before the loop judged the deadline, so the check
     * is UP. Judged by the clock after the stall, the deadline would fire first and take a
     * healthy server out, which is what 96 of 250 HTTP_GET checks did in the first seconds of
     * a director under TCG (ipvs-benchmarks/run-check-scale.sh).
     */
    @Test
    void answerThatArrivedWhileTheLoopWasHeldWins() throws Exception {
        try (CheckIo io = CheckIo.open("held"); ServerSocket ss = new ServerSocket(0, 5, LOOPBACK)) {
            CountDownLatch held = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    java.io.InputStream in = s.getInputStream();
                    int lastFour = 0;
                    while (lastFour != 0x0d0a0d0a) {   // the CR LF CR LF that ends the request
                        int c = in.read();
                        if (c < 0) {
                            return;
                        }
                        lastFour = lastFour << 8 | c;
                    }
                    io.execute(() -> {
                        held.countDown();
                        try {
                            Thread.sleep(SHORT.toMillis() * 3);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    held.await();
                    s.getOutputStream().write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    while (in.read() >= 0) {
                        // until the check hangs up
                    }
                } catch (IOException | InterruptedException e) {
                    // the check hung up
                }
            });
            t.setDaemon(true);
            t.start();
            CheckResult r = HttpGetCheck.builder(LOOPBACK, ss.getLocalPort()).url(HttpGetCheck.Url.of("/", 200))
                    .connectTimeout(SHORT).build().start(io).get(10, TimeUnit.SECONDS);
            assertTrue(held.getCount() == 0, "the loop was held while the server answered");
            assertTrue(r.healthy(), r.detail());
        }
    }

    @Test
    void garbageIsAFailureNotAnException() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 5, LOOPBACK)) {
            Thread t = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    s.getOutputStream().write("SSH-2.0-OpenSSH\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // ignore
                }
            });
            t.setDaemon(true);
            t.start();
            CheckResult r = HttpGetCheck.builder(LOOPBACK, ss.getLocalPort()).url(HttpGetCheck.Url.of("/", 200))
                    .connectTimeout(SHORT).build().check();
            assertFalse(r.healthy());
            assertTrue(r.detail().contains("malformed status line"), r.detail());
        }
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> HttpGetCheck.Url.of("no-slash", 200));
        assertThrows(IllegalArgumentException.class, () -> HttpGetCheck.Url.of("/a b", 200));
        assertThrows(IllegalArgumentException.class, () -> HttpGetCheck.Url.of("/a\r\nX: y", 200));
        assertThrows(IllegalArgumentException.class, () -> new HttpGetCheck.Url("/", Set.of(), Optional.of("xyz")));
        assertThrows(IllegalStateException.class, () -> HttpGetCheck.builder(LOOPBACK, 80).build());
        assertThrows(IllegalArgumentException.class, () -> HttpGetCheck.builder(LOOPBACK, 80).connectTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> HttpGetCheck.builder(LOOPBACK, 0));
    }
}
