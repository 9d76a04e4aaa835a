/**
 * Fleet mode: N active directors programmed from one desired state in etcd, each building the
 * same {@code mh} (Maglev) table so that a flow maps to the same real server whichever director
 * the upstream router's ECMP picks. {@link io.ipvs4j.director.fleet.FleetState} is the schema and
 * its parser, {@link io.ipvs4j.director.fleet.MhOrder} the deterministic real-server order with
 * the kernel facts it rests on, {@link io.ipvs4j.director.fleet.FleetApplier} the incremental
 * apply through the Reconciler. The etcd client itself lives in the separate module
 * {@code ipvs-fleet} (its gRPC tree stays out of the director).
 *
 * <pre>{@code
 * FleetApplier applier = new FleetApplier(ipvs);
 * applier.apply(FleetState.parse("/ipvs4j/fleet/", entriesFromEtcd));
 * }</pre>
 */
package io.ipvs4j.director.fleet;
