package io.ipvs4j.director.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.Ipvs;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.controller.LvsController;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import io.ipvs4j.testing.InMemoryIpvs;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A scrape must cost the checkers nothing but CPU: while one is stuck in its kernel read the
 * checks and the controller's applies go on, and concurrent scrapes wait for one render
 * instead of each rendering.
 */
class ScrapeIsolationTest {
    /** The fake kernel, whose next table read stops until {@link #release()}. */
    static final class StallingKernel {
        final InMemoryIpvs ipvs = new InMemoryIpvs();
        final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile boolean stallNext = true;

        /** An Ipvs that is {@link #ipvs} except that the first snapshot() waits for {@link #release()}. */
        Ipvs client() {
            return (Ipvs) Proxy.newProxyInstance(Ipvs.class.getClassLoader(), new Class<?>[] {Ipvs.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("snapshot") && stallNext) {
                            stallNext = false;
                            entered.countDown();
                            if (!released.await(30, TimeUnit.SECONDS)) {
                                throw new IllegalStateException("the test never released the kernel read");
                            }
                        }
                        try {
                            return method.invoke(ipvs, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        void release() {
            released.countDown();
        }
    }

    private static void awaitBlocked(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread t : threads) {
            while (t.getState() != Thread.State.BLOCKED) {
                assertTrue(System.nanoTime() < deadline, t.getName() + " never waited for the render: " + t.getState());
                Thread.sleep(5);
            }
        }
    }

    private static double kernelReads(DirectorMetrics.RenderedScrape r) {
        return Exposition.value(Exposition.parse(new String(r.text(), StandardCharsets.UTF_8)),
                "ipvs4j_kernel_reads_total", Map.of());
    }

    @Test
    void scrapesThatArriveDuringARenderShareTheNextOne() throws Exception {
        StallingKernel kernel = new StallingKernel();
        ServiceKey web = ServiceKey.tcp("192.0.2.10", 80);
        kernel.ipvs.addService(VirtualService.of(web, Scheduler.RR));
        kernel.ipvs.addRealServer(web, RealServer.of(Endpoint.of("198.51.100.2", 80)));
        // no cache at all: only the sharing of a render between waiting scrapes saves work
        DirectorMetrics metrics = DirectorMetrics.of(kernel.client(), null, Duration.ZERO);
        CompletableFuture<DirectorMetrics.RenderedScrape> first = CompletableFuture.supplyAsync(metrics::rendered);
        assertTrue(kernel.entered.await(10, TimeUnit.SECONDS), "the first scrape reads the kernel");

        List<Thread> waiting = new ArrayList<>();
        DirectorMetrics.RenderedScrape[] results = new DirectorMetrics.RenderedScrape[8];
        for (int i = 0; i < results.length; i++) {
            int slot = i;
            Thread t = new Thread(() -> results[slot] = metrics.rendered(), "scraper-" + i);
            waiting.add(t);
            t.start();
        }
        awaitBlocked(waiting);   // all eight wait for the stuck render
        kernel.release();
        DirectorMetrics.RenderedScrape firstResult = first.get(10, TimeUnit.SECONDS);
        for (Thread t : waiting) {
            t.join(10_000);
        }
        assertEquals(1, kernelReads(firstResult));
        // they arrived after the first render began, so its (older) state does not answer them;
        // one render made after they arrived answers all eight
        for (DirectorMetrics.RenderedScrape r : results) {
            assertNotSame(firstResult, r);
            assertSame(results[0], r);
        }
        assertEquals(2, kernelReads(results[0]), "two renders for nine concurrent scrapes");
        assertEquals(3, kernelReads(metrics.rendered()), "a scrape after them renders again (no cache)");
    }

    @Test
    void checksAndAppliesGoOnWhileAScrapeIsStuckInItsKernelRead() throws Exception {
        StallingKernel kernel = new StallingKernel();
        try (ServerSocket open = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket closing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int closedPort = closing.getLocalPort();
            closing.close();   // refused from now on: its real server goes DOWN
            LvsController c = LvsController.builder(kernel.ipvs, KeepalivedConverter.toDesiredState(
                    KeepalivedParser.parse(DirectorMetricsTest.conf(open.getLocalPort(), closedPort))))
                    .debounce(Duration.ofMillis(10)).build();
            try (c) {
                // the metrics read the kernel through a client of their own, as the director's do
                DirectorMetrics metrics = DirectorMetrics.of(kernel.client(), c, Duration.ZERO);
                CompletableFuture<DirectorMetrics.RenderedScrape> stuck = CompletableFuture.supplyAsync(metrics::rendered);
                assertTrue(kernel.entered.await(10, TimeUnit.SECONDS));
                Thread second = new Thread(metrics::rendered, "second-scraper");
                second.start();
                awaitBlocked(List.of(second));

                // while both scrapes wait: the first apply, the checks, the transition and its apply
                c.start();
                Endpoint refused = Endpoint.of("127.0.0.1", closedPort);
                DirectorMetricsTest.awaitState(c, refused, CheckState.DOWN);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (kernel.ipvs.realServers(DirectorMetricsTest.WEB).size() != 1) {
                    assertTrue(System.nanoTime() < deadline, "the DOWN real server was not removed while a scrape waited");
                    Thread.sleep(10);
                }
                assertTrue(!stuck.isDone(), "the scrape was still stuck all along");

                kernel.release();
                stuck.get(10, TimeUnit.SECONDS);
                second.join(10_000);
                Map<String, Exposition.Family> after = Exposition.parse(metrics.scrape());
                assertEquals(0, Exposition.value(after, "ipvs4j_real_server_up", DirectorMetricsTest.rs(
                        DirectorMetricsTest.svc("tcp", "192.0.2.10", "80", "", "ipv4"), "127.0.0.1", closedPort)));
            }
        }
    }
}
