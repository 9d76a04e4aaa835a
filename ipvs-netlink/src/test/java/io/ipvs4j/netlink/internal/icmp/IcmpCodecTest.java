package io.ipvs4j.netlink.internal.icmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ipvs4j.model.InetAddresses;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** {@link IcmpCodec}: echo requests built, checksums, replies and errors parsed, truncated input. */
class IcmpCodecTest {
    private static final InetAddress US = InetAddresses.parse("192.0.2.1");
    private static final InetAddress TARGET = InetAddresses.parse("192.0.2.11");
    private static final InetAddress ROUTER = InetAddresses.parse("192.0.2.254");
    private static final InetAddress TARGET6 = InetAddresses.parse("2001:db8::11");

    private static ByteBuffer buffer(byte[] bytes) {
        // native order, as the pinger's direct buffers: the codec must not depend on it
        ByteBuffer b = ByteBuffer.allocate(Math.max(bytes.length, 1)).order(ByteOrder.nativeOrder());
        b.put(0, bytes);
        return b;
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void checksumOfRfc1071Example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (with the carries folded)
        assertEquals(~0xddf2 & 0xffff, IcmpCodec.checksum(buffer(hex("0001 f203 f4f5 f6f7")), 0, 8));
    }

    @Test
    void checksumPadsAnOddLastByteAndFoldsCarries() {
        assertEquals(~0x0100 & 0xffff, IcmpCodec.checksum(buffer(hex("01")), 0, 1));
        // ffff + ffff = 1fffe -> fffe + 1 = ffff -> checksum 0
        assertEquals(0, IcmpCodec.checksum(buffer(hex("ffff ffff")), 0, 4));
        // offset and length are honoured: only "f203" is summed
        assertEquals(~0xf203 & 0xffff, IcmpCodec.checksum(buffer(hex("0001 f203 f4f5")), 2, 2));
    }

    @Test
    void echoRequestV4MatchesAKnownCapture() {
        // A well-known capture: Windows ping, identifier 1, sequence 1, payload "abcdefghijklmnopqrstuvwabcdefghi"
        // goes out as 08 00 4d 5a 00 01 00 01 61 62 ...
        byte[] payload = "abcdefghijklmnopqrstuvwabcdefghi".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
        int length = IcmpCodec.writeEchoRequest(b, false, 1, 1, payload);
        assertEquals(40, length);
        byte[] out = new byte[length];
        b.get(0, out);
        assertEquals("08004d5a00010001", HexFormat.of().formatHex(out, 0, 8));
        assertEquals(0, IcmpCodec.checksum(b, 0, length), "a message with its checksum sums to 0");
    }

    @Test
    void echoRequestV6LeavesTheChecksumToTheKernel() {
        ByteBuffer b = ByteBuffer.allocate(64);
        int length = IcmpCodec.writeEchoRequest(b, true, 0xbeef, 0xfffe, new byte[] {1, 2, 3});
        assertEquals(11, length);
        byte[] out = new byte[length];
        b.get(0, out);
        assertEquals("80000000beeffffe010203", HexFormat.of().formatHex(out));
    }

