package io.ipvs4j.vrrp;

import io.ipvs4j.model.InetAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The VRRP advertisement: its fields, and its encoding and validation (RFC 3768 section 5,
 * RFC 5798 section 5, keepalived's vrrp_check_packet in keepalived/vrrp/vrrp.c). Only the VRRP
 * message is handled here; the IP header (TTL, length) is checked by the transport.
 *
 * <pre>
 * v2:  | 2 | 1 | VRID | Priority | Count IPvX | Auth Type | Adver Int (s) | Checksum | addresses... | auth data (8) |
 * v3:  | 3 | 1 | VRID | Priority | Count IPvX | rsvd(4) Max Adver Int (12 bits, cs) | Checksum | addresses... |
 * </pre>
 *
 * @param version 2 or 3
 * @param virtualRouterId 1..255
 * @param priority 0..255 (0: the master stops)
 * @param advertInterval seconds (v2) or centiseconds (v3)
 * @param addresses the virtual addresses listed
 */
record VrrpPacket(int version, int virtualRouterId, int priority, int advertInterval, List<InetAddress> addresses) {
    static final int TYPE_ADVERTISEMENT = 1;
    static final int AUTH_NONE = 0;
    static final int AUTH_PASS = 1;
    static final int AUTH_DATA_BYTES = 8;
    static final int HEADER_BYTES = 8;
    static final int PROTOCOL = 112;

    VrrpPacket {
        addresses = List.copyOf(addresses);
    }

    /** Why a received message was not taken (each is counted in {@link VrrpStats}). */
    enum Rejection {
        TOO_SHORT, BAD_VERSION, BAD_TYPE, BAD_LENGTH, BAD_AUTH_TYPE, AUTH_FAILURE, BAD_CHECKSUM, INTERVAL_MISMATCH,
        OTHER_ROUTER
    }

    /** The result of {@link #decode}: a packet, or why there is none. */
    record Decoded(VrrpPacket packet, Rejection rejection) {
        boolean ok() {
            return packet != null;
        }
    }

    /** The encoded message for {@code config}'s instance; {@code source}/{@code destination} feed the v3 pseudo-header. */
    static byte[] encode(VrrpInstanceConfig config, int priority, InetAddress source, InetAddress destination) {
        List<InetAddress> addrs = config.virtualAddresses().stream().map(a -> a.address()).toList();
        return encode(new VrrpPacket(config.version().number(), config.virtualRouterId(), priority,
                config.advertIntervalField(), addrs), authData(config), !config.v3ChecksumAsV2(), source, destination);
    }

    /**
     * Encodes {@code packet}. v2 carries {@code authData} (null or 8 bytes: auth type PASS); v3
     * IPv4 includes the pseudo-header in the checksum when {@code pseudoHeader}; v3 IPv6 always
     * does (RFC 5798 section 5.2.8).
     */
    static byte[] encode(VrrpPacket p, byte[] authData, boolean pseudoHeader, InetAddress source, InetAddress destination) {
        boolean v6 = !p.addresses.isEmpty() && !(p.addresses.get(0) instanceof Inet4Address);
        int addrBytes = v6 ? 16 : 4;
        int length = HEADER_BYTES + p.addresses.size() * addrBytes + (p.version == 2 ? AUTH_DATA_BYTES : 0);
        byte[] b = new byte[length];
        b[0] = (byte) ((p.version << 4) | TYPE_ADVERTISEMENT);
        b[1] = (byte) p.virtualRouterId;
        b[2] = (byte) p.priority;
        b[3] = (byte) p.addresses.size();
        if (p.version == 2) {
            b[4] = (byte) (authData == null ? AUTH_NONE : AUTH_PASS);
            b[5] = (byte) p.advertInterval;
        } else {
            b[4] = (byte) ((p.advertInterval >> 8) & 0x0f);
            b[5] = (byte) p.advertInterval;
        }
        int at = HEADER_BYTES;
        for (InetAddress a : p.addresses) {
            System.arraycopy(a.getAddress(), 0, b, at, addrBytes);
            at += addrBytes;
        }
        if (p.version == 2 && authData != null) {
            System.arraycopy(authData, 0, b, at, AUTH_DATA_BYTES);
        }
        int sum = p.version == 3 && (v6 || pseudoHeader) ? pseudoHeaderSum(source, destination, length) : 0;
        int checksum = finish(sum(b, 0, length, sum));
        b[6] = (byte) (checksum >> 8);
        b[7] = (byte) checksum;
        return b;
    }

    /**
     * Validates and decodes a received message of {@code length} bytes for {@code config}'s
     * instance, in keepalived's order: length, version, auth (v2), interval (v2, a mismatch is
     * dropped as keepalived does to avoid two masters), type, checksum. A message of another
     * virtual router is {@link Rejection#OTHER_ROUTER}. IPv6 checksums are verified by the
     * kernel (IPV6_CHECKSUM) when {@code verifyIpv6Checksum} is false.
     */
    static Decoded decode(byte[] b, int length, VrrpInstanceConfig config, InetAddress source, InetAddress destination,
            boolean verifyIpv6Checksum) {
        boolean v6 = config.isIpv6();
        int addrBytes = v6 ? 16 : 4;
        if (length < HEADER_BYTES || length > b.length) {
            return reject(Rejection.TOO_SHORT);
        }
        int version = (b[0] >> 4) & 0x0f;
        int type = b[0] & 0x0f;
        int vrid = b[1] & 0xff;
        if (vrid != config.virtualRouterId()) {
            return reject(Rejection.OTHER_ROUTER);
        }
        int count = b[3] & 0xff;
        int expected = HEADER_BYTES + count * addrBytes + (version == 2 ? AUTH_DATA_BYTES : 0);
        if (version != config.version().number()) {
            return reject(Rejection.BAD_VERSION);
        }
        // keepalived accepts trailing bytes (Ethernet padding reaches the raw socket for short v2 frames)
        if (length < expected) {
            return reject(Rejection.BAD_LENGTH);
        }
        int interval;
        if (version == 2) {
            int authType = b[4] & 0xff;
            int want = config.authPass().isPresent() ? AUTH_PASS : AUTH_NONE;
            if (authType != AUTH_NONE && authType != AUTH_PASS) {
                return reject(Rejection.BAD_AUTH_TYPE);
            }
            if (authType != want) {
                return reject(Rejection.BAD_AUTH_TYPE);
            }
            if (want == AUTH_PASS && !constantTimeEquals(b, expected - AUTH_DATA_BYTES, authData(config))) {
                return reject(Rejection.AUTH_FAILURE);
            }
            interval = b[5] & 0xff;
            if (interval != config.advertIntervalField()) {
                return reject(Rejection.INTERVAL_MISMATCH);
            }
        } else {
            interval = ((b[4] & 0x0f) << 8) | (b[5] & 0xff);
        }
        if (type != TYPE_ADVERTISEMENT) {
            return reject(Rejection.BAD_TYPE);
        }
        if (!v6 || verifyIpv6Checksum) {
            int sum = version == 3 && (v6 || !config.v3ChecksumAsV2()) ? pseudoHeaderSum(source, destination, expected) : 0;
            if (finish(sum(b, 0, expected, sum)) != 0) {
                return reject(Rejection.BAD_CHECKSUM);
            }
        }
        List<InetAddress> addrs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            addrs.add(InetAddresses.fromBytes(Arrays.copyOfRange(b, HEADER_BYTES + i * addrBytes, HEADER_BYTES + (i + 1) * addrBytes)));
        }
        return new Decoded(new VrrpPacket(version, vrid, b[2] & 0xff, interval, addrs), null);
    }

    /** The 8-byte v2 auth data: the password NUL-padded (keepalived's memset + strncpy), or null. */
    static byte[] authData(VrrpInstanceConfig config) {
        if (config.authPass().isEmpty()) {
            return null;
        }
        byte[] pw = config.authPass().get().getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(pw, AUTH_DATA_BYTES);
    }

    private static Decoded reject(Rejection r) {
        return new Decoded(null, r);
    }

    private static boolean constantTimeEquals(byte[] b, int offset, byte[] expected) {
        int diff = 0;
        for (int i = 0; i < expected.length; i++) {
            diff |= b[offset + i] ^ expected[i];
        }
        return diff == 0;
    }

    /** The one's-complement sum of the pseudo-header (RFC 768 for IPv4, RFC 8200 section 8.1 for IPv6). */
    static int pseudoHeaderSum(InetAddress source, InetAddress destination, int length) {
        byte[] s = source.getAddress();
        byte[] d = destination.getAddress();
        int sum = sum(s, 0, s.length, 0);
        sum = sum(d, 0, d.length, sum);
        sum += PROTOCOL;
        sum += length & 0xffff;
        sum += length >>> 16;
        return sum;
    }

    static int sum(byte[] b, int offset, int length, int sum) {
        int i = offset;
        int end = offset + length;
        for (; i + 1 < end; i += 2) {
            sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if (i < end) {
            sum += (b[i] & 0xff) << 8;
        }
        return sum;
    }

    static int finish(int sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }
}
