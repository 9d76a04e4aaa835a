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
    /** ipvsadm's timeout for a bare {@code -p}: 300 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);

    public Persistence {
        Checks.seconds("persistence timeout", timeout, 1, MAX_TIMEOUT_SECONDS);
        if (netmaskBits != HOST) {
            Checks.range("persistence netmaskBits", netmaskBits, 0, 128);
        }
    }

    /** Persistence per client host (ipvsadm {@code -p seconds}). */
    public static Persistence of(Duration timeout) {
        return new Persistence(timeout, HOST);
    }

    /** Persistence per client network of {@code netmaskBits} prefix length. */
    public static Persistence of(Duration timeout, int netmaskBits) {
        return new Persistence(timeout, netmaskBits);
    }

    /** The timeout in seconds, as the kernel takes it. */
    public long timeoutSeconds() {
        return timeout.getSeconds();
    }
}
