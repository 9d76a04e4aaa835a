package io.ipvs4j.model;

import java.util.Objects;

/**
 * A real server as the kernel reports it: its configuration plus connection counts and
 * counters ({@code IPVS_DEST_ATTR_ACTIVE_CONNS}, {@code _INACT_CONNS}, {@code _PERSIST_CONNS}).
 *
 * <pre>{@code
 * for (RealServerStatus r : ipvs.realServers(key)) {
 *     System.out.println(r.realServer().endpoint() + " active " + r.activeConnections());
 * }
 * }</pre>
 *
 * @param realServer the configuration
 * @param activeConnections established connections (u32 in the kernel)
 * @param inactiveConnections connections in other states
 * @param persistentConnections persistence templates pointing here
 * @param stats the counters
 */
public record RealServerStatus(RealServer realServer, long activeConnections, long inactiveConnections,
                               long persistentConnections, Stats stats) {
    /**
     * Checks the parts.
     *
     * @param realServer the configuration
     * @param activeConnections established connections (u32 in the kernel)
     * @param inactiveConnections connections in other states
     * @param persistentConnections persistence templates pointing here
     * @param stats the counters
     * @throws NullPointerException if the real server or the counters are null
     */
    public RealServerStatus {
        Objects.requireNonNull(realServer, "realServer");
        Objects.requireNonNull(stats, "stats");
    }

    /** {@return shorthand for {@code realServer().endpoint()}} */
    public Endpoint endpoint() {
        return realServer.endpoint();
    }
}
