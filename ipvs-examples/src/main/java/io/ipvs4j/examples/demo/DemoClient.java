package io.ipvs4j.examples.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The demo's client: a long-lived JVM in the client's network namespace that sends HTTP GETs
 * to one address on request, one new TCP connection each (so that IPVS schedules every request).
 * Started once, it reads a count per line on stdin and answers with one line per request,
 * {@code ANSWER <first line of the body>} or {@code ERROR <reason>}, then {@code DONE}; this
 * saves a JVM start (seconds in the VM) per round.
 *
 * <pre>
 * ip netns exec client java -cp ... io.ipvs4j.examples.demo.DemoClient 192.0.2.100 80
 * 3            <- stdin
 * ANSWER rs1
 * ANSWER rs2
 * ANSWER rs1
 * DONE
 * </pre>
 */
public final class DemoClient {
    private DemoClient() {
    }

    /** {@code DemoClient ADDRESS PORT}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: DemoClient ADDRESS PORT");
            System.exit(2);
        }
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("READY");
        System.out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            int n = Integer.parseInt(line.trim());
            for (int i = 0; i < n; i++) {
                System.out.println(get(target, args[0]));
            }
            System.out.println("DONE");
            System.out.flush();
        }
    }

    /** One GET /; never throws. */
    static String get(InetSocketAddress target, String host) {
        try (Socket s = new Socket()) {
            s.connect(target, 2000);
            s.setSoTimeout(3000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int bodyAt = response.indexOf("\r\n\r\n");
            String status = response.lines().findFirst().orElse("");
            if (bodyAt < 0 || !status.contains(" 200")) {
                return "ERROR bad response: " + status;
            }
            String body = response.substring(bodyAt + 4).strip();
            return "ANSWER " + (body.isEmpty() ? "(empty)" : body.lines().findFirst().orElse(""));
        } catch (IOException e) {
            return "ERROR " + e;
        }
    }
}