    @Test
    void echoRequestRejectsOutOfRangeFieldsAndOversizedPayloads() {
        ByteBuffer b = ByteBuffer.allocate(16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IcmpCodec.writeEchoRequest(b, false, 0x10000, 0, new byte[0]));
        assertTrue(e.getMessage().contains("identifier") && e.getMessage().contains("65536"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IcmpCodec.writeEchoRequest(b, false, 0, -1, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> IcmpCodec.writeEchoRequest(b, false, 0, 0, new byte[9]));
    }

    /** An IPv4 datagram from {@code src} to {@code dst} carrying {@code icmp} (whose checksum is set here). */
    private static byte[] ipv4(InetAddress src, InetAddress dst, byte[] icmp) {
        byte[] d = new byte[20 + icmp.length];
        d[0] = 0x45;
        d[2] = (byte) (d.length >> 8);
        d[3] = (byte) d.length;
        d[8] = 64;
        d[9] = 1;
        System.arraycopy(src.getAddress(), 0, d, 12, 4);
        System.arraycopy(dst.getAddress(), 0, d, 16, 4);
        System.arraycopy(icmp, 0, d, 20, icmp.length);
        ByteBuffer b = ByteBuffer.wrap(d);
        b.putShort(22, (short) 0);
        b.putShort(22, (short) IcmpCodec.checksum(b, 20, icmp.length));
        return d;
    }

    private static byte[] echo(int type, int id, int seq, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.put(0, (byte) type).putShort(4, (short) id).putShort(6, (short) seq).put(8, payload);
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void parsesAnIpv4EchoReply() {
        byte[] d = ipv4(TARGET, US, echo(0, 0x1234, 0x0102, new byte[] {9, 8, 7}));
        IcmpCodec.EchoReply r = assertInstanceOf(IcmpCodec.EchoReply.class, IcmpCodec.parseIpv4(buffer(d), d.length));
        assertEquals(TARGET, r.source());
        assertEquals(0x1234, r.identifier());
        assertEquals(0x0102, r.sequence());
        assertArrayEquals(new byte[] {9, 8, 7}, r.payload());
    }

    @Test
    void ipv4HeaderOptionsAreSkipped() {
        byte[] plain = ipv4(TARGET, US, echo(0, 7, 8, new byte[4]));
        byte[] d = new byte[plain.length + 4];
        System.arraycopy(plain, 0, d, 0, 20);
        System.arraycopy(plain, 20, d, 24, plain.length - 20);
        d[0] = 0x46;   // IHL 6: one 4-byte option (zeros: end of options)
        d[3] = (byte) d.length;
        IcmpCodec.EchoReply r = assertInstanceOf(IcmpCodec.EchoReply.class, IcmpCodec.parseIpv4(buffer(d), d.length));
        assertEquals(7, r.identifier());
        assertEquals(8, r.sequence());
    }

    @Test
    void anIpv4ReplyWithABadChecksumIsMalformed() {
        byte[] d = ipv4(TARGET, US, echo(0, 1, 2, new byte[8]));
        d[30] ^= 1;   // a payload bit flipped in transit
        IcmpCodec.Malformed m = assertInstanceOf(IcmpCodec.Malformed.class, IcmpCodec.parseIpv4(buffer(d), d.length));
        assertTrue(m.why().contains("checksum"), m.why());
    }

    @Test
    void parsesAnIpv4DestinationUnreachableQuotingOurRequest() {
        byte[] request = echo(8, 0x4242, 77, new byte[56]);
        byte[] quoted = ipv4(US, TARGET, request);
        byte[] error = concat(hex("0301 0000 0000 0000"), java.util.Arrays.copyOf(quoted, 28));   // header + 8 bytes
        byte[] d = ipv4(ROUTER, US, error);
        IcmpCodec.Error e = assertInstanceOf(IcmpCodec.Error.class, IcmpCodec.parseIpv4(buffer(d), d.length));
        assertEquals(ROUTER, e.reporter());
        assertEquals(3, e.type());
        assertEquals(1, e.code());
        assertEquals(TARGET, e.originalDestination());
        assertEquals(0x4242, e.identifier());
        assertEquals(77, e.sequence());
        assertEquals("destination unreachable, host unreachable (type 3 code 1)", IcmpCodec.describeError(false, 3, 1));
    }

    @Test
    void anIpv4ErrorQuotingSomethingElseIsOther() {
        byte[] udp = new byte[28];
        System.arraycopy(ipv4(US, TARGET, new byte[8]), 0, udp, 0, 28);
        udp[9] = 17;   // the quoted datagram is UDP
        byte[] d = ipv4(ROUTER, US, concat(hex("0303 0000 0000 0000"), udp));
        assertEquals(new IcmpCodec.Other(3), IcmpCodec.parseIpv4(buffer(d), d.length));
        byte[] request = ipv4(US, TARGET, echo(8, 1, 1, new byte[4]));   // someone's echo request, looped back
        assertEquals(new IcmpCodec.Other(8), IcmpCodec.parseIpv4(buffer(request), request.length));
    }

    @Test
    void everyTruncationOfIpv4MessagesIsMalformedNeverAnException() {
        byte[] reply = ipv4(TARGET, US, echo(0, 1, 2, new byte[56]));
        byte[] quoted = ipv4(US, TARGET, echo(8, 1, 2, new byte[56]));
        byte[] error = ipv4(ROUTER, US, concat(hex("0b00 0000 0000 0000"), java.util.Arrays.copyOf(quoted, 28)));
        for (byte[] whole : new byte[][] {reply, error}) {
            for (int n = 0; n < whole.length; n++) {
                // the kernel delivered n bytes (the IP header still claims the whole length)
                byte[] cut = java.util.Arrays.copyOf(whole, n);
                IcmpCodec.Received r = IcmpCodec.parseIpv4(buffer(cut), n);
                assertInstanceOf(IcmpCodec.Malformed.class, r, n + " bytes: " + r);
            }
            assertTrue(!(IcmpCodec.parseIpv4(buffer(whole), whole.length) instanceof IcmpCodec.Malformed));
        }
        // a consistent but short error (the quote is cut below header + 8) is malformed too
        for (int quote = 0; quote < 28; quote++) {
            byte[] d = ipv4(ROUTER, US, concat(hex("0300 0000 0000 0000"), java.util.Arrays.copyOf(quoted, quote)));
            assertInstanceOf(IcmpCodec.Malformed.class, IcmpCodec.parseIpv4(buffer(d), d.length), quote + "-byte quote");
        }
        // a total length below header + ICMP header, and a non-IPv4 version
        byte[] tiny = java.util.Arrays.copyOf(reply, 24);
        tiny[3] = 24;
        assertInstanceOf(IcmpCodec.Malformed.class, IcmpCodec.parseIpv4(buffer(tiny), 24));
        byte[] v6 = reply.clone();
        v6[0] = 0x65;
        assertInstanceOf(IcmpCodec.Malformed.class, IcmpCodec.parseIpv4(buffer(v6), v6.length));
    }

    @Test
    void parsesAnIpv6EchoReply() {
        byte[] m = echo(129, 0xabcd, 0xffff, new byte[] {1, 2});
        IcmpCodec.EchoReply r = assertInstanceOf(IcmpCodec.EchoReply.class,
                IcmpCodec.parseIpv6(buffer(m), m.length, TARGET6));
        assertEquals(TARGET6, r.source());
        assertEquals(0xabcd, r.identifier());
        assertEquals(0xffff, r.sequence());
        assertArrayEquals(new byte[] {1, 2}, r.payload());
    }

    private static byte[] ipv6Header(InetAddress src, InetAddress dst, int nextHeader, int payloadLength) {
        byte[] h = new byte[40];
        h[0] = 0x60;
        h[4] = (byte) (payloadLength >> 8);
        h[5] = (byte) payloadLength;
        h[6] = (byte) nextHeader;
        h[7] = 64;
        System.arraycopy(src.getAddress(), 0, h, 8, 16);
        System.arraycopy(dst.getAddress(), 0, h, 24, 16);
        return h;
    }

    @Test
    void parsesAnIpv6DestinationUnreachableAndEveryTruncationIsMalformed() {
        InetAddress us6 = InetAddresses.parse("2001:db8::1");
        byte[] request = echo(128, 0x0707, 3, new byte[56]);
        byte[] m = concat(hex("0103 0000 0000 0000"), ipv6Header(us6, TARGET6, 58, request.length), request);
        IcmpCodec.Error e = assertInstanceOf(IcmpCodec.Error.class, IcmpCodec.parseIpv6(buffer(m), m.length, us6));
        assertEquals(1, e.type());
        assertEquals(3, e.code());
        assertEquals(TARGET6, e.originalDestination());
        assertEquals(0x0707, e.identifier());
        assertEquals(3, e.sequence());
        assertEquals("destination unreachable, address unreachable (type 1 code 3)", IcmpCodec.describeError(true, 1, 3));
        for (int n = 0; n < 8 + 40 + 8; n++) {
            assertInstanceOf(IcmpCodec.Malformed.class, IcmpCodec.parseIpv6(buffer(m), n, us6), n + " bytes");
        }
        byte[] reply = echo(129, 1, 1, new byte[0]);
        for (int n = 0; n < 8; n++) {
            assertInstanceOf(IcmpCodec.Malformed.class, IcmpCodec.parseIpv6(buffer(reply), n, TARGET6), n + " bytes");
        }
        // quoting a UDP datagram, or our header behind an extension header: not ours
        byte[] udp = concat(hex("0104 0000 0000 0000"), ipv6Header(us6, TARGET6, 17, 8), new byte[8]);
        assertEquals(new IcmpCodec.Other(1), IcmpCodec.parseIpv6(buffer(udp), udp.length, us6));
        // a neighbour solicitation (the filter passes it only if misconfigured) is not ours either
        byte[] ns = echo(135, 0, 0, new byte[16]);
        assertEquals(new IcmpCodec.Other(135), IcmpCodec.parseIpv6(buffer(ns), ns.length, us6));
    }
}
