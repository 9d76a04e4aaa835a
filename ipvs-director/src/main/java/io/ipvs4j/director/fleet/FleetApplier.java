package io.ipvs4j.director.fleet;

import io.ipvs4j.Batch;
import io.ipvs4j.BatchResult;
import io.ipvs4j.Change;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.Reconciler;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.Scheduler;
import io.ipvs4j.model.ServiceKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Programs a {@link FleetState} into the kernel through a {@link Reconciler}, incrementally
 * (only the services that changed since the last apply), so that every director given the same
 * state holds the same table: for {@code mh} services the real servers added in {@link MhOrder#ORDER}
 * and with the {@code last_weight} etcd says, whatever this director's history (see
 * {@link MhOrder} for the kernel facts).
 *
 * <p>Per changed {@code mh} service: the servers the kernel holds out of order are removed and
 * added again (their connections stay: the kernel keeps a removed server in its trash and
 * restores it); a drained server (or one its health check finds DOWN, see
 * {@link FleetServer#down()}) that is new, or whose configured weight changed, or whose
 * history this applier does not know, is first set to its configured weight and then to 0 in a
 * second batch (between the two it is schedulable for a moment); a server configured with weight
 * 0 is added anew at weight 0 if the kernel may remember another weight. Services the fleet
 * removed are removed; services the fleet never listed are left alone.
 *
 * <pre>{@code
 * FleetApplier applier = new FleetApplier(ipvs);
 * applier.apply(FleetState.parse(prefix, entries));   // first: reads the kernel
 * applier.apply(nextState);                            // then: only what changed
 * }</pre>
 *
 * <p>Not thread-safe: one applier per director, called from one thread.
 */
public final class FleetApplier {
    private final Ipvs ipvs;
    private final Set<ServiceKey> owned = new HashSet<>();
    private final Reconciler reconciler;
    /** Per service and server, the last weight that was not 0 this applier gave it (the kernel's last_weight). */
    private final Map<ServiceKey, Map<Endpoint, Integer>> lastWeights = new HashMap<>();
    private FleetState applied;

    /**
     * What one apply did.
     *
     * @param results the Reconciler's results (one or two batches)
     * @param readded real servers removed and added again to restore the order or forget a weight
     * @param bumped drained real servers set to their configured weight before 0
     * @param changedServices the services that were diffed
     */
    public record Result(List<Reconciler.Result> results, int readded, int bumped, int changedServices) {
        /**
         * Copies.
         *
         * @param results the Reconciler's results
         * @param readded servers re-added
         * @param bumped drained servers bumped
         * @param changedServices services diffed
         */
        public Result {
            results = List.copyOf(results);
        }

        /** {@return whether every batch succeeded} */
        public boolean isSuccess() {
            return results.stream().allMatch(Reconciler.Result::isSuccess);
        }
    }

    /**
     * Creates an applier; nothing is read before the first {@link #apply}.
     *
     * @param ipvs the kernel client
     */
    public FleetApplier(Ipvs ipvs) {
        this.ipvs = Objects.requireNonNull(ipvs, "ipvs");
        this.reconciler = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(owned::contains));
    }

    /** {@return the state last applied with success, or empty} */
    public FleetState applied() {
        return applied == null ? FleetState.empty() : applied;
    }

    /**
     * Makes the kernel hold {@code next}, diffing only the services that changed since the last
     * successful apply (all of them the first time, or after a failure).
     *
     * @param next the whole desired state
     * @return what was done
     * @throws IpvsException if the kernel cannot be read or a batch cannot be sent
     */
    public Result apply(FleetState next) throws IpvsException {
        Objects.requireNonNull(next, "next");
        Map<ServiceKey, FleetState.FleetService> before = byKey(applied);
        Map<ServiceKey, FleetState.FleetService> after = byKey(next);
        boolean full = applied == null;
        List<FleetState.FleetService> changed = new ArrayList<>();
        for (Map.Entry<ServiceKey, FleetState.FleetService> e : after.entrySet()) {
            if (full || !e.getValue().equals(before.get(e.getKey()))) {
                changed.add(e.getValue());
            }
        }
        Set<ServiceKey> removed = new LinkedHashSet<>(before.keySet());
        removed.removeAll(after.keySet());
        owned.addAll(after.keySet());
        if (full) {
            reconciler.invalidate();
        }

        List<Change> readds = new ArrayList<>();
        List<Reconciler.DesiredService> phase1 = new ArrayList<>();
        List<Reconciler.DesiredService> phase2 = new ArrayList<>();
        int bumped = 0;
        for (FleetState.FleetService s : changed) {
            ServiceKey key = s.service().key();
            Map<Endpoint, Integer> known = lastWeights.getOrDefault(key, Map.of());
            List<Endpoint> kernelOrder = new ArrayList<>();
            Map<Endpoint, RealServer> held = new HashMap<>();
            if (ipvs.service(key).isPresent()) {
                for (RealServerStatus rs : ipvs.realServers(key)) {
                    kernelOrder.add(rs.realServer().endpoint());
                    held.put(rs.realServer().endpoint(), rs.realServer());
                }
            }
            Set<Endpoint> fresh = new HashSet<>();
            for (FleetServer f : s.servers()) {
                Endpoint ep = f.configured().endpoint();
                if (f.configured().weight() == 0 && held.containsKey(ep) && !Integer.valueOf(0).equals(known.get(ep))) {
                    fresh.add(ep);   // the kernel may remember an older weight: add it anew at 0
                }
            }
            List<Endpoint> desiredEndpoints = s.servers().stream().map(f -> f.configured().endpoint()).toList();
            List<Endpoint> addOrder;
            Set<Endpoint> readd = new HashSet<>();
            if (s.service().scheduler().equals(Scheduler.MH)) {
                MhOrder.Plan plan = MhOrder.plan(kernelOrder, desiredEndpoints, fresh);
                for (Endpoint ep : plan.readd()) {
                    readds.add(new Change.RemoveRealServer(key, ep));
                    readd.add(ep);
                }
                addOrder = plan.addOrder();
            } else {
                addOrder = MhOrder.sorted(desiredEndpoints);
            }
            Map<Endpoint, FleetServer> byEndpoint = new HashMap<>();
            s.servers().forEach(f -> byEndpoint.put(f.configured().endpoint(), f));
            // the Reconciler adds missing servers in list order: addOrder first, then the held rest
            List<Endpoint> order = new ArrayList<>(addOrder);
            for (Endpoint ep : desiredEndpoints) {
                if (!order.contains(ep)) {
                    order.add(ep);
                }
            }
            List<RealServer> first = new ArrayList<>();
            List<RealServer> last = new ArrayList<>();
            Map<Endpoint, Integer> nextKnown = new HashMap<>();
            boolean anyBump = false;
            for (Endpoint ep : order) {
                FleetServer f = byEndpoint.get(ep);
                int configured = f.configured().weight();
                boolean added = !held.containsKey(ep) || readd.contains(ep);
                // a DOWN server (health overlay) is held at 0 exactly as a drained one
                boolean bump = f.unavailable() && configured > 0
                        && (added || !Integer.valueOf(configured).equals(known.get(ep)));
                first.add(bump ? f.configured() : f.programmed());
                last.add(f.programmed());
                anyBump |= bump;
                bumped += bump ? 1 : 0;
                // what the kernel's last_weight is after this apply
                if (f.programmedWeight() > 0 || bump || added) {
                    nextKnown.put(ep, bump ? configured : f.programmedWeight());
                } else if (known.containsKey(ep)) {
                    nextKnown.put(ep, known.get(ep));
                }
            }
            phase1.add(new Reconciler.DesiredService(s.service(), first));
            if (anyBump) {
                phase2.add(new Reconciler.DesiredService(s.service(), last));
            }
            lastWeights.put(key, nextKnown);
        }
        for (ServiceKey key : removed) {
            lastWeights.remove(key);
        }

        List<Reconciler.Result> results = new ArrayList<>();
        applied = null;   // until every batch succeeded
        if (!readds.isEmpty()) {
            BatchResult r = ipvs.apply(Batch.of(readds));
            reconciler.invalidate();   // its cache no longer matches the kernel
            results.add(new Reconciler.Result(readds, r, false));
            if (!r.isSuccess()) {
                lastWeights.clear();
                return new Result(results, readds.size(), bumped, changed.size());
            }
        }
        Reconciler.Result r1 = reconciler.applyIncremental(phase1, removed);
        results.add(r1);
        if (r1.isSuccess() && !phase2.isEmpty()) {
            results.add(reconciler.applyIncremental(phase2, List.of()));
        }
        Result result = new Result(results, readds.size(), bumped, changed.size());
        if (result.isSuccess()) {
            applied = next;
        } else {
            lastWeights.clear();   // unknown again: the next apply re-reads and re-bumps
            reconciler.invalidate();
        }
        return result;
    }

    private static Map<ServiceKey, FleetState.FleetService> byKey(FleetState state) {
        Map<ServiceKey, FleetState.FleetService> map = new HashMap<>();
        if (state != null) {
            for (FleetState.FleetService s : state.services().values()) {
                map.put(s.service().key(), s);
            }
        }
        return map;
    }
}
