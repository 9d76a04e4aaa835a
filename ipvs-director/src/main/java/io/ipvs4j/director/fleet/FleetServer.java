package io.ipvs4j.director.fleet;

import io.ipvs4j.model.RealServer;
import java.util.Objects;

/**
 * One real server of a fleet service as etcd describes it: the server at its configured weight,
 * and whether it is drained. A drained server stays in the kernel's table with weight 0 (see
 * {@link MhOrder}): removing it would rebuild every director's {@code mh} table.
 *
 * <pre>{@code
 * FleetServer s = new FleetServer(RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(5).build(), true);
 * s.programmedWeight();   // 0: drained
 * }</pre>
 *
 * @param configured the server with the weight etcd gives it (its weight before any drain)
 * @param drained whether it takes no new connections (programmed with weight 0)
 */
public record FleetServer(RealServer configured, boolean drained) {
    /**
     * Checks the parts.
     *
     * @param configured the server with the weight etcd gives it
     * @param drained whether it takes no new connections
     */
    public FleetServer {
        Objects.requireNonNull(configured, "configured");
    }

    /** {@return the weight the kernel should finally hold: 0 when drained, else the configured one} */
    public int programmedWeight() {
        return drained ? 0 : configured.weight();
    }

    /** {@return the server as the kernel should finally hold it} */
    public RealServer programmed() {
        return drained ? configured.withWeight(0) : configured;
    }
}
