package io.ipvs4j.examples.demo;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The demo's real-server web page: a tiny HTTP server that answers every GET with the name of
 * the node, so a client can see which real server the director chose. It runs as its own JVM
 * inside a real server's network namespace ({@code ip netns exec NS java -cp ... NodeHttpServer
 * 80 rs1}), because neither Python nor a busybox httpd can be counted on in the VM's root.
 *
 * <pre>
 * java -cp ipvs-examples.jar io.ipvs4j.examples.demo.NodeHttpServer 80 rs1
 * # GET / -> "rs1\n"; prints "listening on 0.0.0.0:80 as rs1" once ready
 * </pre>
 *
 * <p>It listens on the wildcard address, so it answers on its own address (the health check)
 * and on the VIP held on {@code lo} (the load-balanced traffic). SIGTERM stops it.
 */
public final class NodeHttpServer {
    private NodeHttpServer() {
    }

    /** {@code NodeHttpServer PORT NAME}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: NodeHttpServer PORT NAME");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        byte[] body = (args[1] + "\n").getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 64);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                // a new TCP connection per request, so every request is scheduled by IPVS anew
                exchange.getResponseHeaders().set("Connection", "close");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
        System.out.println("listening on 0.0.0.0:" + port + " as " + args[1]);
        System.out.flush();
    }
}
