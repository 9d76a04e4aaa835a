package io.ipvs4j.director.controller;

import com.sun.net.httpserver.HttpServer;
import io.ipvs4j.IpvsException;
import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConverter;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.testing.InMemoryIpvs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** Local HTTP "real servers" whose health a test switches, and helpers around them. */
final class TestBackends implements AutoCloseable {
    static final ServiceKey WEB = ServiceKey.tcp("192.0.2.100", 80);

    /** One local HTTP server answering /health with a status the test sets. */
    static final class Backend implements AutoCloseable {
        final HttpServer server;
        final AtomicInteger status = new AtomicInteger(200);

        Backend() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.createContext("/health", ex -> {
                try (ex) {
                    ex.sendResponseHeaders(status.get(), -1);
                }
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        String endpoint() {
            return "127.0.0.1:" + port();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    final Backend a;
    final Backend b;

    TestBackends() throws IOException {
        a = new Backend();
        b = new Backend();
    }

    /** A keepalived.conf with VIP 192.0.2.100:80 and both backends checked every 50 ms, no retry. */
    String conf(String extraRealServerOptions) {
        StringBuilder sb = new StringBuilder("virtual_server 192.0.2.100 80 {\n delay_loop 0.05\n lb_algo wrr\n"
                + " lb_kind NAT\n protocol TCP\n");
        int weight = 2;
        for (Backend x : List.of(a, b)) {
            sb.append(" real_server 127.0.0.1 ").append(x.port()).append(" {\n  weight ").append(weight++)
                    .append('\n').append(extraRealServerOptions)
                    .append("  HTTP_GET { url { path /health status_code 200 } connect_timeout 1 retry 0 }\n }\n");
        }
        return sb.append("}\n").toString();
    }

    DesiredState desired(String extraRealServerOptions) throws Exception {
        return KeepalivedConverter.toDesiredState(KeepalivedParser.parse(conf(extraRealServerOptions)));
    }

    /** The weights of the service's real servers in {@code ipvs}, by endpoint text. */
    static Map<String, Integer> weights(InMemoryIpvs ipvs, ServiceKey key) throws IpvsException {
        Map<String, Integer> out = new TreeMap<>();
        for (RealServerStatus rs : ipvs.realServers(key)) {
            out.put(rs.endpoint().toString(), rs.realServer().weight());
        }
        return out;
    }

    /** Polls until {@code ok} holds for the weights (5 s at most); returns them. */
    static Map<String, Integer> await(InMemoryIpvs ipvs, Predicate<Map<String, Integer>> ok, String what)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        Map<String, Integer> last = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                last = weights(ipvs, WEB);
            } catch (io.ipvs4j.ServiceNotFoundException e) {
                last = Map.of();
            }
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("timed out waiting for " + what + "; real servers: " + last);
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
