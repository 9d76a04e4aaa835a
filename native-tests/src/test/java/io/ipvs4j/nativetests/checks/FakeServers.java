package io.ipvs4j.nativetests.checks;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The real servers of {@link ChecksInNamespacesKernelTest}, run as a process of their own
 * inside a namespace: HTTP on 80, HTTPS on 443, SMTP on 25, DNS on 53/udp and a UDP echo-like
 * service on 5060/udp, all on ADDRESS. Each answer reads MODE_FILE: {@code ok} answers
 * correctly, anything else answers wrongly (HTTP 500, SMTP 554, DNS SERVFAIL, UDP "NO").
 *
 * <p>Usage: {@code FakeServers ADDRESS MODE_FILE KEYSTORE.p12} (password {@code changeit});
 * prints {@code ready} once every socket is bound.
 */
public final class FakeServers {
    private FakeServers() {
    }

    private static boolean ok(Path modeFile) {
        try {
            return Files.readString(modeFile).trim().equals("ok");
        } catch (IOException e) {
            return false;
        }
    }

    public static void main(String[] args) throws Exception {
        InetAddress address = InetAddress.getByName(args[0]);
        Path mode = Path.of(args[1]);
        byte[] page = "rs1\n".getBytes(StandardCharsets.US_ASCII);

        // the page, 200 while the mode file says ok, 500 otherwise: over HTTP, HTTPS and HTTP on IPv6
        com.sun.net.httpserver.HttpHandler pageHandler = ex -> {
            try (ex) {
                ex.sendResponseHeaders(ok(mode) ? 200 : 500, page.length);
                ex.getResponseBody().write(page);
            }
        };
        HttpServer http = HttpServer.create(new InetSocketAddress(address, 80), 64);
        http.setExecutor(Executors.newCachedThreadPool());
        http.createContext("/", pageHandler);
        http.start();
        if (args.length > 3) {
            // the same page over IPv6: the checks' sockets take the target's own family
            HttpServer http6 = HttpServer.create(new InetSocketAddress(InetAddress.getByName(args[3]), 80), 64);
            http6.setExecutor(Executors.newCachedThreadPool());
            http6.createContext("/", pageHandler);
            http6.start();
        }

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(args[2]))) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress(address, 443), 64);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        https.setExecutor(Executors.newCachedThreadPool());
        https.createContext("/", pageHandler);
        https.start();

        ServerSocket smtp = new ServerSocket(25, 64, address);
        daemon("smtp", () -> {
            while (true) {
                Socket s = smtp.accept();
                daemon("smtp-conn", () -> {
                    try (s) {
                        OutputStream out = s.getOutputStream();
                        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                StandardCharsets.US_ASCII));
                        out.write((ok(mode) ? "220 rs1.example.org ESMTP\r\n" : "554 no service\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        String line;
                        while ((line = in.readLine()) != null) {
                            String reply = line.startsWith("HELO") ? "250 rs1.example.org\r\n"
                                    : line.equals("QUIT") ? "221 bye\r\n" : "500 unknown\r\n";
                            out.write(reply.getBytes(StandardCharsets.US_ASCII));
                            if (line.equals("QUIT")) {
                                return null;
                            }
                        }
                    }
                    return null;
                });
            }
        });

        DatagramSocket dns = new DatagramSocket(new InetSocketAddress(address, 53));
        daemon("dns", () -> {
            byte[] buf = new byte[1500];
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                dns.receive(p);
                if (p.getLength() < 12) {
                    continue;
                }
                byte[] r = Arrays.copyOf(p.getData(), p.getLength());
                r[2] = (byte) (0x80 | (r[2] & 0x01));
                r[3] = (byte) (0x80 | (ok(mode) ? 0 : 2));
                dns.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
            }
        });

        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, 5060));
        daemon("udp", () -> {
            byte[] buf = new byte[1500];
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] r = (ok(mode) ? "SIP/2.0 200 OK" : "NO").getBytes(StandardCharsets.US_ASCII);
                udp.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
            }
        });
        System.out.println("ready");
        System.out.flush();
        Thread.currentThread().join();
    }

    @FunctionalInterface
    private interface Body {
        Object run() throws Exception;
    }

    private static void daemon(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                System.err.println(name + ": " + e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }
}
