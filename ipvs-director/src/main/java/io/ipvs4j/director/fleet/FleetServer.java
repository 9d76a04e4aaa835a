package io.ipvs4j.director.fleet;

import io.ipvs4j.model.RealServer;
import java.util.Objects;

/**
 * One real server of a fleet service as etcd describes it: the server at its configured weight,
 * and whether it is drained; plus whether this director's health check finds it DOWN (a local
 * overlay, see {@link FleetState#withDown}, never read from etcd). A drained or DOWN server
 * stays in the kernel's table with weight 0 (see {@link MhOrder}): removing it would rebuild
 * every director's {@code mh} table.
 *
 * <pre>{@code
 * FleetServer s = new FleetServer(RealServer.builder(Endpoint.of("198.51.100.3", 80)).weight(5).build(), true);
 * s.programmedWeight();                   // 0: drained
 * s.withDown(true).programmedWeight();    // 0 as well, on a server that is not drained but fails its check
 * }</pre>
 *
 * @param configured the server with the weight etcd gives it (its weight before any drain)
 * @param drained whether etcd says it takes no new connections (programmed with weight 0)
 * @param down whether this director's health check finds it DOWN (programmed with weight 0 here)
 */
public record FleetServer(RealServer configured, boolean drained, boolean down) {
    /**
     * Checks the parts.
     *
     * @param configured the server with the weight etcd gives it
     * @param drained whether it takes no new connections
     * @param down whether its health check finds it DOWN
     */
    public FleetServer {
        Objects.requireNonNull(configured, "configured");
    }

    /**
     * A server as etcd describes it, before any health overlay.
     *
     * @param configured the server with the weight etcd gives it
     * @param drained whether it takes no new connections
     */
    public FleetServer(RealServer configured, boolean drained) {
        this(configured, drained, false);
    }

    /**
     * This server with the health check's verdict.
     *
     * @param isDown whether its check finds it DOWN
     * @return the server, programmed with weight 0 while DOWN
     */
    public FleetServer withDown(boolean isDown) {
        return isDown == down ? this : new FleetServer(configured, drained, isDown);
    }

    /**
     * {@return whether it is held at weight 0 in the kernel (drained or DOWN) though it keeps
     * its place and its {@code last_weight} in the {@code mh} table}
     */
    public boolean unavailable() {
        return drained || down;
    }

    /** {@return the weight the kernel should finally hold: 0 when drained or DOWN, else the configured one} */
    public int programmedWeight() {
        return unavailable() ? 0 : configured.weight();
    }

    /** {@return the server as the kernel should finally hold it} */
    public RealServer programmed() {
        return unavailable() ? configured.withWeight(0) : configured;
    }
}
