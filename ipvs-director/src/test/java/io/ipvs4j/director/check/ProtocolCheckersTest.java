package io.ipvs4j.director.check;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SMTP_CHECK, DNS_CHECK, UDP_CHECK and PING_CHECK against local servers on 127.0.0.1: up,
 * down (nothing listening), slow (never answers), and wrong answers.
 */
class ProtocolCheckersTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final Duration SHORT = Duration.ofMillis(500);
    private final List<AutoCloseable> servers = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : servers) {
            c.close();
        }
    }

    private static int closedTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    private static int closedUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    // ---- SMTP ----

    /** A one-connection-at-a-time SMTP server: {@code script} maps each received line (null: connected) to the reply. */
    private int smtpServer(Function<String, String> script, List<String> received) throws IOException {
        ServerSocket ss = new ServerSocket(0, 50, LOOPBACK);
        servers.add(ss);
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try (Socket s = ss.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = s.getOutputStream();
                    String line = null;
                    do {
                        if (line != null) {
                            received.add(line);
                        }
                        String reply = script.apply(line);
                        if (reply == null) {
                            break;
                        }
                        if (!reply.isEmpty()) {
                            out.write(reply.getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                    } while ((line = in.readLine()) != null);
                } catch (IOException e) {
                    // next connection
                }
            }
        }, "test-smtp");
        t.setDaemon(true);
        t.start();
        return ss.getLocalPort();
    }

    private static Function<String, String> smtp(String banner, String helo) {
        return line -> line == null ? banner
                : line.startsWith("HELO") ? helo
                : line.equals("QUIT") ? "221 bye\r\n" : "500 what\r\n";
    }

    @Test
    void smtpDialogueUpAndItsWrongAnswers() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        int good = smtpServer(smtp("220 mx.example.org ESMTP\r\n", "250 hello\r\n"), received);
        CheckResult up = SmtpCheck.builder(LOOPBACK, good).heloName("lb1.example.org").connectTimeout(SHORT).build().check();
        assertTrue(up.healthy(), up.detail());
        assertEquals(List.of("HELO lb1.example.org", "QUIT"), received, "HELO with helo_name, then QUIT");

        received.clear();
        int defaultName = smtpServer(smtp("220 mx\r\n", "250 hello\r\n"), received);
        assertTrue(SmtpCheck.builder(LOOPBACK, defaultName).connectTimeout(SHORT).build().check().healthy());
        assertEquals("HELO smtpchecker.keepalived.org", received.get(0), "keepalived's default helo_name");

        int multiLine = smtpServer(smtp("220-mx.example.org\r\n220 ready\r\n", "250 hello\r\n"), new CopyOnWriteArrayList<>());
        CheckResult ml = SmtpCheck.builder(LOOPBACK, multiLine).connectTimeout(SHORT).build().check();
        assertTrue(ml.healthy(), "a multi-line greeting is read to its last line: " + ml.detail());

        int refusing = smtpServer(smtp("554 no service\r\n", "250 hello\r\n"), new CopyOnWriteArrayList<>());
        CheckResult r1 = SmtpCheck.builder(LOOPBACK, refusing).connectTimeout(SHORT).build().check();
        assertFalse(r1.healthy());
        assertTrue(r1.detail().contains("greeting 554"), r1.detail());

        int badHelo = smtpServer(smtp("220 mx\r\n", "501 syntax\r\n"), new CopyOnWriteArrayList<>());
        CheckResult r2 = SmtpCheck.builder(LOOPBACK, badHelo).connectTimeout(SHORT).build().check();
        assertFalse(r2.healthy());
        assertTrue(r2.detail().contains("HELO with 501"), r2.detail());

        int garbage = smtpServer(smtp("SSH-2.0-OpenSSH\r\n", "250 hello\r\n"), new CopyOnWriteArrayList<>());
        assertFalse(SmtpCheck.builder(LOOPBACK, garbage).connectTimeout(SHORT).build().check().healthy());

        int hangsUpAfterHelo = smtpServer(line -> line == null ? "220 mx\r\n" : line.startsWith("HELO") ? "250 ok\r\n"
                : null, new CopyOnWriteArrayList<>());
        CheckResult r3 = SmtpCheck.builder(LOOPBACK, hangsUpAfterHelo).connectTimeout(SHORT).build().check();
        assertFalse(r3.healthy(), "the QUIT answer must arrive: " + r3.detail());
    }

    @Test
    void smtpDownAndSlow() throws Exception {
        CheckResult down = SmtpCheck.builder(LOOPBACK, closedTcpPort()).connectTimeout(SHORT).build().check();
        assertFalse(down.healthy());
        assertTrue(down.detail().contains("failed"), down.detail());

        int mute = smtpServer(line -> line == null ? "" : null, new CopyOnWriteArrayList<>());
        CheckResult slow = SmtpCheck.builder(LOOPBACK, mute).connectTimeout(SHORT).build().check();
        assertFalse(slow.healthy());
        assertTrue(slow.detail().contains("timed out"), slow.detail());
    }

    @Test
    void smtpReplyCodesAreKeepalivedsThreeDigits() {
        assertEquals(220, SmtpCheck.code("220 ready"));
        assertEquals(250, SmtpCheck.code("250"));
        assertEquals(-1, SmtpCheck.code("220-more"));
        assertEquals(-1, SmtpCheck.code("22 x"));
        assertEquals(-1, SmtpCheck.code("2200 x"));
        assertThrows(IllegalArgumentException.class, () -> SmtpCheck.builder(LOOPBACK, 25).heloName("a b"));
    }

    // ---- DNS ----

    /** A DNS server answering each query by {@code answer}: the reply datagrams for a query (possibly none). */
    private int dnsServer(Function<byte[], List<byte[]>> answer) throws IOException {
        DatagramSocket ds = new DatagramSocket(0, LOOPBACK);
        servers.add(ds);
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1500];
            while (!ds.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    ds.receive(p);
                    byte[] q = java.util.Arrays.copyOf(p.getData(), p.getLength());
                    for (byte[] r : answer.apply(q)) {
                        ds.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }, "test-dns");
        t.setDaemon(true);
        t.start();
        return ds.getLocalPort();
    }

    /** The query turned into a response with {@code rcode} (and, with {@code idDelta}, another ID). */
    private static byte[] response(byte[] q, int rcode, int idDelta) {
        byte[] r = q.clone();
        int id = (((q[0] & 0xff) << 8) | (q[1] & 0xff)) + idDelta;
        r[0] = (byte) (id >> 8);
        r[1] = (byte) id;
        r[2] = (byte) (0x80 | (q[2] & 0x01)); // QR, RD copied
        r[3] = (byte) (0x80 | rcode); // RA, rcode
        return r;
    }

    @Test
    void dnsQueryIsKeepalivedsAndAnswersAreJudgedByIdQrAndRcode() throws Exception {
        List<byte[]> queries = new CopyOnWriteArrayList<>();
        int good = dnsServer(q -> {
            queries.add(q);
            return List.of(response(q, 0, 0));
        });
        CheckResult up = DnsCheck.builder(LOOPBACK, good).type("a").name("www.example.org").connectTimeout(SHORT)
                .build().check();
        assertTrue(up.healthy(), up.detail());
        byte[] q = queries.get(0);
        assertEquals(0x01, q[2], "recursion desired");
        assertEquals(1, q[5], "one question");
        byte[] question = java.util.Arrays.copyOfRange(q, 12, q.length);
        assertArrayEquals(HexFormat.of().parseHex("03777777076578616d706c65036f726700" + "0001" + "0001"), question,
                "www.example.org A IN");

        queries.clear();
        assertTrue(DnsCheck.builder(LOOPBACK, good).connectTimeout(SHORT).build().check().healthy());
        assertArrayEquals(HexFormat.of().parseHex("00" + "0006" + "0001"),
                java.util.Arrays.copyOfRange(queries.get(0), 12, queries.get(0).length), "default: the root, SOA");

        int servfail = dnsServer(x -> List.of(response(x, 2, 0)));
        CheckResult sf = DnsCheck.builder(LOOPBACK, servfail).connectTimeout(SHORT).build().check();
        assertFalse(sf.healthy());
        assertTrue(sf.detail().contains("RCODE 2 (SERVFAIL)"), sf.detail());

        // a stray answer with another ID and an echo of the query are ignored, as keepalived does
        int noisy = dnsServer(x -> List.of(response(x, 5, 1), x, response(x, 0, 0)));
        CheckResult n = DnsCheck.builder(LOOPBACK, noisy).connectTimeout(SHORT).build().check();
        assertTrue(n.healthy(), n.detail());

        int onlyWrongId = dnsServer(x -> List.of(response(x, 0, 7)));
        CheckResult w = DnsCheck.builder(LOOPBACK, onlyWrongId).connectTimeout(SHORT).build().check();
        assertFalse(w.healthy(), "an answer to another query does not count");
    }

    @Test
    void dnsDownAndSlow() throws Exception {
        CheckResult down = DnsCheck.builder(LOOPBACK, closedUdpPort()).connectTimeout(SHORT).build().check();
        assertFalse(down.healthy());
        assertTrue(down.detail().contains("port unreachable"), down.detail());
        int silent = dnsServer(q -> List.of());
        CheckResult slow = DnsCheck.builder(LOOPBACK, silent).connectTimeout(SHORT).build().check();
        assertFalse(slow.healthy());
        assertTrue(slow.detail().contains("did not answer"), slow.detail());
        assertThrows(IllegalArgumentException.class, () -> DnsCheck.builder(LOOPBACK, 53).type("PTR"));
        assertThrows(IllegalArgumentException.class, () -> DnsCheck.builder(LOOPBACK, 53).name("a..b"));
        assertThrows(IllegalArgumentException.class, () -> DnsCheck.builder(LOOPBACK, 53).name("x".repeat(64) + ".org"));
    }

    // ---- UDP ----

    private int udpServer(Function<byte[], byte[]> reply, List<byte[]> received) throws IOException {
        return dnsServer(q -> {
            received.add(q);
            byte[] r = reply.apply(q);
            return r == null ? List.of() : List.of(r);
        });
    }

    @Test
    void udpWithoutRequireReplyPassesOnSilenceAndFailsOnPortUnreachable() throws Exception {
        List<byte[]> got = new CopyOnWriteArrayList<>();
        int silent = udpServer(q -> null, got);
        CheckResult up = UdpCheck.builder(LOOPBACK, silent).connectTimeout(SHORT).build().check();
        assertTrue(up.healthy(), up.detail());
        assertEquals("keepalived check - keepalived ch", new String(got.get(0), StandardCharsets.US_ASCII),
                "keepalived's 32-byte default payload");
        CheckResult down = UdpCheck.builder(LOOPBACK, closedUdpPort()).connectTimeout(SHORT).build().check();
        assertFalse(down.healthy());
        assertTrue(down.detail().contains("port unreachable"), down.detail());
        CheckResult required = UdpCheck.builder(LOOPBACK, silent).requireReply().connectTimeout(SHORT).build().check();
        assertFalse(required.healthy(), "require_reply: silence fails");
    }

    @Test
    void udpReplyIsMatchedWithWildcardsAndLengths() throws Exception {
        List<byte[]> got = new CopyOnWriteArrayList<>();
        int sip = udpServer(q -> "SIP/2.0 200 OK".getBytes(StandardCharsets.US_ASCII), got);
        byte[] payload = UdpCheck.hexPayload("4f 50 54494f4e53");
        assertArrayEquals("OPTIONS".getBytes(StandardCharsets.US_ASCII), payload);
        CheckResult up = UdpCheck.builder(LOOPBACK, sip).payload(payload)
                .requireReply(UdpCheck.Reply.hex("53 49 50 2f 32 2e 30 20 3x x0")).connectTimeout(SHORT).build().check();
        assertTrue(up.healthy(), up.detail());
        assertArrayEquals(payload, got.get(0));
        CheckResult wrong = UdpCheck.builder(LOOPBACK, sip).requireReply(UdpCheck.Reply.hex("53 49 50 2f 33"))
                .connectTimeout(SHORT).build().check();
        assertFalse(wrong.healthy());
        assertTrue(wrong.detail().contains("differs at octet 4"), wrong.detail());
        CheckResult tooShort = UdpCheck.builder(LOOPBACK, sip).requireReply(UdpCheck.Reply.hex("53"))
                .minReplyLength(20).connectTimeout(SHORT).build().check();
        assertFalse(tooShort.healthy(), tooShort.detail());
        CheckResult tooLong = UdpCheck.builder(LOOPBACK, sip).requireReply(UdpCheck.Reply.hex("53"))
                .maxReplyLength(5).connectTimeout(SHORT).build().check();
        assertFalse(tooLong.healthy(), tooLong.detail());
        CheckResult any = UdpCheck.builder(LOOPBACK, sip).requireReply().connectTimeout(SHORT).build().check();
        assertTrue(any.healthy(), any.detail());
        assertThrows(IllegalArgumentException.class, () -> UdpCheck.hexPayload("4x"), "no wildcards in a payload");
        assertThrows(IllegalArgumentException.class, () -> UdpCheck.Reply.hex("zz"));
        assertArrayEquals(new byte[] {0x00, 0x01}, UdpCheck.hexPayload("0 1"), "a lone digit is an octet");
    }

    // ---- PING ----

    @Test
    void pingIsThePingersEcho() {
        PingCheck.Pinger replies = (t, s, timeout) -> CompletableFuture.completedFuture(Duration.ofMillis(3));
        CheckResult up = new PingCheck(replies, LOOPBACK, null, SHORT).check();
        assertTrue(up.healthy(), up.detail());
        PingCheck.Pinger unreachable = (t, s, timeout) ->
                CompletableFuture.failedFuture(new java.net.NoRouteToHostException("host unreachable"));
        CheckResult down = new PingCheck(unreachable, LOOPBACK, null, SHORT).check();
        assertFalse(down.healthy());
        assertTrue(down.detail().contains("host unreachable"), down.detail());
        // a pinger that never completes cannot hold the check: the loop's timer ends it
        PingCheck.Pinger lost = (t, s, timeout) -> new CompletableFuture<>();
        CheckResult hung = new PingCheck(lost, LOOPBACK, null, Duration.ofMillis(100)).check();
        assertFalse(hung.healthy());
        assertTrue(hung.detail().contains("no echo reply"), hung.detail());
        List<Object[]> calls = new CopyOnWriteArrayList<>();
        PingCheck.Pinger recording = (t, s, timeout) -> {
            calls.add(new Object[] {t, s, timeout});
            return CompletableFuture.completedFuture(Duration.ZERO);
        };
        new PingCheck(recording, LOOPBACK, LOOPBACK, SHORT).check();
        assertArrayEquals(new Object[] {LOOPBACK, LOOPBACK, SHORT}, calls.get(0), "target, bindto, connect_timeout");
    }

    @Test
    void commandPingerPingsLoopback() {
        CheckResult up = new PingCheck(PingCheck.commandPinger(), LOOPBACK, null, Duration.ofSeconds(2)).check();
        assertTrue(up.healthy(), up.detail());
    }
}
