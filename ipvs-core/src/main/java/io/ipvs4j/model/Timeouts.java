package io.ipvs4j.model;

import java.time.Duration;

/**
 * The global IPVS connection timeouts ({@code IPVS_CMD_ATTR_TIMEOUT_TCP}, {@code _TCP_FIN},
 * {@code _UDP}); ipvsadm {@code --set tcp tcpfin udp}.
 *
 * <p>When <em>setting</em>, {@link Duration#ZERO} means "leave this one unchanged": the
 * kernel only replaces non-zero values ({@code if (u->tcp_timeout)} in ip_vs_ctl.c), and
 * there is no way to restore a default except by writing it. When <em>reading</em>, 0 means
 * the kernel was built without that protocol.
 *
 * <pre>{@code
 * ipvs.setTimeouts(Timeouts.ofSeconds(900, 120, 300));   // ipvsadm --set 900 120 300
 * ipvs.setTimeouts(Timeouts.ofSeconds(0, 0, 60));        // ipvsadm --set 0 0 60: UDP only
 * }</pre>
 *
 * @param tcp established TCP connections
 * @param tcpFin TCP connections after FIN
 * @param udp UDP "connections"
 */
public record Timeouts(Duration tcp, Duration tcpFin, Duration udp) {
    /**
     * Largest timeout: {@code INT_MAX / HZ} seconds for the largest common HZ (1000), above
     * which the kernel answers EINVAL.
     */
    public static final long MAX_SECONDS = Integer.MAX_VALUE / 1000;

    /** All zero: as a request, changes nothing. */
    public static final Timeouts UNCHANGED = new Timeouts(Duration.ZERO, Duration.ZERO, Duration.ZERO);

    /** The kernel's defaults (900 s, 120 s, 300 s), for restoring them. */
    public static final Timeouts KERNEL_DEFAULTS = ofSeconds(900, 120, 300);

    /**
     * Checks each timeout.
     *
     * @param udp UDP "connections"
     * @param tcp established TCP connections
     * @param tcpFin TCP connections after FIN
     * @throws IllegalArgumentException naming the field, if a timeout is negative, above
     *     {@link #MAX_SECONDS} or not whole seconds
     * @throws NullPointerException if a timeout is null
     */
    public Timeouts {
        Checks.seconds("tcp timeout", tcp, 0, MAX_SECONDS);
        Checks.seconds("tcpFin timeout", tcpFin, 0, MAX_SECONDS);
        Checks.seconds("udp timeout", udp, 0, MAX_SECONDS);
    }

    /**
     * Timeouts in seconds; 0 = unchanged.
     *
     * @param tcp established TCP connections, seconds
     * @param tcpFin TCP connections after FIN, seconds
     * @param udp UDP "connections", seconds
     * @return the timeouts
     * @throws IllegalArgumentException naming the field, if a value is out of range
     */
    public static Timeouts ofSeconds(long tcp, long tcpFin, long udp) {
        return new Timeouts(Duration.ofSeconds(tcp), Duration.ofSeconds(tcpFin), Duration.ofSeconds(udp));
    }

    /**
     * The result of applying {@code update} on top of these timeouts, as the kernel does:
     * zero fields of {@code update} keep the value here.
     *
     * @param update the timeouts being set
     * @return the timeouts in effect afterwards
     */
    public Timeouts apply(Timeouts update) {
        return new Timeouts(update.tcp.isZero() ? tcp : update.tcp,
                update.tcpFin.isZero() ? tcpFin : update.tcpFin,
                update.udp.isZero() ? udp : update.udp);
    }
}
