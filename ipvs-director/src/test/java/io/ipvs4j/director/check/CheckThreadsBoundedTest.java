package io.ipvs4j.director.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * 500 targets checked at once cost the checker a fixed number of threads: the attempts are
 * sockets and timers on one event loop. Half are TCP_CHECKs, half HTTP_GETs against local
 * servers, and 100 of each kind go to a server that accepts and never answers, so those
 * attempts stay in flight until their timeouts (with a thread per attempt they would hold
 * 200 threads). A functional assertion on the thread count, not a timing one.
 */
class CheckThreadsBoundedTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final int TARGETS = 500;

    /** Counts finished attempts of a check. */
    record Counting(HealthCheck inner, AtomicInteger done) implements HealthCheck {
        @Override
        public CompletableFuture<CheckResult> start(CheckIo io) {
            return inner.start(io).whenComplete((r, e) -> done.incrementAndGet());
        }
    }

    private static java.util.Set<Thread> checkThreads() {
        java.util.Set<Thread> out = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("ipvs4j-check")) {
                out.add(t);
            }
        }
        return out;
    }

    @Test
    void fiveHundredTargetsDoNotGrowTheThreadCount() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 1024);
        http.createContext("/", ex -> {
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        http.start(); // default executor: the dispatcher thread answers
        // the kernel completes connects into the backlog: nothing needs to accept for TCP_CHECK
        try (ServerSocket tcp = new ServerSocket(0, 4096, LOOPBACK);
                ServerSocket mute = new ServerSocket(0, 4096, LOOPBACK)) {
            Thread drain = new Thread(() -> {
                while (!tcp.isClosed()) {
                    try (Socket s = tcp.accept()) {
                        // accepted and closed
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "test-tcp-drain");
            drain.setDaemon(true);
            drain.start();

            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            int before = mx.getThreadCount();
            java.util.Set<Thread> checkThreadsBefore = checkThreads();
            Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
            AtomicInteger peak = new AtomicInteger();
            try (HealthChecker<String> checker = new HealthChecker<>((t, from, to) -> { })) {
                CheckPolicy policy = new CheckPolicy(Duration.ofMillis(200), 0, Duration.ofMillis(100));
                for (int i = 0; i < TARGETS; i++) {
                    boolean slow = i % 5 == 0 || i % 5 == 1; // 200 of 500 hang until their timeout
                    boolean isHttp = i % 2 == 0;
                    HealthCheck c;
                    if (isHttp) {
                        c = HttpGetCheck.builder(LOOPBACK, slow ? mute.getLocalPort() : http.getAddress().getPort())
                                .url(HttpGetCheck.Url.of("/", 200)).connectTimeout(Duration.ofSeconds(2)).build();
                    } else if (slow) {
                        // a TCP connect to the mute server succeeds: make these slow with HTTP semantics instead
                        c = HttpGetCheck.builder(LOOPBACK, mute.getLocalPort())
                                .url(HttpGetCheck.Url.of("/", 200)).connectTimeout(Duration.ofSeconds(2)).build();
                    } else {
                        c = TcpConnectCheck.builder(LOOPBACK, tcp.getLocalPort()).connectTimeout(Duration.ofSeconds(2))
                                .build();
                    }
                    AtomicInteger n = new AtomicInteger();
                    String target = (slow ? "slow-" : isHttp ? "http-" : "tcp-") + i;
                    attempts.put(target, n);
                    checker.add(target, CheckState.UP, new CheckSpec(new Counting(c, n), policy));
                }
                // until every target has finished two attempts (the slow ones time out twice)
                long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (attempts.values().stream().anyMatch(a -> a.get() < 2) && System.nanoTime() < giveUp) {
                    peak.accumulateAndGet(mx.getThreadCount(), Math::max);
                    Thread.sleep(20);
                }
                peak.accumulateAndGet(mx.getThreadCount(), Math::max);
                long unfinished = attempts.values().stream().filter(a -> a.get() < 2).count();
                assertEquals(0, unfinished, "targets without two finished attempts");
                java.util.Set<Thread> mine = checkThreads();
                mine.removeAll(checkThreadsBefore); // other tests' loops (CheckIo.shared) are not this checker's
                assertEquals(2, mine.size(), "the checker's threads: its I/O loop and its notifier: " + mine);
                Map<String, CheckState> states = checker.states();
                for (Map.Entry<String, CheckState> e : states.entrySet()) {
                    CheckState expected = e.getKey().startsWith("slow-") ? CheckState.DOWN : CheckState.UP;
                    assertEquals(expected, e.getValue(), e.getKey());
                }
            } finally {
                http.stop(0);
            }
            // the loop and the notifier, plus slack for JVM-internal threads (JIT, reference handling)
            assertTrue(peak.get() - before <= 8, "threads grew from " + before + " to " + peak.get()
                    + " for " + TARGETS + " targets");
        }
    }
}
