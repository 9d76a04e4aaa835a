package io.ipvs4j.netlink.internal.icmp;

import io.ipvs4j.model.InetAddresses;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * ICMP echo messages: builds echo requests and parses what a raw ICMP / ICMPv6 socket receives.
 * Pure Java, no native calls: every read is bounded by the received length, and anything that
 * does not fit is a {@link Malformed}, never an exception.
 *
 * <p>Layouts: ICMP header (RFC 792, RFC 4443 section 2.1) {@code type, code, checksum,
 * identifier, sequence}, 8 bytes, all multi-byte fields in network order. A raw IPv4 socket
 * delivers the IP header in front (Linux hands it over as received, lengths in network order);
 * a raw ICMPv6 socket delivers the ICMPv6 message alone, the source comes from the socket address.
 * An error message (destination unreachable, time exceeded) quotes the offending datagram's
 * IP header and at least its first 8 bytes (RFC 792; RFC 4443 quotes as much as fits), which is
 * the whole echo request header with its identifier and sequence.
 */
public final class IcmpCodec {
    /** ICMP header length (RFC 792). */
    public static final int HEADER = 8;
    public static final int V4_ECHO_REPLY = 0;
    public static final int V4_DEST_UNREACHABLE = 3;
    public static final int V4_ECHO_REQUEST = 8;
    public static final int V4_TIME_EXCEEDED = 11;
    public static final int V6_DEST_UNREACHABLE = 1;
    public static final int V6_TIME_EXCEEDED = 3;
    public static final int V6_ECHO_REQUEST = 128;
    public static final int V6_ECHO_REPLY = 129;
    private static final int IPV4_MIN_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int PROTOCOL_ICMP = 1;
    private static final int NEXT_HEADER_ICMPV6 = 58;

    private IcmpCodec() {}

    /** What one received datagram is. */
    public sealed interface Received permits EchoReply, Error, Malformed, Other {}

    /**
     * An echo reply.
     *
     * @param source the replying address
     * @param payload the bytes after the ICMP header (a copy)
     */
    public record EchoReply(InetAddress source, int identifier, int sequence, byte[] payload) implements Received {}

    /**
     * An ICMP error that quotes one of our echo requests.
     *
     * @param reporter the error's source (a router or the target)
     * @param originalDestination the destination of the quoted request
     */
    public record Error(InetAddress reporter, int type, int code, InetAddress originalDestination, int identifier,
            int sequence) implements Received {}

    /** A datagram too short or inconsistent to be read, or with a bad checksum. */
    public record Malformed(String why) implements Received {}

    /** A well-formed ICMP message that is none of the above (an echo request, an error quoting something else, ...). */
    public record Other(int type) implements Received {}

