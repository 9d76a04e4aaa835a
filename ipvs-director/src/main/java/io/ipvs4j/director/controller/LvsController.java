package io.ipvs4j.director.controller;

import io.ipvs4j.Change;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.Reconciler;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.check.HealthChecker;
import io.ipvs4j.director.keepalived.DesiredState;
import io.ipvs4j.director.keepalived.KeepalivedConfig;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.VirtualService;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A health-checked LVS controller: the load-balancing half of keepalived. It brings up the
 * VIP aliases of the configuration ({@code static_ipaddress}), health-checks every real server
 * and keeps the kernel's IPVS table equal to "the configured services with the real servers
 * that pass their checks", using the {@link Reconciler}.
 *
 * <pre>{@code
 * DesiredState desired = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(Path.of("keepalived.conf")));
 * try (Ipvs ipvs = IpvsNetlink.open();
 *      InterfaceAddresses addrs = HostNetwork.addresses();
 *      LvsController controller = LvsController.builder(ipvs, desired).addresses(addrs).build()) {
 *     controller.start();          // VIPs up, checks running, table reconciled
 *     ...                          // real servers come and go as their checks pass and fail
 * }                                // close(): checks stopped, rules left in place (removeOnExit(false))
 * }</pre>
 *
 * <p>Semantics (keepalived's): a real server whose checks fail is removed from its service, or
 * kept with weight 0 when configured with {@code inhibit_on_failure}; it comes back with its
 * configured weight when it passes again. A service whose alive weight falls below its
 * {@code quorum} (with {@code hysteresis}) gets its {@code sorry_server}. An operator can
 * override a weight, drain (weight 0, established connections continue) and re-enable a real
 * server at run time ({@link #setWeight}, {@link #drain}, {@link #enable}; see
 * {@link ControlSocket}); {@link #reload()} re-reads the configuration and resets those
 * overrides.
 *
 * <p>Reconciling: at {@link #start()} the kernel's table is read and diffed, so a restarted
 * controller picks up the state it left without flushing anything; check transitions are
 * debounced and applied incrementally (without reading the kernel), with a full diff against
 * the kernel every {@link Builder#resyncInterval(Duration) resync interval} to repair changes
 * made behind its back. After a failed apply and after an operator's change (weight, drain,
 * enable) the next apply reads the kernel again instead of trusting its cached view. Only
 * the services of its configuration are ever removed (the reconciler's {@code owned}
 * predicate), so other rules in the same table are left alone.
 *
 * <p>Ownership across restarts: with a {@link Builder#stateFile(Path) state file}, the
 * controller records the services (with their real servers) and VIPs it programs
 * ({@link OwnershipState}). At {@link #start()} it also owns what the previous run recorded,
 * so services and VIPs that a changed configuration no longer names are removed, while
 * anything it never created is left alone.
 * Every change of state (check transitions, quorum, changes sent to the kernel, VIPs) is
 * logged through slf4j.
 *
 * <p>Thread-safe. All kernel writes happen on one internal thread, in order.
 */
public final class LvsController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LvsController.class);

    /**
     * One real server of one service: the unit that is health-checked.
     *
     * @param service the virtual service
     * @param endpoint the real server's address and port
     */
    public record BackendKey(ServiceKey service, Endpoint endpoint) {
        /**
         * Checks the parts.
         *
         * @param service the virtual service
         * @param endpoint the real server's address and port
         */
        public BackendKey {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(endpoint, "endpoint");
        }

        @Override
        public String toString() {
            return endpoint + " of " + service;
        }
    }

    /** Where {@link #reload()} reads the configuration from, e.g. the keepalived.conf file. */
    @FunctionalInterface
    public interface ConfigSource {
        /**
         * Reads and converts the configuration; throws with a message naming the problem.
         *
         * @return the desired state to apply
         * @throws Exception if the configuration cannot be read or converted; {@link #reload()} then keeps the one in force
         */
        DesiredState load() throws Exception;
    }

    /**
     * A real server as the controller sees it, for status displays.
     *
     * @param endpoint address and port
     * @param check the health-check state (UP for a server without checks)
     * @param checked whether any checks run for it
     * @param configuredWeight the weight of the configuration
     * @param weightOverride a weight set at run time, if any
     * @param drained drained at run time (weight 0)
     * @param inhibitOnFailure kept with weight 0 instead of removed while DOWN
     * @param sorryServer this is the service's {@code sorry_server}
     * @param desiredWeight the weight it should have in the kernel, empty if it should be absent
     * @param kernel what the kernel reports for it, if it is in the table
     */
    public record BackendView(Endpoint endpoint, CheckState check, boolean checked, int configuredWeight,
            OptionalInt weightOverride, boolean drained, boolean inhibitOnFailure, boolean sorryServer,
            OptionalInt desiredWeight, Optional<RealServerStatus> kernel) {
    }

    /**
     * A service as the controller sees it.
     *
     * @param service the configured service
     * @param quorumUp whether the alive weight meets the quorum
     * @param backends its real servers (and sorry server), in configuration order
     * @param kernel what the kernel reports for the service, if it is in the table
     */
    public record ServiceView(VirtualService service, boolean quorumUp, List<BackendView> backends,
            Optional<ServiceStatus> kernel) {
    }

    /** Run-time state of one configured real server. Guarded by the controller's lock. */
    private static final class Backend {
        final DesiredState.Backend spec;
        CheckState check;
        OptionalInt override = OptionalInt.empty();
        /** The weight its checks ask for (misc_dynamic); an operator's override wins over it. */
        OptionalInt dynamic = OptionalInt.empty();
        boolean drained;

        Backend(DesiredState.Backend spec, CheckState check) {
            this.spec = spec;
            this.check = check;
        }

        /** The weight it should have in the kernel, or empty when it should be absent. */
        OptionalInt desiredWeight() {
            if (check == CheckState.UP) {
                return OptionalInt.of(drained ? 0 : weight());
            }
            return spec.inhibitOnFailure() ? OptionalInt.of(0) : OptionalInt.empty();
        }

        /** The weight it contributes to the quorum: keepalived counts alive servers' weights. */
        int aliveWeight() {
            return check == CheckState.UP && !drained ? weight() : 0;
        }

        int weight() {
            return override.orElse(dynamic.orElse(spec.server().weight()));
        }
    }

    private final Ipvs ipvs;
    private final InterfaceAddresses addresses;
    private final ConfigSource source;
    private final boolean removeOnExit;
    private final Duration debounce;
    private final Duration resyncInterval;
    private final Object lock = new Object();
    /** Services this controller may remove: every service of any configuration it has loaded. */
    private final Set<ServiceKey> owned = ConcurrentHashMap.newKeySet();
    private final Path stateFile;
    /** What the previous run recorded in the state file (empty without one). */
    private final OwnershipState previousRun;
    private final Reconciler reconciler;
    private final ScheduledExecutorService writer;
    private final AtomicBoolean reconcilePending = new AtomicBoolean();
    private final HealthChecker<BackendKey> checker;
    /** The VRRP instances of the configuration, started after the first apply; null without VRRP. */
    private final io.ipvs4j.director.vrrp.VrrpDirector vrrp;

    // guarded by lock
    private DesiredState config;
    private final Map<BackendKey, Backend> backends = new LinkedHashMap<>();
    private final Map<ServiceKey, Boolean> quorumUp = new LinkedHashMap<>();
    private boolean started;
    private boolean closed;
    /** Told what the controller does (metrics); not guarded, copy-on-write. */
    private final List<ControllerListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The desired table of the last successful apply (writer thread only): a full apply of the same one repairs. */
    private List<Reconciler.DesiredService> lastApplied;

    private LvsController(Builder b) throws Exception {
        this.ipvs = b.ipvs;
        this.addresses = b.addresses;
        this.source = b.source;
        this.removeOnExit = b.removeOnExit;
        this.debounce = b.debounce;
        this.resyncInterval = b.resyncInterval;
        this.stateFile = b.stateFile;
        this.vrrp = b.vrrp;
        this.previousRun = stateFile == null ? OwnershipState.EMPTY : OwnershipState.load(stateFile);
        owned.addAll(previousRun.services().keySet());
        this.config = b.config != null ? b.config : Objects.requireNonNull(source.load(), "ConfigSource returned null");
        checkAddressesAvailable(config);
        this.reconciler = new Reconciler(ipvs, Reconciler.Options.DEFAULT
                .withOwned(owned::contains)
                .withFullResyncEvery(b.fullResyncEvery));
        this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ipvs4j-controller");
            t.setDaemon(true);
            return t;
        });
        this.checker = new HealthChecker<>(new io.ipvs4j.director.check.StateListener<BackendKey>() {
            @Override
            public void stateChanged(BackendKey id, CheckState old, CheckState now) {
                checkChanged(id, old, now);
            }

            @Override
            public void weightChanged(BackendKey id, OptionalInt weight) {
                dynamicWeightChanged(id, weight);
            }

            @Override
            public void checked(BackendKey id, io.ipvs4j.director.check.HealthCheck check,
                    io.ipvs4j.director.check.CheckResult result,
                    Duration latency) {
                fire(l -> l.checked(id, check, result, latency));
            }
        });
        // known before start(), so that views (the control socket) work from the beginning
        installBackends(config, Map.of());
    }

    /**
     * A builder for a controller of {@code desired} on {@code ipvs}. The controller does not
     * close {@code ipvs} (nor the {@link Builder#addresses addresses}): their owner does.
     *
     * @param ipvs the client that programs the kernel table
     * @param desired the services and VIPs to keep in the kernel
     * @return a builder; finish with {@link Builder#build()}
     */
    public static Builder builder(Ipvs ipvs, DesiredState desired) {
        return new Builder(ipvs).config(desired);
    }

    /**
     * A builder for a controller whose configuration comes from {@code source}, read once at
     * {@link Builder#build()} and again at every {@link #reload()}.
     * @param ipvs the client that programs the kernel table
     * @param source reads the configuration, e.g. parses and converts keepalived.conf
     * @return a builder; finish with {@link Builder#build()}
     */
    public static Builder builder(Ipvs ipvs, ConfigSource source) {
        return new Builder(ipvs).source(source);
    }

    private void checkAddressesAvailable(DesiredState state) {
        if (!state.staticAddresses().isEmpty() && addresses == null) {
            throw new IllegalStateException("the configuration has static_ipaddress entries ("
                    + state.staticAddresses() + ") but the controller was built without addresses(...)");
        }
        for (KeepalivedConfig.StaticAddress a : state.staticAddresses()) {
            toInterfaceAddress(a);
        }
    }

    private static InterfaceAddress toInterfaceAddress(KeepalivedConfig.StaticAddress a) {
        String dev = a.device().orElseThrow(() -> new IllegalArgumentException(
                "static_ipaddress " + a + " (line " + a.line() + ") needs \"dev INTERFACE\""));
        InterfaceAddress address = InterfaceAddress.of(dev, a.address(), a.prefixLength());
        return a.label().map(address::withLabel).orElse(address);
    }

    /**
     * Brings up the VIP aliases, starts the health checks and reconciles the kernel's table
     * (reading it first, so the state of a previous run is taken over without a flush).
     *
     * @throws IpvsException if the VIPs cannot be added or the first apply fails (the checks
     *     are stopped again then)
     * @throws IllegalStateException if already started or closed
     */
    public void start() throws IpvsException {
        synchronized (lock) {
            if (started || closed) {
                throw new IllegalStateException(closed ? "controller is closed" : "controller already started");
            }
            started = true;
            // recorded before anything is programmed: a crash in between still knows what it owns
            recordOwnership(previousRun.union(ownershipOf(config)));
            bringUpAddresses(config.staticAddresses());
            startChecks();
        }
        Reconciler.Result r = onWriter(() -> applyNow(true));
        if (r.isSuccess()) {
            synchronized (lock) {
                takeDownPreviousAddresses(previousRun.vips(), config);
                recordOwnership(ownershipOf(config));
            }
        } else {
            IpvsException first = r.batch().failures().get(0).error().orElse(null);
            close();
            if (first != null) {
                throw first;
            }
            throw new IllegalStateException("initial apply failed: " + r.batch().failures());
        }
        long rs = backendsSnapshot().size();
        log.info("controller started: {} services, {} real servers, full resync every {}",
                config.services().size(), rs, resyncInterval);
        if (vrrp != null) {
            vrrp.start();   // the services exist before this director may become MASTER
        }
        writer.scheduleWithFixedDelay(this::periodicResync, resyncInterval.toNanos(), resyncInterval.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /** What {@code state} makes this controller own: its services, their real servers, its VIPs. */
    private static OwnershipState ownershipOf(DesiredState state) {
        Map<ServiceKey, List<Endpoint>> services = new LinkedHashMap<>();
        for (DesiredState.Service s : state.services()) {
            List<Endpoint> rs = new ArrayList<>();
            s.realServers().forEach(b -> rs.add(b.server().endpoint()));
            s.sorryServer().ifPresent(b -> rs.add(b.server().endpoint()));
            services.put(s.service().key(), rs);
        }
        List<InterfaceAddress> vips = new ArrayList<>();
        state.staticAddresses().forEach(a -> vips.add(toInterfaceAddress(a)));
        return new OwnershipState(services, vips);
    }

    /** Writes the state file, if there is one; a failure is logged (the table is still right). */
    private void recordOwnership(OwnershipState state) {
        if (stateFile == null) {
            return;
        }
        try {
            state.save(stateFile);
        } catch (IOException e) {
            log.error("cannot write the state file {}: {} (ownership of a restart may be incomplete)",
                    stateFile, e.toString());
        }
    }

    /** Takes down the VIPs a previous run recorded that {@code now} no longer configures. Caller holds the lock. */
    private void takeDownPreviousAddresses(List<InterfaceAddress> recorded, DesiredState now) {
        if (addresses == null) {
            return;
        }
        List<InterfaceAddress> wanted = ownershipOf(now).vips();
        for (InterfaceAddress a : recorded) {
            if (wanted.stream().noneMatch(w -> w.sameAssignment(a))) {
                try {
                    if (addresses.ensureAbsent(a)) {
                        log.info("VIP {} removed (recorded by the previous run, no longer configured)", a);
                    }
                } catch (IpvsException | RuntimeException e) {
                    log.error("could not remove VIP {} of the previous run: {}", a, e.toString());
                }
            }
        }
    }

    /** Adds the configured VIPs that are missing. Caller holds the lock. */
    private void bringUpAddresses(List<KeepalivedConfig.StaticAddress> wanted) throws IpvsException {
        for (KeepalivedConfig.StaticAddress a : wanted) {
            InterfaceAddress address = toInterfaceAddress(a);
            if (addresses.ensurePresent(address)) {
                log.info("VIP {} added", address);
            } else {
                log.info("VIP {} already present", address);
            }
        }
    }

    private void takeDownAddresses(List<KeepalivedConfig.StaticAddress> unwanted) {
        for (KeepalivedConfig.StaticAddress a : unwanted) {
            InterfaceAddress address = toInterfaceAddress(a);
            try {
                if (addresses.ensureAbsent(address)) {
                    log.info("VIP {} removed", address);
                }
            } catch (IpvsException | RuntimeException e) {
                log.error("could not remove VIP {}: {}", address, e.toString());
            }
        }
    }

    /**
     * Makes {@code backends} match {@code state} (checks not started). A real server that
     * was already checked keeps its health state ({@code previous}) so a reload does not make
     * it flap. Caller holds the lock.
     */
    private void installBackends(DesiredState state, Map<BackendKey, CheckState> previous) {
        for (DesiredState.Service s : state.services()) {
            ServiceKey key = s.service().key();
            owned.add(key);
            for (DesiredState.Backend b : s.realServers()) {
                BackendKey id = new BackendKey(key, b.server().endpoint());
                CheckState initial = b.checks().isEmpty() ? CheckState.UP
                        : previous.getOrDefault(id, b.initialState());
                backends.put(id, new Backend(b, initial));
            }
            int alive = aliveWeight(key);
            quorumUp.put(key, alive >= s.quorum());
        }
    }

    /** Starts the checks of every installed real server that has any. Caller holds the lock. */
    private void startChecks() {
        backends.forEach((id, b) -> {
            if (!b.spec.checks().isEmpty()) {
                checker.add(id, b.check, b.spec.checks());
            }
        });
    }

    private int aliveWeight(ServiceKey key) {
        int sum = 0;
        for (Map.Entry<BackendKey, Backend> e : backends.entrySet()) {
            if (e.getKey().service().equals(key)) {
                sum += e.getValue().aliveWeight();
            }
        }
        return sum;
    }

    /** The health checker told us about a transition (on a checker thread). */
    private void checkChanged(BackendKey id, CheckState old, CheckState now) {
        List<String> notify;
        synchronized (lock) {
            Backend b = backends.get(id);
            if (b == null || closed) {
                return;
            }
            b.check = now;
            OptionalInt w = b.desiredWeight();
            log.info("real server {} is {}: {}", id, now, w.isEmpty() ? "removing it"
                    : w.getAsInt() == 0 && now == CheckState.DOWN ? "setting weight 0 (inhibit_on_failure)"
                    : "weight " + w.getAsInt());
            updateQuorum(id.service());
            notify = now == CheckState.UP ? b.spec.notifyUp() : b.spec.notifyDown();
        }
        fire(l -> l.checkChanged(id, old, now));
        requestReconcile();
        if (!notify.isEmpty()) {
            // keepalived runs it when the real server's state changes, and does not wait for it
            io.ipvs4j.director.check.NotifyScript.start(notify,
                    (now == CheckState.UP ? "notify_up" : "notify_down") + " of " + id);
        }
    }

    /** A check asked for another weight (misc_dynamic: exit status - 2), or the configured one again. */
    private void dynamicWeightChanged(BackendKey id, OptionalInt weight) {
        synchronized (lock) {
            Backend b = backends.get(id);
            if (b == null || closed) {
                return;
            }
            b.dynamic = weight;
            log.info("real server {}: weight {} (misc_dynamic){}", id, b.weight(),
                    b.override.isPresent() ? ", but the operator's weight " + b.override.getAsInt() + " stays" : "");
            updateQuorum(id.service());
        }
        requestReconcile();
    }

    /** Applies keepalived's quorum/hysteresis rule to {@code key}. Caller holds the lock. */
    private void updateQuorum(ServiceKey key) {
        DesiredState.Service s = config.service(key.toString()).orElse(null);
        if (s == null) {
            return;
        }
        int alive = aliveWeight(key);
        boolean up = quorumUp.getOrDefault(key, true);
        if (up && alive < s.quorum() - s.hysteresis()) {
            quorumUp.put(key, false);
            log.warn("service {} lost its quorum (alive weight {} < {}){}", key, alive, s.quorum(),
                    s.sorryServer().map(x -> ": sorry server " + x.server().endpoint() + " in").orElse(""));
        } else if (!up && alive >= s.quorum() + s.hysteresis()) {
            quorumUp.put(key, true);
            log.info("service {} has its quorum again (alive weight {} >= {}){}", key, alive, s.quorum(),
                    s.sorryServer().map(x -> ": sorry server " + x.server().endpoint() + " out").orElse(""));
        }
    }

    /** The whole desired table as the reconciler takes it. Caller holds the lock. */
    private List<Reconciler.DesiredService> desiredLocked() {
        List<Reconciler.DesiredService> out = new ArrayList<>();
        for (DesiredState.Service s : config.services()) {
            ServiceKey key = s.service().key();
            List<RealServer> servers = new ArrayList<>();
            Set<Endpoint> seen = new HashSet<>();
            for (DesiredState.Backend spec : s.realServers()) {
                Backend b = backends.get(new BackendKey(key, spec.server().endpoint()));
                OptionalInt w = b.desiredWeight();
                if (w.isPresent() && seen.add(spec.server().endpoint())) {
                    servers.add(spec.server().withWeight(w.getAsInt()));
                }
            }
            if (!quorumUp.getOrDefault(key, true) && s.sorryServer().isPresent()
                    && seen.add(s.sorryServer().get().server().endpoint())) {
                servers.add(s.sorryServer().get().server());
            }
            out.add(new Reconciler.DesiredService(s.service(), servers));
        }
        return out;
    }

    private void requestReconcile() {
        if (reconcilePending.compareAndSet(false, true)) {
            try {
                writer.schedule(() -> {
                    reconcilePending.set(false);
                    applyLogged(false);
                }, debounce.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                reconcilePending.set(false);
            }
        }
    }

    private void periodicResync() {
        applyLogged(true);
    }

    /** Applies and logs; a failure is logged and retried by the next trigger or resync. */
    private void applyLogged(boolean full) {
        try {
            applyNow(full);
        } catch (IpvsException | RuntimeException e) {
            reconciler.invalidate();
            log.error("reconcile failed (will read the kernel and retry at the next change or resync): {}",
                    e.toString());
        }
    }

    /** Computes the desired table and applies it. Runs on the writer thread only. */
    private Reconciler.Result applyNow(boolean full) throws IpvsException {
        List<Reconciler.DesiredService> desired;
        synchronized (lock) {
            if (closed) {
                return new Reconciler.Result(List.of(), new io.ipvs4j.BatchResult(List.of(), 0), false);
            }
            desired = desiredLocked();
        }
        long startedNanos = System.nanoTime();
        Reconciler.Result r;
        try {
            r = full ? reconciler.apply(desired) : reconciler.applyIncremental(desired);
        } catch (IpvsException | RuntimeException e) {
            Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
            fire(l -> l.reconcileFailed(full, took, e));
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        logResult(r);
        // the desired table did not change since the last successful apply, yet the kernel
        // needed changes: someone else changed the table, and this apply undid it
        int repairs = full && desired.equals(lastApplied) ? (int) r.batch().count(io.ipvs4j.BatchResult.Status.APPLIED) : 0;
        if (!r.isSuccess()) {
            // the kernel may hold part of the changes: the next apply must read it, not trust the cache
            reconciler.invalidate();
            lastApplied = null;
        } else {
            lastApplied = desired;
        }
        fire(l -> l.reconciled(full, took, r, repairs));
        return r;
    }

    private static void logResult(Reconciler.Result r) {
        for (io.ipvs4j.BatchResult.Outcome o : r.batch().outcomes()) {
            switch (o.status()) {
                case APPLIED -> log.info("kernel: {}", describe(o.change()));
                case FAILED -> log.error("kernel: {} FAILED: {}", describe(o.change()),
                        o.error().map(Throwable::getMessage).orElse("?"));
                case NOT_ATTEMPTED -> log.warn("kernel: {} not attempted (an earlier change failed)",
                        describe(o.change()));
            }
        }
        if (r.changes().isEmpty()) {
            log.debug("kernel already matches ({} apply)", r.fullSync() ? "full" : "incremental");
        }
    }

    /** A change as a log line, e.g. {@code add real server 192.0.2.32:80 DIRECT_ROUTE weight 1 to TCP 192.0.2.100:80}. */
    static String describe(Change c) {
        if (c instanceof Change.AddService a) {
            return "add service " + a.service();
        } else if (c instanceof Change.UpdateService u) {
            return "update service " + u.service();
        } else if (c instanceof Change.RemoveService r) {
            return "remove service " + r.serviceKey();
        } else if (c instanceof Change.AddRealServer a) {
            return "add real server " + a.realServer() + " to " + a.key();
        } else if (c instanceof Change.UpdateRealServer u) {
            return "update real server " + u.realServer() + " in " + u.key();
        } else if (c instanceof Change.RemoveRealServer r) {
            return "remove real server " + r.endpoint() + " from " + r.key();
        }
        return c.toString();
    }

    /** Runs {@code task} on the writer thread and waits for it. */
    private <T> T onWriter(Callable<T> task) throws IpvsException {
        Future<T> f;
        try {
            f = writer.submit(task);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("controller is closed", e);
        }
        try {
            return f.get(2, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IpvsException ie) {
                throw ie;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the controller", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the controller's kernel writer did not answer within 2 minutes", e);
        }
    }

    /**
     * Reconciles now, reading the kernel first, and waits for it.
     *
     * @return what was changed
     * @throws IpvsException if the kernel table cannot be read
     */
    public Reconciler.Result reconcileNow() throws IpvsException {
        return onWriter(() -> applyNow(true));
    }

    private Backend backend(ServiceKey service, Endpoint endpoint) {
        Backend b = backends.get(new BackendKey(service, endpoint));
        if (b == null) {
            throw new IllegalArgumentException("no real server " + endpoint + " in service " + service
                    + " (configured: " + backends.keySet() + ")");
        }
        return b;
    }

    /**
     * Sets the weight of a real server at run time (until {@link #reload()}), and applies it.
     * A real server that is DOWN keeps its DOWN treatment; the weight applies once it is UP.
     *
     * @throws IllegalArgumentException if the real server is not configured or the weight is
     *     negative
     * @param service the virtual service the real server belongs to
     * @param endpoint the real server
     * @param weight the weight to give it, 0..65535 (0 drains it)
     * @return what was changed in the kernel
     * @throws IpvsException if the kernel table cannot be read
     */
    public Reconciler.Result setWeight(ServiceKey service, Endpoint endpoint, int weight) throws IpvsException {
        synchronized (lock) {
            Backend b = backend(service, endpoint);
            b.spec.server().withWeight(weight);   // validates the range
            b.override = OptionalInt.of(weight);
            log.info("operator: weight of {} set to {}", new BackendKey(service, endpoint), weight);
            updateQuorum(service);
        }
        // an operator acts on what the kernel holds now (someone may have changed it): read it
        return onWriter(() -> applyNow(true));
    }

    /**
     * Drains a real server: weight 0, so it gets no new connections while established ones
     * finish. Stays drained until {@link #enable} or {@link #reload()}.
     * @param service the virtual service the real server belongs to
     * @param endpoint the real server to drain
     * @return what was changed in the kernel
     * @throws IllegalArgumentException if the real server is not configured
     * @throws IpvsException if the kernel table cannot be read
     */
    public Reconciler.Result drain(ServiceKey service, Endpoint endpoint) throws IpvsException {
        synchronized (lock) {
            backend(service, endpoint).drained = true;
            log.info("operator: draining {}", new BackendKey(service, endpoint));
            updateQuorum(service);
        }
        // an operator acts on what the kernel holds now (someone may have changed it): read it
        return onWriter(() -> applyNow(true));
    }

    /**
     * Ends a drain (and a weight override): the real server gets its configured weight again.
     *
     * @param service the virtual service the real server belongs to
     * @param endpoint the real server to enable
     * @return what was changed in the kernel
     * @throws IllegalArgumentException if the real server is not configured
     * @throws IpvsException if the kernel table cannot be read
     */
    public Reconciler.Result enable(ServiceKey service, Endpoint endpoint) throws IpvsException {
        synchronized (lock) {
            Backend b = backend(service, endpoint);
            b.drained = false;
            b.override = OptionalInt.empty();
            log.info("operator: enabling {}", new BackendKey(service, endpoint));
            updateQuorum(service);
        }
        // an operator acts on what the kernel holds now (someone may have changed it): read it
        return onWriter(() -> applyNow(true));
    }

    /**
     * Re-reads the configuration from the {@link ConfigSource} and switches to it: new VIPs
     * are brought up and dropped ones taken down, checks restart with the new settings
     * (keeping each real server's health state), services no longer configured are removed,
     * run-time overrides are reset. If the new configuration cannot be read, nothing changes.
     *
     * @return what was changed in the kernel
     * @throws IllegalStateException if the controller has no ConfigSource or is closed
     * @throws Exception the ConfigSource's error (e.g. a parse error with its line)
     */
    public Reconciler.Result reload() throws Exception {
        if (source == null) {
            throw new IllegalStateException("this controller was built from a fixed DesiredState; nothing to reload");
        }
        DesiredState next = Objects.requireNonNull(source.load(), "ConfigSource returned null");
        checkAddressesAvailable(next);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("controller is closed");
            }
            DesiredState old = config;
            bringUpAddresses(next.staticAddresses());
            List<KeepalivedConfig.StaticAddress> dropped = new ArrayList<>();
            Set<String> keep = new HashSet<>();
            next.staticAddresses().forEach(a -> keep.add(toInterfaceAddress(a).toString()));
            for (KeepalivedConfig.StaticAddress a : old.staticAddresses()) {
                if (!keep.contains(toInterfaceAddress(a).toString())) {
                    dropped.add(a);
                }
            }
            recordOwnership(ownershipOf(old).union(ownershipOf(next)));
            takeDownAddresses(dropped);
            Map<BackendKey, CheckState> previous = new LinkedHashMap<>();
            backends.forEach((k, b) -> previous.put(k, b.check));
            for (BackendKey k : backends.keySet()) {
                checker.remove(k);
            }
            backends.clear();
            quorumUp.clear();
            config = next;
            installBackends(next, previous);
            startChecks();
            log.info("configuration reloaded: {} services (was {})", next.services().size(), old.services().size());
        }
        // a full apply: services dropped from the configuration are still "owned" and go away
        Reconciler.Result r = onWriter(() -> applyNow(true));
        if (r.isSuccess()) {
            recordOwnership(ownershipOf(next));
        }
        return r;
    }

    /**
     * The configuration currently in force.
     *
     * @return the desired state last loaded (at build or the last successful {@link #reload()})
     */
    public DesiredState config() {
        synchronized (lock) {
            return config;
        }
    }

    /**
     * The check state of every checked real server.
     *
     * @return a copy, in configuration order; real servers without checkers are not in it
     */
    public Map<BackendKey, CheckState> backendsSnapshot() {
        Map<BackendKey, CheckState> out = new LinkedHashMap<>();
        synchronized (lock) {
            backends.forEach((k, b) -> out.put(k, b.check));
        }
        return out;
    }

    /**
     * The controller's view of every configured service, joined with the kernel's counters
     * (read now; when the kernel cannot be read the views have no kernel part).
     * @return one view per configured service, in configuration order
     */
    public List<ServiceView> view() {
        List<ServiceSnapshot> table = List.of();
        try {
            table = ipvs.snapshot();
        } catch (IpvsException | RuntimeException e) {
            log.warn("could not read the kernel's table for the view: {}", e.toString());
        }
        return view(table);
    }

    /**
     * The controller's view of every configured service, joined with a kernel table read by the
     * caller (so that one read serves several displays, e.g. a metrics scrape).
     *
     * <pre>{@code List<ServiceView> v = controller.view(ipvs.snapshot()); }</pre>
     *
     * @param table the kernel's table; services of the configuration missing from it have no kernel part
     * @return one view per configured service, in configuration order
     */
    public List<ServiceView> view(List<ServiceSnapshot> table) {
        // indexed before taking the lock: the checkers' transitions and the applies wait for it,
        // and a metrics scrape or a status page should hold it only to copy the backends' state
        Map<ServiceKey, ServiceSnapshot> kernel = new LinkedHashMap<>();
        Map<ServiceKey, Map<Endpoint, RealServerStatus>> kernelServers = new HashMap<>();
        for (ServiceSnapshot s : table) {
            kernel.put(s.service().key(), s);
            Map<Endpoint, RealServerStatus> rs = new HashMap<>();
            s.realServers().forEach(r -> rs.put(r.endpoint(), r));
            kernelServers.put(s.service().key(), rs);
        }
        List<ServiceView> out = new ArrayList<>();
        synchronized (lock) {
            for (DesiredState.Service s : config.services()) {
                ServiceKey key = s.service().key();
                ServiceSnapshot k = kernel.get(key);
                Map<Endpoint, RealServerStatus> rs = kernelServers.getOrDefault(key, Map.of());
                List<BackendView> views = new ArrayList<>();
                for (DesiredState.Backend spec : s.realServers()) {
                    Backend b = backends.get(new BackendKey(key, spec.server().endpoint()));
                    views.add(new BackendView(spec.server().endpoint(), b.check, !spec.checks().isEmpty(),
                            spec.server().weight(), b.override, b.drained, spec.inhibitOnFailure(), false,
                            b.desiredWeight(), Optional.ofNullable(rs.get(spec.server().endpoint()))));
                }
                boolean q = quorumUp.getOrDefault(key, true);
                s.sorryServer().ifPresent(sorry -> views.add(new BackendView(sorry.server().endpoint(),
                        q ? CheckState.DOWN : CheckState.UP, false, sorry.server().weight(), OptionalInt.empty(),
                        false, false, true, q ? OptionalInt.empty() : OptionalInt.of(sorry.server().weight()),
                        Optional.ofNullable(rs.get(sorry.server().endpoint())))));
                out.add(new ServiceView(s.service(), q, views,
                        Optional.ofNullable(k).map(ServiceSnapshot::service)));
            }
        }
        return out;
    }

    /**
     * Stops the checks; then, with {@link Builder#removeOnExit(boolean) removeOnExit}, removes
     * the services of its configuration and takes its VIPs down, else leaves both in place for
     * the next run to take over. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (vrrp != null) {
            vrrp.close();   // first: a MASTER hands over (priority 0) while its services still run
        }
        checker.close();
        if (removeOnExit) {
            Future<?> f = null;
            try {
                f = writer.submit(() -> {
                    try {
                        // with "owned" = our services, an empty desired state removes exactly ours
                        logResult(reconciler.apply(List.of()));
                    } catch (IpvsException | RuntimeException e) {
                        log.error("could not remove the controller's services: {}", e.toString());
                    }
                });
                f.get(1, TimeUnit.MINUTES);
            } catch (Exception e) {
                log.error("removing the controller's services did not finish: {}", e.toString());
            }
            synchronized (lock) {
                if (addresses != null) {
                    takeDownAddresses(config.staticAddresses());
                }
            }
            recordOwnership(OwnershipState.EMPTY);
            log.info("controller stopped; its services and VIPs were removed");
        } else {
            log.info("controller stopped; its services and VIPs are left in place");
        }
        writer.shutdownNow();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The VRRP instances this controller runs (started with it, stopped first at close).
     *
     * @return the VRRP director, if the configuration has vrrp_instance blocks
     */
    public Optional<io.ipvs4j.director.vrrp.VrrpDirector> vrrp() {
        return Optional.ofNullable(vrrp);
    }

    /**
     * Adds a listener of the VRRP transitions of every instance; nothing happens without VRRP.
     *
     * <pre>{@code controller.addVrrpListener(t -> metrics.record(t.instance(), t.to())); }</pre>
     *
     * @param listener called on the VRRP thread after each transition took effect
     */
    public void addVrrpListener(io.ipvs4j.vrrp.VrrpListener listener) {
        if (vrrp != null) {
            vrrp.addListener(listener);
        }
    }

    /**
     * Adds a listener of what the controller does (applies, check results and transitions).
     *
     * <pre>{@code controller.addListener(metrics); }</pre>
     *
     * @param listener called on the controller's threads; must return quickly
     */
    public void addListener(ControllerListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private void fire(java.util.function.Consumer<ControllerListener> call) {
        for (ControllerListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.error("controller listener {} failed", l, e);
            }
        }
    }

    /** Builds an {@link LvsController}. */
    public static final class Builder {
        private final Ipvs ipvs;
        private DesiredState config;
        private ConfigSource source;
        private InterfaceAddresses addresses;
        private boolean removeOnExit;
        private Duration debounce = Duration.ofMillis(100);
        private Duration resyncInterval = Duration.ofSeconds(60);
        private int fullResyncEvery = 50;
        private Path stateFile;
        private io.ipvs4j.director.vrrp.VrrpDirector vrrp;

        private Builder(Ipvs ipvs) {
            this.ipvs = Objects.requireNonNull(ipvs, "ipvs");
        }

        private Builder config(DesiredState config) {
            this.config = Objects.requireNonNull(config, "desired");
            return this;
        }

        private Builder source(ConfigSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Where to bring up the {@code static_ipaddress} VIPs (e.g. {@code HostNetwork.addresses()});
         * required when the configuration has any.
         *
         * @param addresses the interface address helper; the controller does not close it
         * @return this builder
         */
        public Builder addresses(InterfaceAddresses addresses) {
            this.addresses = addresses;
            return this;
        }

        /**
         * Remove its services and VIPs at {@link #close()}; default false (leave them, as keepalived does not flush on restart).
         *
         * @param remove whether {@link #close()} removes what this controller programmed
         * @return this builder
         */
        public Builder removeOnExit(boolean remove) {
            this.removeOnExit = remove;
            return this;
        }

        /**
         * Record what the controller programs in {@code file} (see {@link OwnershipState}), and
         * at start also own, and so remove when no longer configured, what the previous run
         * recorded there. Default: none (ownership is "what the current configuration names").
         * @param file the state file; its directory must exist
         * @return this builder
         */
        public Builder stateFile(Path file) {
            this.stateFile = file;
            return this;
        }

        /**
         * Runs {@code vrrp} with the controller: started after the first apply, closed first at
         * {@link #close()} (the controller owns it then).
         * @param vrrp the VRRP instances of the configuration, not started yet
         * @return this builder
         */
        public Builder vrrp(io.ipvs4j.director.vrrp.VrrpDirector vrrp) {
            this.vrrp = vrrp;
            return this;
        }

        /**
         * How long to gather check transitions before applying them; default 100 ms.
         *
         * @param debounce zero or positive; zero applies every transition at once
         * @return this builder
         * @throws IllegalArgumentException if it is negative
         */
        public Builder debounce(Duration debounce) {
            if (debounce.isNegative()) {
                throw new IllegalArgumentException("debounce must not be negative, was " + debounce);
            }
            this.debounce = debounce;
            return this;
        }

        /**
         * How often to diff against the kernel's table to repair outside changes; default 60 s.
         *
         * @param interval positive
         * @return this builder
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder resyncInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("resyncInterval must be positive, was " + interval);
            }
            this.resyncInterval = interval;
            return this;
        }

        /**
         * Also read the kernel every N incremental applies; default 50.
         *
         * @param n at least 1; 1 reads the kernel at every apply
         * @return this builder
         * @throws IllegalArgumentException if it is less than 1
         */
        public Builder fullResyncEvery(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("fullResyncEvery must be at least 1, was " + n);
            }
            this.fullResyncEvery = n;
            return this;
        }

        /**
         * The controller, not started yet.
         *
         * @return the controller; call {@link #start()} to program the kernel
         * @throws IllegalStateException if the configuration has VIPs but no addresses were given
         * @throws Exception the ConfigSource's error, when built from one
         */
        public LvsController build() throws Exception {
            return new LvsController(this);
        }
    }
}
