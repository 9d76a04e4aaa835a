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
 *
 * <p><b>Foreign entries</b> (entries of the kernel's table the model cannot represent, see
 * {@link ForeignEntry}) never make an apply fail. The reconciler changes one only when it is
 * asked to by its key: a desired service whose key a foreign service holds replaces it
 * ({@link Change.UpdateService}, the desired state owns that key), and so does a desired real
 * server at a foreign real server's endpoint ({@link Change.UpdateRealServer}); a foreign real
 * server of a desired service that the desired state does not list is removed like any unwanted
 * real server (left alone when draining, since it cannot be set to weight 0 without knowing the
 * rest of it); a foreign service that is not desired is removed only if {@link Options#owned()}
 * claims its key. Everything else is left exactly as it is. {@link Result#foreign()} lists the
 * foreign entries left alone, {@link Result#foreignChanged()} the ones this apply changes.
 *
 * <pre>{@code
 * Reconciler r = new Reconciler(ipvs, Reconciler.Options.DEFAULT.withOwned(key -> myKeys.contains(key)));
 * Reconciler.Result result = r.apply(desired);
 * result.foreign().forEach(f -> log.info("left alone: {}", f));
 * }</pre>
 */
public final class Reconciler {
    /**
     * A service as it should be, with all its real servers.
     *
     * @param service the service's configuration
     * @param realServers its real servers, at most one per endpoint
     */
    public record DesiredService(VirtualService service, List<RealServer> realServers) {
        /**
         * Checks the parts.
         *
         * @param realServers its real servers, at most one per endpoint
         * @param service the service's configuration
         * @throws NullPointerException if the service or a real server is null
         * @throws IllegalArgumentException if an endpoint is listed twice or a real server does not fit
         *     the service's address family
         */
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

        /**
         * Checks the settings.
         *
         * @param batchOptions how the changes are sent
         * @param drain set a real server that is no longer wanted to weight 0 (no new connections, existing ones finish) instead of removing it
         * @param removeDrainedWhenIdle in a full apply, remove a drained real server once it has no active or inactive connections left
         * @param owned which services this reconciler may remove (default: all)
         * @param fullResyncEvery in incremental mode, read the kernel again every N applies
         * @throws NullPointerException if {@code owned} or {@code batchOptions} is null
         * @throws IllegalArgumentException if {@code fullResyncEvery} is below 1
         */
        public Options {
            Objects.requireNonNull(owned, "owned");
            Objects.requireNonNull(batchOptions, "batchOptions");
            if (fullResyncEvery < 1) {
                throw new IllegalArgumentException("fullResyncEvery must be at least 1, was " + fullResyncEvery);
            }
        }

        /**
         * These options with {@code drain} replaced.
         *
         * @param drain drain real servers (weight 0) instead of removing them
         * @return the new options
         */
        public Options withDrain(boolean drain) {
            return new Options(drain, removeDrainedWhenIdle, owned, fullResyncEvery, batchOptions);
        }

        /**
         * These options with {@code removeDrainedWhenIdle} replaced.
         *
         * @param remove remove a drained real server once it has no connections left
         * @return the new options
         */
        public Options withRemoveDrainedWhenIdle(boolean remove) {
            return new Options(drain, remove, owned, fullResyncEvery, batchOptions);
        }

        /**
         * These options with {@code owned} replaced.
         *
         * @param owned which services this reconciler may remove
         * @return the new options
         */
        public Options withOwned(Predicate<ServiceKey> owned) {
            return new Options(drain, removeDrainedWhenIdle, owned, fullResyncEvery, batchOptions);
        }

        /**
         * These options with {@code fullResyncEvery} replaced.
         *
         * @param n read the kernel again every {@code n} incremental applies, at least 1
         * @return the new options
         * @throws IllegalArgumentException if {@code n} is below 1
         */
        public Options withFullResyncEvery(int n) {
            return new Options(drain, removeDrainedWhenIdle, owned, n, batchOptions);
        }

        /**
         * These options with {@code batchOptions} replaced.
         *
         * @param options how the changes are sent
         * @return the new options
         */
        public Options withBatchOptions(BatchOptions options) {
            return new Options(drain, removeDrainedWhenIdle, owned, fullResyncEvery, options);
        }
    }

    /**
     * What an apply did.
     *
     * <pre>{@code
     * Reconciler.Result r = reconciler.apply(desired);
     * if (!r.isSuccess()) log.warn("failed: {}", r.batch().failures());
     * r.foreign().forEach(f -> log.info("not ours, left alone: {}", f));
     * }</pre>
     *
     * @param changes the changes computed and sent, in order (empty: already converged)
     * @param batch the kernel's outcome of each change
     * @param fullSync whether the kernel's state was read for this apply
     * @param foreign the foreign entries of the table that this apply leaves exactly as they
     *     are (as of the last read of the kernel: in an incremental apply, the ones that read found)
     * @param foreignChanged the foreign entries whose key the desired state or
     *     {@link Options#owned()} claims, so that this apply replaces or removes them; the changes
     *     doing so are in {@code changes} and their outcomes in {@code batch}
     */
    public record Result(List<Change> changes, BatchResult batch, boolean fullSync, List<ForeignEntry> foreign,
            List<ForeignEntry> foreignChanged) {
        /**
         * Copies the lists.
         *
         * @param foreignChanged the foreign entries whose key the desired state or {@link Options#owned()} claims, so that this apply replaces or removes them; the changes doing so are in {@code changes} and their outcomes in {@code batch}
         * @param changes the changes computed and sent, in order (empty: already converged)
         * @param batch the kernel's outcome of each change
         * @param fullSync whether the kernel's state was read for this apply
         * @param foreign the foreign entries of the table that this apply leaves exactly as they are (as of the last read of the kernel: in an incremental apply, the ones that read found)
         * @throws NullPointerException if a part is null
         */
        public Result {
            changes = List.copyOf(changes);
            Objects.requireNonNull(batch, "batch");
            foreign = List.copyOf(foreign);
            foreignChanged = List.copyOf(foreignChanged);
        }

        /**
         * A result without foreign entries.
         *
         * @param changes the changes sent
         * @param batch their outcomes
         * @param fullSync whether the kernel was read for this apply
         */
        public Result(List<Change> changes, BatchResult batch, boolean fullSync) {
            this(changes, batch, fullSync, List.of(), List.of());
        }

        /** {@return whether every change was applied} */
        public boolean isSuccess() {
            return batch.isSuccess();
        }
    }

    /**
     * A service's state as the diff sees it: configuration plus real servers with counters, and
     * what of it the model cannot represent.
     *
     * @param service the configuration; null while the kernel's service is {@code foreign}
     * @param foreign the kernel's foreign service at this key, or null
     * @param foreignRealServers foreign real servers whose endpoint is known
     * @param foreignWithoutEndpoint foreign real servers whose endpoint could not be read
     */
    private record Current(VirtualService service, Map<Endpoint, RealServerStatus> realServers, ForeignEntry foreign,
            Map<Endpoint, ForeignEntry> foreignRealServers, List<ForeignEntry> foreignWithoutEndpoint) {
        Current(VirtualService service, Map<Endpoint, RealServerStatus> realServers) {
            this(service, realServers, null, new LinkedHashMap<>(), new ArrayList<>(0));
        }
    }

    private final Ipvs ipvs;
    private final Options options;
    private Map<ServiceKey, Current> lastApplied;
    private int incrementalSinceResync;
    // Foreign entries without a key to address them by, as of the last read of the kernel.
    private List<ForeignEntry> unaddressable = List.of();

    /**
     * A reconciler that programs {@code ipvs}.
     *
     * @param ipvs the client (kernel or fake)
     * @param options the settings, e.g. {@link Options#DEFAULT}
     */
    public Reconciler(Ipvs ipvs, Options options) {
        this.ipvs = Objects.requireNonNull(ipvs, "ipvs");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Reads the kernel's state, diffs, and applies the difference.
     *
     * @param desired the whole desired state
     * @return the changes made and their outcomes
     * @throws IpvsException if the kernel cannot be read or the batch cannot be sent
     */
    public Result apply(Collection<DesiredService> desired) throws IpvsException {
        Map<ServiceKey, Current> current = readKernel();
        return send(index(desired), current, true, current.keySet());
    }

    private Map<ServiceKey, Current> readKernel() throws IpvsException {
        IpvsTable table = ipvs.table();
        Map<ServiceKey, Current> current = new LinkedHashMap<>();
        for (ServiceSnapshot s : table.services()) {
            current.put(s.service().service().key(), new Current(s.service().service(), byEndpoint(s.realServers())));
        }
        readForeign(table.foreign(), current);
        return current;
    }

    private static Map<Endpoint, RealServerStatus> byEndpoint(List<RealServerStatus> list) {
        Map<Endpoint, RealServerStatus> servers = new LinkedHashMap<>();
        for (RealServerStatus rs : list) {
            servers.put(rs.realServer().endpoint(), rs);
        }
        return servers;
    }

    /** Files the table's foreign entries under their keys in {@code current}; the rest are unaddressable. */
    private void readForeign(List<ForeignEntry> foreign, Map<ServiceKey, Current> current) {
        List<ForeignEntry> withoutKey = new ArrayList<>(0);
        for (ForeignEntry f : foreign) {
            if (f.kind() == ForeignEntry.Kind.SERVICE) {
                if (f.serviceKey().isPresent()) {
                    current.put(f.serviceKey().get(), new Current(null, byEndpoint(f.realServers()), f,
                            new LinkedHashMap<>(), new ArrayList<>(0)));
                } else {
                    withoutKey.add(f);
                }
            }
        }
        for (ForeignEntry f : foreign) {
            if (f.kind() == ForeignEntry.Kind.REAL_SERVER) {
                Current cur = current.get(f.serviceKey().orElseThrow());
                if (cur == null) {
                    withoutKey.add(f);   // its service was not listed: nothing to address it by
                } else if (f.endpoint().isPresent()) {
                    cur.foreignRealServers().put(f.endpoint().get(), f);
                } else {
                    cur.foreignWithoutEndpoint().add(f);
                }
            }
        }
        unaddressable = withoutKey;
    }

    /**
     * Applies the difference between {@code desired} (the whole desired state) and what this
     * reconciler last applied, without reading the kernel (a full {@link #apply} when due, see
     * the class comment).
     *
     * @param desired the whole desired state
     * @return the changes made and their outcomes
     * @throws IpvsException if the kernel cannot be read or the batch cannot be sent
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
     *
     * @param upserts the services that changed, each with all its real servers
     * @param removals the services no longer wanted
     * @return the changes made and their outcomes
     * @throws IpvsException if the kernel cannot be read or the batch cannot be sent
     */
    public Result applyIncremental(Collection<DesiredService> upserts, Collection<ServiceKey> removals)
            throws IpvsException {
        Map<ServiceKey, DesiredService> wanted = index(upserts);
        java.util.Set<ServiceKey> scope = new java.util.LinkedHashSet<>(wanted.keySet());
        for (ServiceKey key : removals) {
            if (wanted.containsKey(key)) {
                throw new IllegalArgumentException("service " + key + " is both upserted and removed");
            }
            scope.add(key);
        }
        if (resyncDue()) {
            // Services the delta does not mention are neither wanted nor in scope: left as they are.
            Map<ServiceKey, Current> current = readKernel();
            return send(wanted, current, true, scope);
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
        List<List<ForeignEntry>> foreign = foreignOutcome(current, changes);
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
        return new Result(changes, result, full, foreign.get(0), foreign.get(1));
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
            if (!d.service().equals(cur.service())) {   // null while foreign: replaced by the desired value
                changes.add(new Change.UpdateService(d.service()));
            }
            if (!cur.foreignRealServers().isEmpty()) {
                retireUnwantedForeign(key, cur, d, changes);
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
                if (existing == null && cur.foreignRealServers().containsKey(rs.endpoint())) {
                    changes.add(new Change.UpdateRealServer(key, rs));   // the desired state owns that endpoint
                } else if (existing == null) {
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

    /**
     * Removes the foreign real servers of a desired service that the desired state does not
     * list; when draining they stay (weight 0 cannot be set without a full model value).
     */
    private void retireUnwantedForeign(ServiceKey key, Current cur, DesiredService d, List<Change> changes) {
        if (options.drain()) {
            return;
        }
        java.util.Set<Endpoint> wanted = endpoints(d.realServers());
        for (Endpoint endpoint : cur.foreignRealServers().keySet()) {
            if (!wanted.contains(endpoint)) {
                changes.add(new Change.RemoveRealServer(key, endpoint));
            }
        }
    }

    /**
     * Splits the foreign entries of {@code current} into those {@code changes} leave alone
     * (index 0) and those they replace or remove (index 1), from the changes themselves.
     */
    private List<List<ForeignEntry>> foreignOutcome(Map<ServiceKey, Current> current, List<Change> changes) {
        java.util.Set<ServiceKey> removed = new java.util.HashSet<>();
        java.util.Set<ServiceKey> replaced = new java.util.HashSet<>();
        java.util.Set<Map.Entry<ServiceKey, Endpoint>> touched = new java.util.HashSet<>();
        for (Change c : changes) {
            if (c instanceof Change.RemoveService r) {
                removed.add(r.key());
            } else if (c instanceof Change.UpdateService u) {
                replaced.add(u.service().key());
            } else if (c instanceof Change.UpdateRealServer u) {
                touched.add(Map.entry(u.key(), u.realServer().endpoint()));
            } else if (c instanceof Change.RemoveRealServer r) {
                touched.add(Map.entry(r.key(), r.endpoint()));
            }
        }
        List<ForeignEntry> kept = new ArrayList<>(unaddressable);
        List<ForeignEntry> changed = new ArrayList<>(0);
        for (Map.Entry<ServiceKey, Current> e : current.entrySet()) {
            ServiceKey key = e.getKey();
            Current cur = e.getValue();
            boolean gone = removed.contains(key);
            if (cur.foreign() != null) {
                (gone || replaced.contains(key) ? changed : kept).add(cur.foreign().withRealServers(
                        List.copyOf(cur.realServers().values())));
            }
            for (Map.Entry<Endpoint, ForeignEntry> f : cur.foreignRealServers().entrySet()) {
                (gone || touched.contains(Map.entry(key, f.getKey())) ? changed : kept).add(f.getValue());
            }
            (gone ? changed : kept).addAll(cur.foreignWithoutEndpoint());
        }
        return List.of(kept, changed);
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
                // Replaces a foreign service too: from now on it is the desired value.
                Current cur = after.get(u.service().key());
                after.put(u.service().key(), new Current(u.service(), cur.realServers(), null,
                        cur.foreignRealServers(), cur.foreignWithoutEndpoint()));
            } else if (c instanceof Change.AddRealServer a) {
                after.get(a.key()).realServers().put(a.realServer().endpoint(), idle(a.realServer()));
            } else if (c instanceof Change.UpdateRealServer u) {
                Current cur = after.get(u.key());
                cur.foreignRealServers().remove(u.realServer().endpoint());
                cur.realServers().put(u.realServer().endpoint(), idle(u.realServer()));
            } else if (c instanceof Change.RemoveRealServer r) {
                Current cur = after.get(r.key());
                cur.foreignRealServers().remove(r.endpoint());
                cur.realServers().remove(r.endpoint());
            }
        }
    }

    private static RealServerStatus idle(RealServer rs) {
        return new RealServerStatus(rs, 0, 0, 0, io.ipvs4j.model.Stats.ZERO);
    }
}
