package io.ipvs4j.model;

/**
 * Traffic counters and rate estimates of a service or real server ({@code IPVS_STATS_ATTR_*}).
 * Counters are u64 in the kernel; values above {@link Long#MAX_VALUE} appear negative here
 * (use {@link Long#toUnsignedString(long)}). On kernels before 4.1 only 32-bit counters exist
 * (bytes are 64-bit). Rates are per second and come from the kernel's estimator, which the
 * {@code run_estimation} sysctl can switch off (then they read 0).
 *
 * <pre>{@code
 * Stats s = status.stats();
 * System.out.println(s.connections() + " conns, " + s.bytesInPerSecond() + " B/s in");
 * }</pre>
 *
 * @param connections connections scheduled ({@code CONNS})
 * @param packetsIn incoming packets ({@code INPKTS})
 * @param packetsOut outgoing packets ({@code OUTPKTS})
 * @param bytesIn incoming bytes ({@code INBYTES})
 * @param bytesOut outgoing bytes ({@code OUTBYTES})
 * @param connectionsPerSecond {@code CPS}
 * @param packetsInPerSecond {@code INPPS}
 * @param packetsOutPerSecond {@code OUTPPS}
 * @param bytesInPerSecond {@code INBPS}
 * @param bytesOutPerSecond {@code OUTBPS}
 */
public record Stats(long connections, long packetsIn, long packetsOut, long bytesIn, long bytesOut,
                    long connectionsPerSecond, long packetsInPerSecond, long packetsOutPerSecond,
                    long bytesInPerSecond, long bytesOutPerSecond) {
    /** All zero, as after {@code ipvsadm -Z}. */
    public static final Stats ZERO = new Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
