package io.ipvs4j;

import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.VirtualService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Declarative apply: makes the kernel's table match a desired set of services and real
 * servers with the fewest changes (add what is missing, update only what differs, remove what
 * is not wanted), sent as one {@link Batch}.
 *
 * <pre>{@code
 * Reconciler reconciler = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withDrain(true));
 * ServiceKey web = ServiceKey.tcp("192.0.2.100", 80);
 * Reconciler.Result r = reconciler.apply(List.of(new Reconciler.DesiredService(
 *         VirtualService.builder(web).scheduler(Scheduler.RR).build(),
 *         List.of(RealServer.of(Endpoint.of("198.51.100.3", 80)), RealServer.of(Endpoint.of("198.51.100.4", 80))))));
 * System.out.println(r.changes());   // empty when the kernel already matched
 * }</pre>
 *
 * <p>Two modes: {@link #apply} reads the kernel's state (one service dump plus one real-server
 * dump per service) and diffs against it; {@link #applyIncremental} diffs against the state this
 * reconciler last applied, without reading the kernel, and falls back to a full apply every
 * {@link Options#fullResyncEvery()} calls, after any failed change, and the first time.
 *
 * <p>Only services for which {@link Options#owned()} is true are ever removed, so a controller
 * can share the table with rules it does not own. Not thread-safe: one reconciler per controller.
 */
public final class Reconciler {
    /**
     * A service as it should be, with all its real servers.
     *
     * @param service the service's configuration
     * @param realServers its real servers, at most one per endpoint
     */
    public record DesiredService(VirtualService service, List<RealServer> realServers) {
        public DesiredService {
            Objects.requireNonNull(service, "service");
            realServers = List.copyOf(realServers);
            java.util.Set<Endpoint> seen = new java.util.HashSet<>();
            for (RealServer rs : realServers) {
                RealServer.checkCompatible(service, rs);
                if (!seen.add(rs.endpoint())) {
                    throw new IllegalArgumentException("realServers lists " + rs.endpoint() + " twice for " + service.key());
                }
            }
        }
    }

    /**
     * Reconciler settings.
     *
     * @param drain set a real server that is no longer wanted to weight 0 (no new connections,
     *     existing ones finish) instead of removing it
     * @param removeDrainedWhenIdle in a full apply, remove a drained real server once it has no
     *     active or inactive connections left
     * @param owned which services this reconciler may remove (default: all)
     * @param fullResyncEvery in incremental mode, read the kernel again every N applies
     * @param batchOptions how the changes are sent
     */
    public record Options(boolean drain, boolean removeDrainedWhenIdle, Predicate<ServiceKey> owned,
            int fullResyncEvery, BatchOptions batchOptions) {
        /**
         * Remove (no drain), own everything, full resync every 100 incremental applies, one ACK
         * per system call (the kernel reports every failure anyway, so results stay exact).
         */
        public static final Options DEFAULT = new Options(false, false, key -> true, 100,
                BatchOptions.builder().ackMode(BatchOptions.AckMode.LAST_OF_EACH_SEND).build());

        public Options {
            Objects.requireNonNull(owned, "owned");
            Objects.requireNonNull(batchOptions, "batchOptions");
            if (fullResyncEvery < 1) {
                throw new IllegalArgumentException("fullResyncEvery must be at least 1, was " + fullResyncEvery);
            }
        }

        public Options withDrain(boolean drain) {
            return new Options(drain, removeDrainedWhenIdle, owned, fullResyncEvery, batchOptions);
        }

        public Options withRemoveDrainedWhenIdle(boolean remove) {
            return new Options(drain, remove, owned, fullResyncEvery, batchOptions);
        }

        public Options withOwned(Predicate<ServiceKey> owned) {
            return new Options(drain, removeDrainedWhenIdle, owned, fullResyncEvery, batchOptions);
        }

        public Options withFullResyncEvery(int n) {
            return new Options(drain, removeDrainedWhenIdle, owned, n, batchOptions);
        }

        public Options withBatchOptions(BatchOptions options) {
            return new Options(drain, removeDrainedWhenIdle, owned, fullResyncEvery, options);
        }
    }

    /**
     * What an apply did.
     *
     * @param changes the changes computed and sent, in order (empty: already converged)
     * @param batch the kernel's outcome of each change
     * @param fullSync whether the kernel's state was read for this apply
     */
    public record Result(List<Change> changes, BatchResult batch, boolean fullSync) {
        public boolean isSuccess() {
            return batch.isSuccess();
        }
    }

    /** A service's state as the diff sees it: configuration plus real servers with counters. */
    private record Current(VirtualService service, Map<Endpoint, RealServerStatus> realServers) {}

    private final Ipvs ipvs;
    private final Options options;
    private Map<ServiceKey, Current> lastApplied;
    private int incrementalSinceResync;

    public Reconciler(Ipvs ipvs, Options options) {
        this.ipvs = Objects.requireNonNull(ipvs, "ipvs");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Reads the kernel's state, diffs, and applies the difference. */
    public Result apply(Collection<DesiredService> desired) throws IpvsException {
        Map<ServiceKey, Current> current = readKernel();
        return send(index(desired), current, true, current.keySet());
    }

    private Map<ServiceKey, Current> readKernel() throws IpvsException {
        Map<ServiceKey, Current> current = new LinkedHashMap<>();
        for (ServiceSnapshot s : ipvs.snapshot()) {
            Map<Endpoint, RealServerStatus> servers = new LinkedHashMap<>();
            for (RealServerStatus rs : s.realServers()) {
                servers.put(rs.realServer().endpoint(), rs);
            }
            current.put(s.service().service().key(), new Current(s.service().service(), servers));
        }
        return current;
    }

    /**
     * Applies the difference between {@code desired} (the whole desired state) and what this
     * reconciler last applied, without reading the kernel (a full {@link #apply} when due, see
     * the class comment).
     */
    public Result applyIncremental(Collection<DesiredService> desired) throws IpvsException {
        if (resyncDue()) {
            return apply(desired);
        }
        return send(index(desired), lastApplied, false, lastApplied.keySet());
    }

    /**
     * Applies a delta relative to what this reconciler last applied: {@code upserts} are the
     * services that changed (each with all its real servers) and {@code removals} the services
     * no longer wanted. Only those services are diffed, so the cost follows the size of the
     * change, not of the table. Falls back to reading the kernel when a resync is due, in which
     * case the delta is applied on top of the kernel's state.
     *
     * <pre>{@code
     * reconciler.applyIncremental(List.of(changedService), List.of());
     * }</pre>
     */
    public Result applyIncremental(Collection<DesiredService> upserts, Collection<ServiceKey> removals)
            throws IpvsException {
        if (resyncDue()) {
            Map<ServiceKey, DesiredService> wanted = new LinkedHashMap<>();
            Map<ServiceKey, Current> current = readKernel();
            current.forEach((key, cur) -> wanted.put(key, new DesiredService(cur.service(),
                    cur.realServers().values().stream().map(RealServerStatus::realServer).toList())));
            for (ServiceKey key : removals) {
                wanted.remove(key);
            }
            for (DesiredService d : upserts) {
                wanted.put(d.service().key(), d);
            }
            return send(wanted, current, true, current.keySet());
        }
        Map<ServiceKey, DesiredService> wanted = index(upserts);
        java.util.Set<ServiceKey> scope = new java.util.LinkedHashSet<>(wanted.keySet());
        for (ServiceKey key : removals) {
            if (wanted.containsKey(key)) {
                throw new IllegalArgumentException("service " + key + " is both upserted and removed");
            }
            scope.add(key);
        }
        return send(wanted, lastApplied, false, scope);
    }

    private boolean resyncDue() {
        return lastApplied == null || ++incrementalSinceResync >= options.fullResyncEvery();
    }

    /** Forgets the last applied state: the next incremental apply reads the kernel. */
    public void invalidate() {
        lastApplied = null;
    }

    /**
     * Diffs {@code wanted} against {@code current}; services of {@code current} outside
     * {@code removalScope} are never removed (in a delta they are simply not mentioned).
     */
    private Result send(Map<ServiceKey, DesiredService> wanted, Map<ServiceKey, Current> current, boolean full,
            java.util.Set<ServiceKey> removalScope) throws IpvsException {
        List<Change> changes = diff(wanted, current, full, removalScope);
        // Forget the cached state until the kernel confirms this apply: a failed result or an
        // exception thrown from apply leaves the kernel unknown, so the next apply reads it.
        lastApplied = null;
        BatchResult result = changes.isEmpty()
                ? new BatchResult(List.of(), 0)
                : ipvs.apply(Batch.of(changes), options.batchOptions());
        if (result.isSuccess()) {
            applyInPlace(current, changes);
            lastApplied = current;
            if (full) {
                incrementalSinceResync = 0;
            }
        }
        return new Result(changes, result, full);
    }

    private static Map<ServiceKey, DesiredService> index(Collection<DesiredService> desired) {
        Map<ServiceKey, DesiredService> wanted = new LinkedHashMap<>();
        for (DesiredService d : desired) {
            if (wanted.put(d.service().key(), d) != null) {
                throw new IllegalArgumentException("desired state lists service " + d.service().key() + " twice");
            }
        }
        return wanted;
    }

    private List<Change> diff(Map<ServiceKey, DesiredService> wanted, Map<ServiceKey, Current> current, boolean full,
            java.util.Set<ServiceKey> removalScope) {
        List<Change> changes = new ArrayList<>();
        for (ServiceKey key : removalScope) {
            if (current.containsKey(key) && !wanted.containsKey(key) && options.owned().test(key)) {
                changes.add(new Change.RemoveService(key));
            }
        }
        for (DesiredService d : wanted.values()) {
            ServiceKey key = d.service().key();
            Current cur = current.get(key);
            if (cur == null) {
                changes.add(new Change.AddService(d.service()));
                for (RealServer rs : d.realServers()) {
                    changes.add(new Change.AddRealServer(key, rs));
                }
                continue;
            }
            if (!cur.service().equals(d.service())) {
                changes.add(new Change.UpdateService(d.service()));
            }
            // Endpoints are unique on both sides, so if every wanted endpoint exists, nothing
            // existing is unwanted: the common steady state needs no second index.
            int existingWanted = 0;
            for (RealServer rs : d.realServers()) {
                if (cur.realServers().containsKey(rs.endpoint())) {
                    existingWanted++;
                }
            }
            if (existingWanted < cur.realServers().size()) {
                retireUnwanted(key, cur, endpoints(d.realServers()), full, changes);
            }
            for (RealServer rs : d.realServers()) {
                RealServerStatus existing = cur.realServers().get(rs.endpoint());
                if (existing == null) {
                    changes.add(new Change.AddRealServer(key, rs));
                } else if (!existing.realServer().equals(rs)) {
                    changes.add(new Change.UpdateRealServer(key, rs));
                }
            }
        }
        return changes;
    }

    /** Removes, or drains, the real servers of {@code cur} whose endpoints are not wanted. */
    private void retireUnwanted(ServiceKey key, Current cur, java.util.Set<Endpoint> wanted, boolean full,
            List<Change> changes) {
        for (RealServerStatus existing : cur.realServers().values()) {
            RealServer rs = existing.realServer();
            if (wanted.contains(rs.endpoint())) {
                continue;
            }
            if (!options.drain()) {
                changes.add(new Change.RemoveRealServer(key, rs.endpoint()));
            } else if (rs.weight() != 0) {
                changes.add(new Change.UpdateRealServer(key, rs.withWeight(0)));
            } else if (full && options.removeDrainedWhenIdle()
                    && existing.activeConnections() == 0 && existing.inactiveConnections() == 0) {
                changes.add(new Change.RemoveRealServer(key, rs.endpoint()));
            }
        }
    }

    private static java.util.Set<Endpoint> endpoints(List<RealServer> servers) {
        java.util.Set<Endpoint> out = new java.util.HashSet<>(servers.size() * 2);
        for (RealServer rs : servers) {
            out.add(rs.endpoint());
        }
        return out;
    }

    /** Updates {@code after} (owned by this reconciler) to the table as it is once {@code changes} applied. */
    private static void applyInPlace(Map<ServiceKey, Current> after, List<Change> changes) {
        for (Change c : changes) {
            if (c instanceof Change.RemoveService r) {
                after.remove(r.key());
            } else if (c instanceof Change.AddService a) {
                after.put(a.service().key(), new Current(a.service(), new LinkedHashMap<>()));
            } else if (c instanceof Change.UpdateService u) {
                Current cur = after.get(u.service().key());
                after.put(u.service().key(), new Current(u.service(), cur.realServers()));
            } else if (c instanceof Change.AddRealServer a) {
                after.get(a.key()).realServers().put(a.realServer().endpoint(), idle(a.realServer()));
            } else if (c instanceof Change.UpdateRealServer u) {
                after.get(u.key()).realServers().put(u.realServer().endpoint(), idle(u.realServer()));
            } else if (c instanceof Change.RemoveRealServer r) {
                after.get(r.key()).realServers().remove(r.endpoint());
            }
        }
    }

    private static RealServerStatus idle(RealServer rs) {
        return new RealServerStatus(rs, 0, 0, 0, io.ipvs4j.model.Stats.ZERO);
    }
}
