package io.ipvs4j.director.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director's HTTP endpoint (JDK {@code com.sun.net.httpserver}): {@code /metrics} in the
 * Prometheus text format, {@code /healthz} (200 while the process runs), {@code /readyz} (200
 * once the first apply to the kernel succeeded, else 503) and a read-only status page at {@code /}.
 * Only GET and HEAD; two handler threads, so that a scrape storm waits in the accept queue
 * instead of reading the kernel in parallel (the reads are cached by {@link DirectorMetrics} too,
 * and concurrent scrapes share one render). {@code /metrics} is gzipped when the request accepts
 * it ({@code Accept-Encoding: gzip}, as Prometheus sends), with {@code Content-Encoding: gzip}
 * and {@code Vary: Accept-Encoding}; plain text otherwise. The text is the same either way.
 * Its connections are TCP_NODELAY: {@link #start} sets the JDK server's property
 * {@code sun.net.httpserver.nodelay} for the process unless it was set.
 *
 * <pre>{@code
 * try (MetricsServer s = MetricsServer.start(metrics, MetricsServer.parseListen("127.0.0.1:9280"))) {
 *     // curl http://127.0.0.1:9280/metrics
 * }
 * }</pre>
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    /** The JDK HTTP server's switch for TCP_NODELAY on its connections (default off). */
    static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving {@code metrics} on {@code address}.
     *
     * @param metrics what to serve
     * @param address where to listen, e.g. 127.0.0.1:9280 (port 0 picks a free one)
     * @return the running server; close it to stop
     * @throws IOException if the address cannot be bound
     */
    public static MetricsServer start(DirectorMetrics metrics, InetSocketAddress address) throws IOException {
        // TCP_NODELAY: without it a gzipped scrape (one header write, then a body that ends in a
        // part-filled segment) waited for the scraper's delayed ACK, ~40 ms, ten times the
        // render (ScrapeRenderBenchmark.httpGzip: 54 -> 5.6 ms). The JDK's server has no
        // per-server option, only this property, read once when its first server is made; an
        // explicit setting is left alone.
        if (System.getProperty(NODELAY_PROPERTY) == null) {
            System.setProperty(NODELAY_PROPERTY, "true");
        }
        HttpServer server = HttpServer.create(address, 64);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "ipvs4j-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", ex -> handle(ex, metrics));
        server.start();
        log.info("metrics and status page on http://{}/ (/metrics, /healthz, /readyz)",
                io.ipvs4j.model.InetAddresses.toText(server.getAddress().getAddress(), server.getAddress().getPort()));
        return new MetricsServer(server, executor);
    }

    /**
     * Parses {@code --metrics-listen}'s value: {@code ADDR:PORT}, {@code [IPv6]:PORT} or
     * {@code :PORT} / {@code PORT} for the loopback address.
     *
     * @param text the value
     * @return the socket address
     * @throws IllegalArgumentException naming the value when it is not one
     */
    public static InetSocketAddress parseListen(String text) {
        String host;
        String port;
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            host = "";
            port = text;
        } else {
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--metrics-listen: port must be 0..65535, was '" + port + "' in " + text);
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("--metrics-listen: port must be 0..65535, was " + p + " in " + text);
        }
        InetAddress a;
        try {
            a = host.isEmpty() ? InetAddress.getLoopbackAddress() : io.ipvs4j.model.InetAddresses.parse(host);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--metrics-listen: address must be an IP address, was '" + host
                    + "' in " + text);
        }
        return new InetSocketAddress(a, p);
    }

    /** {@return the address it listens on (with the port picked for port 0)} */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void handle(HttpExchange ex, DirectorMetrics metrics) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
                return;
            }
            String path = ex.getRequestURI().getPath();
            switch (path) {
                case "/metrics" -> sendScrape(ex, metrics.rendered());
                case "/healthz" -> send(ex, 200, "text/plain; charset=utf-8", "ok\n");
                case "/readyz" -> {
                    if (metrics.isReady()) {
                        send(ex, 200, "text/plain; charset=utf-8", "ready\n");
                    } else {
                        send(ex, 503, "text/plain; charset=utf-8", "not ready: the first apply has not succeeded\n");
                    }
                }
                case "/" -> send(ex, 200, "text/html; charset=utf-8", StatusPage.render(metrics.snapshot()));
                default -> send(ex, 404, "text/plain; charset=utf-8", "not found: " + path + "\n");
            }
        } catch (RuntimeException e) {
            log.error("metrics request {} failed", ex.getRequestURI(), e);
            throw e;
        }
    }

    private static void sendScrape(HttpExchange ex, DirectorMetrics.RenderedScrape scrape) throws IOException {
        ex.getResponseHeaders().set("Vary", "Accept-Encoding");
        if (acceptsGzip(ex.getRequestHeaders().get("Accept-Encoding"))) {
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
            send(ex, 200, PrometheusText.CONTENT_TYPE, scrape.gzip());
        } else {
            send(ex, 200, PrometheusText.CONTENT_TYPE, scrape.text());
        }
    }

    /**
     * Whether the {@code Accept-Encoding} values name gzip with a non-zero quality, e.g.
     * {@code gzip}, {@code deflate, gzip;q=0.5}; not {@code gzip;q=0}. A {@code *} is not taken
     * as gzip: identity is acceptable to such a client too.
     */
    static boolean acceptsGzip(List<String> acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String header : acceptEncoding) {
            for (String coding : header.split(",")) {
                String[] parts = coding.split(";");
                String name = parts[0].trim();
                if (!name.equalsIgnoreCase("gzip") && !name.equalsIgnoreCase("x-gzip")) {
                    continue;
                }
                boolean refused = false;
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].trim();
                    if (p.regionMatches(true, 0, "q=", 0, 2)) {
                        try {
                            refused = Double.parseDouble(p.substring(2).trim()) <= 0;
                        } catch (NumberFormatException e) {
                            refused = true;   // a malformed weight: do not guess, send identity
                        }
                    }
                }
                if (!refused) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Stops listening (requests in progress get a second to finish). */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }
}