    /**
     * Writes an echo request at {@code b[0..]}: type, code 0, checksum (ICMPv4: computed; ICMPv6:
     * 0, the kernel fills it in with the pseudo-header on a raw ICMPv6 socket), identifier,
     * sequence, payload.
     *
     * @return the message length
     */
    public static int writeEchoRequest(ByteBuffer b, boolean v6, int identifier, int sequence, byte[] payload) {
        check16("identifier", identifier);
        check16("sequence", sequence);
        int length = HEADER + payload.length;
        if (length > b.capacity()) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes does not fit a "
                    + b.capacity() + "-byte buffer");
        }
        b.put(0, (byte) (v6 ? V6_ECHO_REQUEST : V4_ECHO_REQUEST));
        b.put(1, (byte) 0);
        putShort(b, 2, 0);
        putShort(b, 4, identifier);
        putShort(b, 6, sequence);
        b.put(HEADER, payload);
        if (!v6) {
            putShort(b, 2, checksum(b, 0, length));
        }
        return length;
    }

    /**
     * The Internet checksum (RFC 1071) of {@code b[from, from + length)}: the ones' complement of
     * the ones' complement sum of the 16-bit big-endian words, an odd last byte padded with zero.
     * Over a message whose checksum field is set it is 0.
     */
    public static int checksum(ByteBuffer b, int from, int length) {
        long sum = 0;
        int i = from;
        int end = from + length;
        for (; i + 1 < end; i += 2) {
            sum += ((b.get(i) & 0xff) << 8) | (b.get(i + 1) & 0xff);
        }
        if (i < end) {
            sum += (b.get(i) & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /**
     * Parses what a raw IPv4 ICMP socket received: {@code length} bytes at {@code b[0..]}, IP
     * header first. Checks the IP header, the ICMP checksum (raw sockets get the datagram before
     * the kernel's ICMP layer has looked at it) and, for an error, the quoted datagram.
     */
    public static Received parseIpv4(ByteBuffer b, int length) {
        if (length < IPV4_MIN_HEADER) {
            return new Malformed(length + "-byte datagram is shorter than an IPv4 header");
        }
        int version = (b.get(0) & 0xff) >>> 4;
        int ihl = (b.get(0) & 0x0f) * 4;
        if (version != 4 || ihl < IPV4_MIN_HEADER) {
            return new Malformed("not an IPv4 header (version " + version + ", header length " + ihl + ")");
        }
        int total = getShort(b, 2);
        if (total > length) {
            return new Malformed("IPv4 total length " + total + " exceeds the " + length + " bytes received");
        }
        if (total < ihl + HEADER) {
            return new Malformed("IPv4 total length " + total + " leaves no room for an ICMP header after "
                    + ihl + " header bytes");
        }
        if ((b.get(9) & 0xff) != PROTOCOL_ICMP) {
            return new Malformed("IPv4 protocol " + (b.get(9) & 0xff) + " is not ICMP");
        }
        int icmpLength = total - ihl;
        if (checksum(b, ihl, icmpLength) != 0) {
            return new Malformed("bad ICMP checksum");
        }
        InetAddress source = address(b, 12, 4);
        int type = b.get(ihl) & 0xff;
        int code = b.get(ihl + 1) & 0xff;
        if (type == V4_ECHO_REPLY) {
            return echoReply(b, ihl, icmpLength, source);
        }
        if (type != V4_DEST_UNREACHABLE && type != V4_TIME_EXCEEDED) {
            return new Other(type);
        }
        // the quoted datagram: IPv4 header + at least 8 bytes of the echo request
        int quoted = ihl + HEADER;
        int quotedLength = total - quoted;
        if (quotedLength < IPV4_MIN_HEADER) {
            return new Malformed("ICMP type " + type + " quotes " + quotedLength + " bytes, less than an IPv4 header");
        }
        int innerIhl = (b.get(quoted) & 0x0f) * 4;
        if ((b.get(quoted) & 0xff) >>> 4 != 4 || innerIhl < IPV4_MIN_HEADER) {
            return new Malformed("ICMP type " + type + " quotes no IPv4 header");
        }
        if (quotedLength < innerIhl + HEADER) {
            return new Malformed("ICMP type " + type + " quotes " + quotedLength + " bytes, less than the "
                    + innerIhl + "-byte IPv4 header and 8 bytes after it");
        }
        if ((b.get(quoted + 9) & 0xff) != PROTOCOL_ICMP || (b.get(quoted + innerIhl) & 0xff) != V4_ECHO_REQUEST) {
            return new Other(type);
        }
        int inner = quoted + innerIhl;
        return new Error(source, type, code, address(b, quoted + 16, 4), getShort(b, inner + 4), getShort(b, inner + 6));
    }

    /**
     * Parses what a raw ICMPv6 socket received: the {@code length}-byte ICMPv6 message at
     * {@code b[0..]} from {@code source} (the kernel has verified its checksum: it always does on
     * a raw ICMPv6 socket, RFC 3542 section 3.1).
     */
    public static Received parseIpv6(ByteBuffer b, int length, InetAddress source) {
        if (length < HEADER) {
            return new Malformed(length + "-byte ICMPv6 message is shorter than its header");
        }
        int type = b.get(0) & 0xff;
        int code = b.get(1) & 0xff;
        if (type == V6_ECHO_REPLY) {
            return echoReply(b, 0, length, source);
        }
        if (type != V6_DEST_UNREACHABLE && type != V6_TIME_EXCEEDED) {
            return new Other(type);
        }
        int quoted = HEADER;
        if (length - quoted < IPV6_HEADER + HEADER) {
            return new Malformed("ICMPv6 type " + type + " quotes " + (length - quoted)
                    + " bytes, less than an IPv6 header and 8 bytes after it");
        }
        if ((b.get(quoted) & 0xff) >>> 4 != 6) {
            return new Malformed("ICMPv6 type " + type + " quotes no IPv6 header");
        }
        // our requests carry no extension headers: anything else was not sent by us
        if ((b.get(quoted + 6) & 0xff) != NEXT_HEADER_ICMPV6 || (b.get(quoted + IPV6_HEADER) & 0xff) != V6_ECHO_REQUEST) {
            return new Other(type);
        }
        int inner = quoted + IPV6_HEADER;
        return new Error(source, type, code, address(b, quoted + 24, 16), getShort(b, inner + 4), getShort(b, inner + 6));
    }

    /** "destination unreachable, host unreachable (type 3 code 1)" and the like, for messages. */
    public static String describeError(boolean v6, int type, int code) {
        String what;
        if (!v6 && type == V4_DEST_UNREACHABLE) {
            String[] codes = {"network unreachable", "host unreachable", "protocol unreachable", "port unreachable",
                "fragmentation needed", "source route failed", "network unknown", "host unknown", "source host isolated",
                "network prohibited", "host prohibited", "network unreachable for TOS", "host unreachable for TOS",
                "communication administratively prohibited", "host precedence violation", "precedence cutoff"};
            what = "destination unreachable" + (code < codes.length ? ", " + codes[code] : "");
        } else if (v6 && type == V6_DEST_UNREACHABLE) {
            String[] codes = {"no route to destination", "communication administratively prohibited",
                "beyond scope of source address", "address unreachable", "port unreachable",
                "source address failed ingress/egress policy", "reject route to destination"};
            what = "destination unreachable" + (code < codes.length ? ", " + codes[code] : "");
        } else if (type == (v6 ? V6_TIME_EXCEEDED : V4_TIME_EXCEEDED)) {
            what = code == 0 ? "time exceeded in transit" : "fragment reassembly time exceeded";
        } else {
            what = "ICMP" + (v6 ? "v6" : "") + " error";
        }
        return what + " (type " + type + " code " + code + ")";
    }

    private static EchoReply echoReply(ByteBuffer b, int at, int length, InetAddress source) {
        byte[] payload = new byte[length - HEADER];
        b.get(at + HEADER, payload);
        return new EchoReply(source, getShort(b, at + 4), getShort(b, at + 6), payload);
    }

    private static InetAddress address(ByteBuffer b, int at, int length) {
        byte[] a = new byte[length];
        b.get(at, a);
        return InetAddresses.fromBytes(a);
    }

    static int getShort(ByteBuffer b, int at) {
        return ((b.get(at) & 0xff) << 8) | (b.get(at + 1) & 0xff);
    }

    static void putShort(ByteBuffer b, int at, int value) {
        b.put(at, (byte) (value >>> 8));
        b.put(at + 1, (byte) value);
    }

    private static void check16(String field, int value) {
        if (value < 0 || value > 0xffff) {
            throw new IllegalArgumentException(field + " must be 0..65535, was " + value);
        }
    }
}
