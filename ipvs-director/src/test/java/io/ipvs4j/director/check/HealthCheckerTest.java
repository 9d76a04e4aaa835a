package io.ipvs4j.director.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
    static final Duration FAST = Duration.ofMillis(20);

    record Transition(String target, CheckState from, CheckState to, int failuresSeen) {
    }

    /** A check whose health the test sets; counts its failing attempts. */
    static final class Switch implements HealthCheck {
        final AtomicBoolean healthy = new AtomicBoolean(true);
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public CompletableFuture<CheckResult> start(CheckIo io) {
            attempts.incrementAndGet();
            if (healthy.get()) {
                return CompletableFuture.completedFuture(CheckResult.up("ok"));
            }
            failures.incrementAndGet();
            return CompletableFuture.completedFuture(CheckResult.down("switched off"));
        }
    }

    private static Transition poll(BlockingQueue<Transition> q) throws InterruptedException {
        Transition t = q.poll(3, TimeUnit.SECONDS);
        assertNotNull(t, "no transition within 3 s");
        return t;
    }

    @Test
    void goesDownOnlyAfterAllRetriesFailAndUpAfterOneSuccess() throws Exception {
        Switch s = new Switch();
        BlockingQueue<Transition> q = new LinkedBlockingQueue<>();
        try (HealthChecker<String> hc = new HealthChecker<>(
                (t, from, to) -> q.add(new Transition(t, from, to, s.failures.get())))) {
            hc.add("rs1", CheckState.UP, new CheckSpec(s, new CheckPolicy(FAST, 2, Duration.ofMillis(10))));
            while (s.attempts.get() < 3) {
                Thread.sleep(5);
            }
            assertNull(q.poll(), "healthy: no transition");
            assertEquals(Optional.of(CheckState.UP), hc.state("rs1"));

            s.healthy.set(false);
            Transition down = poll(q);
            assertEquals(new Transition("rs1", CheckState.UP, CheckState.DOWN, 3), down,
                    "the first failure and both retries must fail before DOWN");
            assertEquals(Optional.of(CheckState.DOWN), hc.state("rs1"));

            s.healthy.set(true);
            Transition up = poll(q);
            assertEquals(CheckState.DOWN, up.from());
            assertEquals(CheckState.UP, up.to());
            assertEquals(Map.of("rs1", CheckState.UP), hc.states());
        }
    }

    @Test
    void aFailureWithinTheRetriesDoesNotTakeTheTargetDown() throws Exception {
        // fails every other attempt: with one retry, the retry always succeeds
        AtomicInteger n = new AtomicInteger();
        HealthCheck flaky = io -> CompletableFuture.completedFuture(
                n.incrementAndGet() % 2 == 0 ? CheckResult.down("flap") : CheckResult.up("ok"));
        BlockingQueue<Transition> q = new LinkedBlockingQueue<>();
        try (HealthChecker<String> hc = new HealthChecker<>((t, from, to) -> q.add(new Transition(t, from, to, 0)))) {
            hc.add("rs", CheckState.UP, new CheckSpec(flaky, new CheckPolicy(Duration.ofMillis(5), 1, Duration.ofMillis(5))));
            while (n.get() < 20) {
                Thread.sleep(5);
            }
            assertNull(q.poll(), "no transition expected");
        }
        // and the same check with no retries does go down: the test above can fail
        n.set(0);
        try (HealthChecker<String> hc = new HealthChecker<>((t, from, to) -> q.add(new Transition(t, from, to, 0)))) {
            hc.add("rs", CheckState.UP, new CheckSpec(flaky, new CheckPolicy(Duration.ofMillis(5), 0, Duration.ofMillis(5))));
            assertEquals(CheckState.DOWN, poll(q).to());
        }
    }

    @Test
    void alphaStartsDownAndOneSuccessBringsItUp() throws Exception {
        Switch s = new Switch();
        BlockingQueue<Transition> q = new LinkedBlockingQueue<>();
        try (HealthChecker<String> hc = new HealthChecker<>((t, from, to) -> q.add(new Transition(t, from, to, 0)))) {
            hc.add("rs", CheckState.DOWN, new CheckSpec(s, new CheckPolicy(FAST, 3, FAST)));
            Transition t = poll(q);
            assertEquals(CheckState.DOWN, t.from());
            assertEquals(CheckState.UP, t.to());
            assertEquals(1, s.attempts.get(), "one success is enough");
        }
    }

    @Test
    void aSlowCheckDoesNotDelayOtherTargets() throws Exception {
        CompletableFuture<CheckResult> release = new CompletableFuture<>();
        // an attempt that has not completed holds no thread: only its future
        HealthCheck stuck = io -> release;
        Switch fast = new Switch();
        fast.healthy.set(false);
        BlockingQueue<Transition> q = new LinkedBlockingQueue<>();
        long start = System.nanoTime();
        try (HealthChecker<String> hc = new HealthChecker<>((t, from, to) -> q.add(new Transition(t, from, to, 0)))) {
            for (int i = 0; i < 8; i++) {
                hc.add("stuck" + i, CheckState.UP, new CheckSpec(stuck, new CheckPolicy(FAST, 0, FAST)));
            }
            hc.add("fast", CheckState.UP, new CheckSpec(fast, new CheckPolicy(FAST, 1, FAST)));
            Transition t = poll(q);
            assertEquals("fast", t.target());
            assertEquals(CheckState.DOWN, t.to());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000);
            release.complete(CheckResult.up("late"));
        }
    }

    @Test
    void aTargetWithSeveralChecksIsUpOnlyWhileAllPass() throws Exception {
        Switch a = new Switch();
        Switch b = new Switch();
        BlockingQueue<Transition> q = new LinkedBlockingQueue<>();
        try (HealthChecker<String> hc = new HealthChecker<>((t, from, to) -> q.add(new Transition(t, from, to, 0)))) {
            CheckPolicy p = new CheckPolicy(FAST, 0, FAST);
            hc.add("rs", CheckState.UP, List.of(new CheckSpec(a, p), new CheckSpec(b, p)));
            b.healthy.set(false);
            assertEquals(CheckState.DOWN, poll(q).to());
            b.healthy.set(true);
            assertEquals(CheckState.UP, poll(q).to());
        }
    }

    @Test
    void throwingChecksAndListenersAreSurvived() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HealthCheck boom = io -> {
            calls.incrementAndGet();
            throw new IllegalStateException("bug in a check");
        };
        CountDownLatch notified = new CountDownLatch(1);
        try (HealthChecker<String> hc = new HealthChecker<>((t, from, to) -> {
            notified.countDown();
            throw new RuntimeException("bug in a listener");
        })) {
            hc.add("rs", CheckState.UP, new CheckSpec(boom, new CheckPolicy(Duration.ofMillis(5), 0, FAST)));
            assertTrue(notified.await(3, TimeUnit.SECONDS));
            int seen = calls.get();
            while (calls.get() < seen + 3) {
                Thread.sleep(5); // still scheduled after both threw
            }
            assertEquals(Optional.of(CheckState.DOWN), hc.state("rs"));
        }
    }

    @Test
    void removeAndCloseStopChecking() throws Exception {
        Switch s = new Switch();
        HealthChecker<String> hc = new HealthChecker<>((t, from, to) -> { });
        hc.add("rs", CheckState.UP, new CheckSpec(s, new CheckPolicy(Duration.ofMillis(5), 0, FAST)));
        assertThrows(IllegalStateException.class,
                () -> hc.add("rs", CheckState.UP, new CheckSpec(s, CheckPolicy.defaults())));
        while (s.attempts.get() < 3) {
            Thread.sleep(5);
        }
        assertTrue(hc.remove("rs"));
        assertFalse(hc.remove("rs"));
        Thread.sleep(30);
        int after = s.attempts.get();
        Thread.sleep(100);
        assertEquals(after, s.attempts.get(), "no attempts after remove");
        assertEquals(Optional.empty(), hc.state("rs"));

        Switch t = new Switch();
        hc.add("rs2", CheckState.UP, new CheckSpec(t, new CheckPolicy(Duration.ofMillis(5), 0, FAST)));
        while (t.attempts.get() < 3) {
            Thread.sleep(5);
        }
        hc.close();
        int closed = t.attempts.get();
        Thread.sleep(100);
        assertEquals(closed, t.attempts.get(), "no attempts after close");
        assertThrows(IllegalStateException.class,
                () -> hc.add("rs3", CheckState.UP, new CheckSpec(t, CheckPolicy.defaults())));
        hc.close(); // idempotent
    }

    @Test
    void realChecksAgainstALocalServer() throws Exception {
        BlockingQueue<Transition> q = new LinkedBlockingQueue<>();
        InetAddress lo = InetAddress.getLoopbackAddress();
        ServerSocket server = new ServerSocket(0, 5, lo);
        int port = server.getLocalPort();
        try (HealthChecker<String> hc = new HealthChecker<>((t, from, to) -> q.add(new Transition(t, from, to, 0)))) {
            hc.add("tcp", CheckState.DOWN, new CheckSpec(
                    TcpConnectCheck.builder(lo, port).connectTimeout(Duration.ofMillis(200)).build(),
                    new CheckPolicy(FAST, 1, FAST)));
            assertEquals(CheckState.UP, poll(q).to());
            server.close();
            assertEquals(CheckState.DOWN, poll(q).to());
        } finally {
            try {
                server.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    @Test
    void policyValidation() {
        assertThrows(IllegalArgumentException.class, () -> new CheckPolicy(Duration.ZERO, 1, FAST));
        assertThrows(IllegalArgumentException.class, () -> new CheckPolicy(FAST, -1, FAST));
        assertThrows(IllegalArgumentException.class, () -> new CheckPolicy(FAST, 1, Duration.ofMillis(-1)));
        assertEquals(new CheckPolicy(Duration.ofSeconds(60), 1, Duration.ofSeconds(1)), CheckPolicy.defaults());
    }
}
