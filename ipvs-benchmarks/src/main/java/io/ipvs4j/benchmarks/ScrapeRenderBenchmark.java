package io.ipvs4j.benchmarks;

import io.ipvs4j.director.controller.LvsController;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.director.metrics.DirectorMetrics;
import io.ipvs4j.director.metrics.MetricsServer;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Stats;
import io.ipvs4j.testing.InMemoryIpvs;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time and allocation of one {@code /metrics} render for the scrape-load benchmark's table:
 * one TCP service, 200 real servers (10 addresses x 20 ports, every one TCP_CHECKed once a
 * second against a listening loopback socket, so every per-server family has its sample),
 * the kernel on the in-memory fake with non-zero counters. Nothing is cached ({@code cacheFor}
 * 0), so each operation is a whole scrape: read, join, render; {@code httpPlain} and
 * {@code httpGzip} add the loopback HTTP request of a {@link MetricsServer}, without and with
 * {@code Accept-Encoding: gzip}. Setup prints the bytes of one scrape, plain and gzipped.
 *
 * <p>Run: {@code java -cp <classpath> org.openjdk.jmh.Main ScrapeRenderBenchmark -prof gc}
 * (see BENCHMARKS.md; {@code -jvmArgs -XX:TieredStopAtLevel=1} runs it as the director's
 * launcher does, C1 only).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ScrapeRenderBenchmark {
    private static final int ADDRESSES = 10;
    private static final int PORTS = 20;
    private static final ServiceKey SERVICE = ServiceKey.tcp("203.0.113.100", 80);

    private final List<ServerSocket> listeners = new ArrayList<>();
    private LvsController controller;
    private DirectorMetrics metrics;
    private MetricsServer server;
    private URL url;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        StringBuilder conf = new StringBuilder("virtual_server 203.0.113.100 80 {\n delay_loop 1\n lb_algo rr\n"
                + " lb_kind NAT\n protocol TCP\n");
        for (int p = 0; p < PORTS; p++) {
            // the wildcard address: 127.0.0.1..10 all reach it (all of 127/8 is loopback)
            ServerSocket s = new ServerSocket(0, 200, InetAddress.getByName("0.0.0.0"));
            listeners.add(s);
            for (int a = 1; a <= ADDRESSES; a++) {
                conf.append(" real_server 127.0.0.").append(a).append(' ').append(s.getLocalPort())
                        .append(" {\n  weight 1\n  TCP_CHECK { connect_timeout 1 retry 0 }\n }\n");
            }
        }
        conf.append("}\n");
        InMemoryIpvs ipvs = new InMemoryIpvs();
        controller = LvsController.builder(ipvs, KeepalivedConverter.toDesiredState(KeepalivedParser.parse(conf.toString())))
                .build();
        controller.start();
        long base = 1;
        for (ServerSocket s : listeners) {
            for (int a = 1; a <= ADDRESSES; a++) {
                // counters of a busy table: multi-digit values, as a real one has
                ipvs.setRealServerStatus(SERVICE, Endpoint.of("127.0.0." + a, s.getLocalPort()), 3 * base, base, 0,
                        new Stats(1000 * base, 9000 * base, 8000 * base, 4_000_000 * base, 90_000_000 * base,
                                base, 9 * base, 8 * base, 4000 * base, 90_000 * base));
                base++;
            }
        }
        metrics = DirectorMetrics.of(ipvs, controller, Duration.ZERO);
        // accepts nothing: a TCP_CHECK needs only the handshake, which the kernel completes
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (countLatencySamples(metrics.scrape()) < ADDRESSES * PORTS) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not every real server was checked within 30 s");
            }
            Thread.sleep(100);
        }
        server = MetricsServer.start(metrics, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        url = URI.create("http://127.0.0.1:" + server.address().getPort() + "/metrics").toURL();
        String body = metrics.scrape();
        System.out.printf("%nscrape: %d bytes, %d lines, %d real servers; gzipped over HTTP %d bytes%n",
                body.getBytes(StandardCharsets.UTF_8).length, body.lines().count(), ADDRESSES * PORTS, httpGzip());
    }

    private static long countLatencySamples(String body) {
        return body.lines().filter(l -> l.startsWith("ipvs4j_real_server_check_latency_seconds{")).count();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        server.close();
        controller.close();
        for (ServerSocket s : listeners) {
            s.close();
        }
    }

    /** One whole scrape: kernel read (the fake's), the controller's view, the text. */
    @Benchmark
    public String scrape() {
        return metrics.scrape();
    }

    /** A scrape over loopback HTTP (a kept-alive connection, as the JDK reuses them), plain text. */
    @Benchmark
    public int httpPlain() throws IOException {
        return get(null);
    }

    /** A scrape over loopback HTTP with {@code Accept-Encoding: gzip}, as Prometheus asks; the bytes read are the gzip's. */
    @Benchmark
    public int httpGzip() throws IOException {
        return get("gzip");
    }

    private int get(String acceptEncoding) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        if (acceptEncoding != null) {
            c.setRequestProperty("Accept-Encoding", acceptEncoding);
        }
        try (var in = c.getInputStream()) {
            return in.readAllBytes().length;
        }
    }
}
