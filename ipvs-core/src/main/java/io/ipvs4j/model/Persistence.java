package io.ipvs4j.model;

import java.time.Duration;

/**
 * Client persistence of a service: ipvsadm {@code -p timeout -M netmask}
 * ({@code IPVS_SVC_ATTR_TIMEOUT}, {@code IPVS_SVC_ATTR_NETMASK}, flag {@code PERSISTENT}).
 * Connections from clients within the same netmask go to the same real server until the
 * timeout passes without traffic.
 *
 * <pre>{@code
 * Persistence.of(Duration.ofMinutes(5));       // ipvsadm -p 300
 * Persistence.of(Duration.ofMinutes(5), 24);   // ipvsadm -p 300 -M 255.255.255.0
 * }</pre>
 *
 * <p>The netmask is a prefix length. {@link #HOST} (-1) means "the full address", i.e. /32
 * for IPv4 and /128 for IPv6; {@link VirtualService} resolves it for the service's family
 * when it is built, so a built service never reports -1. Whether a prefix fits the family
 * (IPv4 0..32, IPv6 1..128) is also checked there, because only the service knows its family.
 *
 * @param timeout 1..2678400 whole seconds (31 days, ipvsadm's limit; the kernel stores more
 *     but ipvsadm then mis-lists it)
 * @param netmaskBits {@link #HOST} or a prefix length 0..128
 */
public record Persistence(Duration timeout, int netmaskBits) {
    /** Longest persistence timeout accepted: 31 days, as ipvsadm enforces. */
    public static final long MAX_TIMEOUT_SECONDS = 2_678_400L;
    /** Prefix length meaning "full host address" for whatever family the service has. */
    public static final int HOST = -1;
    /**
     * ipvsadm's timeout for a bare {@code -p}: 360 seconds ({@code IPVS_SVC_PERSISTENT_TIMEOUT},
     * {@code 6*60} in ipvsadm's {@code libipvs/libipvs.h}; the kernel has no default).
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(360);

    /**
     * Checks the timeout and the prefix length.
     *
     * @param netmaskBits {@link #HOST} or a prefix length 0..128
     * @param timeout 1..2678400 whole seconds (31 days, ipvsadm's limit; the kernel stores more but ipvsadm then mis-lists it)
     * @throws IllegalArgumentException naming the field, if the timeout is not 1..2678400 whole
     *     seconds or the prefix length is neither {@link #HOST} nor 0..128
     * @throws NullPointerException if the timeout is null
     */
    public Persistence {
        Checks.seconds("persistence timeout", timeout, 1, MAX_TIMEOUT_SECONDS);
        if (netmaskBits != HOST) {
            Checks.range("persistence netmaskBits", netmaskBits, 0, 128);
        }
    }

    /**
     * Persistence per client host (ipvsadm {@code -p seconds}).
     *
     * @param timeout 1..2678400 whole seconds
     * @return the persistence
     * @throws IllegalArgumentException if the timeout is out of range
     */
    public static Persistence of(Duration timeout) {
        return new Persistence(timeout, HOST);
    }

    /**
     * Persistence per client network of {@code netmaskBits} prefix length (ipvsadm
     * {@code -p seconds -M netmask}).
     *
     * @param timeout 1..2678400 whole seconds
     * @param netmaskBits {@link #HOST} or a prefix length 0..128
     * @return the persistence
     * @throws IllegalArgumentException if a value is out of range
     */
    public static Persistence of(Duration timeout, int netmaskBits) {
        return new Persistence(timeout, netmaskBits);
    }

    /**
     * The IPv4 netmask for a prefix length, as an int whose big-endian bytes are the mask:
     * {@code ipv4Mask(24) == 0xFFFFFF00}. The kernel takes IPv4 persistence netmasks in this
     * form ({@code nla_get_be32}), but IPv6 ones as a plain prefix length (uapi doc §4).
     *
     * @param prefixBits the prefix length
     * @return the mask
     * @throws IllegalArgumentException unless 0..32
     */
    public static int ipv4Mask(int prefixBits) {
        Checks.range("IPv4 prefix length", prefixBits, 0, 32);
        return prefixBits == 0 ? 0 : -1 << (32 - prefixBits);
    }

    /**
     * The prefix length of an IPv4 netmask given as in {@link #ipv4Mask(int)}:
     * {@code prefixLength(0xFFFFFF00) == 24}.
     *
     * @throws IllegalArgumentException if the mask is not contiguous (the kernel stores e.g.
     *     255.0.255.0, but it is not a prefix and the model cannot represent it)
     * @param ipv4Mask the mask, big-endian bytes in an int
     * @return the prefix length 0..32
     */
    public static int prefixLength(int ipv4Mask) {
        int bits = Integer.bitCount(ipv4Mask);
        if (ipv4Mask != (bits == 0 ? 0 : -1 << (32 - bits))) {
            throw new IllegalArgumentException("IPv4 netmask must be contiguous, was "
                    + ((ipv4Mask >>> 24) & 0xff) + "." + ((ipv4Mask >>> 16) & 0xff) + "."
                    + ((ipv4Mask >>> 8) & 0xff) + "." + (ipv4Mask & 0xff));
        }
        return bits;
    }

    /** {@return the timeout in seconds, as the kernel takes it} */
    public long timeoutSeconds() {
        return timeout.getSeconds();
    }

    /**
     * A persistence netmask as text, as a prefix length for {@code family}: a dotted IPv4
     * mask ({@code 255.255.255.0}, ipvsadm's {@code -M} for IPv4), or a prefix length
     * ({@code 24} or {@code /24}; ipvsadm's {@code -M} for IPv6).
     *
     * <pre>{@code
     * Persistence.parseNetmask("255.255.255.0", AddressFamily.INET); // 24
     * Persistence.parseNetmask("/64", AddressFamily.INET6);          // 64
     * }</pre>
     *
     * @throws IllegalArgumentException naming the text if it is neither, the dotted mask is
     *     not contiguous, a dotted mask is given for IPv6, or the prefix does not fit the family
     *     (IPv4 0..32, IPv6 1..128)
     * @param text the netmask as ipvsadm's {@code -M} takes it
     * @param family the service's address family
     * @return the prefix length
     */
    public static int parseNetmask(String text, AddressFamily family) {
        java.util.Objects.requireNonNull(text, "netmask");
        java.util.Objects.requireNonNull(family, "family");
        String s = text.startsWith("/") ? text.substring(1) : text;
        if (s.indexOf('.') >= 0) {
            if (family != AddressFamily.INET) {
                throw new IllegalArgumentException("netmask for IPv6 must be a prefix length 1..128, was \"" + text + "\"");
            }
            java.net.InetAddress a;
            try {
                a = InetAddresses.parse(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("netmask must be a dotted IPv4 mask or a prefix length, was \""
                        + text + "\"", e);
            }
            byte[] b = a.getAddress();
            if (b.length != 4) {
                throw new IllegalArgumentException("netmask must be a dotted IPv4 mask, was \"" + text + "\"");
            }
            int mask = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
            return prefixLength(mask);
        }
        int min = family == AddressFamily.INET6 ? 1 : 0;
        if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(s) < min || Integer.parseInt(s) > family.addressBits()) {
            throw new IllegalArgumentException("netmask must be a prefix length " + min + ".." + family.addressBits()
                    + " for " + family.label() + (family == AddressFamily.INET ? " or a dotted mask" : "")
                    + ", was \"" + text + "\"");
        }
        return Integer.parseInt(s);
    }
}
