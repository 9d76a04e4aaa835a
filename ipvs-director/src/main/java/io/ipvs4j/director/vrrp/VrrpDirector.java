package io.ipvs4j.director.vrrp;

import io.ipvs4j.AlreadyExistsException;
import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.NotFoundException;
import io.ipvs4j.director.keepalived.KeepalivedVrrp;
import io.ipvs4j.host.InterfaceAddress;
import io.ipvs4j.host.InterfaceAddresses;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.model.SyncState;
import io.ipvs4j.vrrp.VrrpInstanceConfig;
import io.ipvs4j.vrrp.VrrpListener;
import io.ipvs4j.vrrp.VrrpNetwork;
import io.ipvs4j.vrrp.VrrpRouter;
import io.ipvs4j.vrrp.VrrpScheduler;
import io.ipvs4j.vrrp.VrrpState;
import io.ipvs4j.vrrp.VrrpStats;
import io.ipvs4j.vrrp.VrrpSyncGroup;
import io.ipvs4j.vrrp.VrrpTransition;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VRRP half of keepalived, as the director runs it: one {@link VrrpRouter} per
 * {@code vrrp_instance} on a shared {@link VrrpScheduler}, {@code vrrp_sync_group}s as
 * {@link VrrpSyncGroup}s, {@code vrrp_script}s as {@link ScriptTracker}s, the notify scripts
 * on every transition, {@code virtual_ipaddress_excluded} brought up with MASTER, and the IPVS
 * connection-sync daemon following the role of the {@code lvs_sync_daemon} instance as
 * keepalived does it (vrrp_scheduler.c vrrp_init_state, vrrp.c vrrp_state_become_master /
 * vrrp_state_leave_master, vrrp_daemon.c stop_vrrp): the BACKUP daemon when the instance
 * starts, on MASTER the BACKUP daemon stopped and the MASTER daemon started, on leaving MASTER
 * the reverse, at stop the daemon of the current role stopped.
 *
 * <pre>{@code
 * KeepalivedConfig config = KeepalivedParser.parse(Path.of("keepalived.conf"));
 * try (VrrpDirector vrrp = VrrpDirector.create(config.vrrp(), VrrpHost.network(options), ipvs, addresses)) {
 *     vrrp.addListener(t -> log.info("VRRP {}", t));
 *     vrrp.start();
 *     ...
 * }
 * }</pre>
 */
public final class VrrpDirector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VrrpDirector.class);

    /** Replaced by {@link #reload}; its sync groups and sync daemon never change. */
    private volatile KeepalivedVrrp config;
    private final VrrpNetwork network;
    private final Ipvs ipvs;
    private final InterfaceAddresses addresses;
    private final VrrpScheduler scheduler = new VrrpScheduler();
    private final ScheduledExecutorService scripts;
    /** Sync daemon and excluded-address changes, in transition order, off the VRRP thread. */
    private final ExecutorService actions = Executors.newSingleThreadExecutor(daemon("ipvs4j-vrrp-actions"));
    /** Notify scripts: may take long, never delay the VRRP thread or each other's start. */
    private final ExecutorService notifier = Executors.newCachedThreadPool(daemon("ipvs4j-vrrp-notify"));
    /** Copy on write ({@link #reload}): status() and close() iterate it from other threads. */
    private volatile Map<String, VrrpRouter> routers = new LinkedHashMap<>();
    /** The instance's configuration now, for its transitions (a reload replaces it). */
    private final Map<String, KeepalivedVrrp.Instance> instances = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<ScriptTracker> trackers = new CopyOnWriteArrayList<>();
    private final List<VrrpSyncGroup> groups = new ArrayList<>();
    private final Map<String, VrrpState> groupStates = new LinkedHashMap<>();
    private final List<VrrpListener> listeners = new CopyOnWriteArrayList<>();
    private final List<VrrpTransition> recent = new CopyOnWriteArrayList<>();
    private volatile SyncState syncRole;
    private boolean started;
    private boolean closed;

    private final ScheduledThreadPoolExecutor scriptPool;

    private VrrpDirector(KeepalivedVrrp config, VrrpNetwork network, Ipvs ipvs, InterfaceAddresses addresses) {
        this.config = config;
        this.network = network;
        this.ipvs = ipvs;
        this.addresses = addresses;
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(Math.max(1, config.scripts().size()),
                daemon("ipvs4j-vrrp-script"));
        pool.setRemoveOnCancelPolicy(true);
        this.scripts = pool;
        this.scriptPool = pool;
    }

    /**
     * Opens every instance's sockets on {@code network} and groups them; nothing is sent before
     * {@link #start()}. The director closes {@code network} with itself, not {@code ipvs} nor
     * {@code addresses}.
     *
     * @param config the VRRP part of the configuration (at least one instance)
     * @param network the host side, e.g. {@code VrrpHost.network(options)}
     * @param ipvs where the sync daemon is started and stopped; null for none
     * @param addresses where {@code virtual_ipaddress_excluded} are brought up; null if no
     *     instance has any
     * @return the director, not started
     * @throws IOException if a socket cannot be opened
     * @throws IpvsException if an interface cannot be read
     * @throws IllegalArgumentException if the configuration has no instance, or excluded
     *     addresses but no {@code addresses}
     */
    public static VrrpDirector create(KeepalivedVrrp config, VrrpNetwork network, Ipvs ipvs,
            InterfaceAddresses addresses) throws IOException, IpvsException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(network, "network");
        if (config.instances().isEmpty()) {
            throw new IllegalArgumentException("the configuration has no vrrp_instance");
        }
        if (addresses == null && config.instances().stream().anyMatch(i -> !i.excludedAddresses().isEmpty())) {
            throw new IllegalArgumentException("virtual_ipaddress_excluded needs the host's addresses");
        }
        VrrpDirector d = new VrrpDirector(config, network, ipvs, addresses);
        try {
            d.open();
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void open() throws IOException, IpvsException {
        Map<String, ScriptTracker> byName = new LinkedHashMap<>();
        for (KeepalivedVrrp.Script s : config.scripts()) {
            byName.put(s.name(), new ScriptTracker(s, scripts));
        }
        for (KeepalivedVrrp.Instance i : config.instances()) {
            List<VrrpInstanceConfig.WeightedTracker> tracked = trackedBy(i, byName);
            for (VrrpInstanceConfig.WeightedTracker wt : tracked) {
                if (wt.tracker() instanceof ScriptTracker t && !trackers.contains(t)) {
                    trackers.add(t);
                }
            }
            VrrpRouter r = newRouter(i, tracked);
            routers.put(i.config().name(), r);
            instances.put(i.config().name(), i);
        }
        for (KeepalivedVrrp.SyncGroup g : config.syncGroups()) {
            if (g.members().size() >= 2) {
                groups.add(VrrpSyncGroup.of(g.name(), g.members().stream().map(routers::get).toList()));
            }
        }
    }

    private VrrpRouter newRouter(KeepalivedVrrp.Instance i, List<VrrpInstanceConfig.WeightedTracker> tracked)
            throws IOException, IpvsException {
        VrrpRouter r = VrrpRouter.create(withTrackers(i.config(), tracked), network, scheduler);
        String name = i.config().name();
        // a router replaced by a reload still reports its own stop with its own instance
        r.addListener(t -> onTransition(routers.get(name) == r ? instances.getOrDefault(name, i) : i, t));
        return r;
    }

    /** The instance's trackers: its own (track_interface is the router's) and its track_script ones. */
    private static List<VrrpInstanceConfig.WeightedTracker> trackedBy(KeepalivedVrrp.Instance i,
            Map<String, ScriptTracker> byName) {
        List<VrrpInstanceConfig.WeightedTracker> tracked = new ArrayList<>(i.config().trackers());
        for (KeepalivedVrrp.TrackScript ts : i.trackScripts()) {
            ScriptTracker t = byName.get(ts.script());
            if (t != null) {
                tracked.add(new VrrpInstanceConfig.WeightedTracker(t, ts.weight().orElse(t.script().weight())));
            }
        }
        return tracked;
    }

    /**
     * Applies a reloaded configuration's VRRP part as keepalived's reload does (vrrp_daemon.c
     * reload_vrrp_thread, vrrp.c clear_diff_vrrp / restore_vrrp_state, clear_diff_script): an
     * instance still configured keeps its state, a MASTER stays MASTER, with its new priority
     * and its VIPs diffed ({@link VrrpRouter#reconfigure}); an instance no longer configured
     * stops (a MASTER sends priority 0 and removes its VIPs); a new instance starts; an instance
     * whose interface, virtual_router_id, version, family, unicast peers, source address,
     * track_interface or track_script changed is stopped and started anew. A vrrp_script whose
     * definition is unchanged keeps running with its state; a changed one starts anew in INIT.
     * Unlike keepalived, instances are matched by name (keepalived matches by interface, vrid
     * and family, whatever the name).
     *
     * <p>Refused, with nothing changed: a change of {@code vrrp_sync_group}s or of the
     * {@code lvs_sync_daemon} (restart the director for those), a replaced instance that is in a
     * sync group, a script whose {@code user} is unknown, a socket that cannot be opened.
     *
     * <pre>{@code
     * String what = vrrp.reload(KeepalivedParser.parse(file).vrrp());
     * }</pre>
     *
     * @param next the VRRP part of the new configuration
     * @return what changed, e.g. "VI_1 reconfigured; VI_2 added"
     * @throws IllegalArgumentException if the change is one that is refused
     * @throws IOException if a new instance's socket cannot be opened
     * @throws IpvsException if a new instance's interface cannot be read
     * @throws IllegalStateException if the director is closed or not started
     */
    public synchronized String reload(KeepalivedVrrp next) throws IOException, IpvsException {
        Objects.requireNonNull(next, "next");
        if (closed || !started) {
            throw new IllegalStateException(closed ? "VRRP is closed" : "VRRP is not started");
        }
        KeepalivedVrrp old = config;
        if (old.equals(next)) {
            return "VRRP unchanged";
        }
        if (!old.syncGroups().stream().map(VrrpDirector::withoutLine).toList()
                .equals(next.syncGroups().stream().map(VrrpDirector::withoutLine).toList())) {
            throw new IllegalArgumentException("vrrp_sync_group changed: a reload does not regroup instances; restart"
                    + " the director");
        }
        if (!old.syncDaemon().map(VrrpDirector::withoutLine).equals(next.syncDaemon().map(VrrpDirector::withoutLine))) {
            throw new IllegalArgumentException("lvs_sync_daemon changed: restart the director");
        }
        if (addresses == null && next.instances().stream().anyMatch(i -> !i.excludedAddresses().isEmpty())) {
            throw new IllegalArgumentException("virtual_ipaddress_excluded needs the host's addresses");
        }
        // scripts: an unchanged one keeps running (and its state), a new or changed one is new
        Map<String, ScriptTracker> byName = new LinkedHashMap<>();
        List<ScriptTracker> fresh = new ArrayList<>();
        for (KeepalivedVrrp.Script s : next.scripts()) {
            ScriptTracker kept = trackers.stream().filter(t -> withoutLine(t.script()).equals(withoutLine(s))).findFirst()
                    .orElse(null);
            if (kept == null) {
                kept = new ScriptTracker(s, scripts);
                fresh.add(kept);
            }
            byName.put(s.name(), kept);
        }
        // the plan, and every new router opened, before anything running is touched
        Map<String, VrrpRouter> current = routers;
        Map<String, VrrpRouter> nextRouters = new LinkedHashMap<>();
        Map<String, VrrpInstanceConfig> reconfigure = new LinkedHashMap<>();
        List<VrrpRouter> opened = new ArrayList<>();
        List<String> what = new ArrayList<>();
        try {
            for (KeepalivedVrrp.Instance i : next.instances()) {
                String name = i.config().name();
                List<VrrpInstanceConfig.WeightedTracker> tracked = trackedBy(i, byName);
                VrrpRouter r = current.get(name);
                if (r != null) {
                    VrrpInstanceConfig c = withTrackers(i.config(), tracked);
                    Optional<String> blocker = r.reconfigureBlocker(c);
                    if (blocker.isEmpty()) {
                        nextRouters.put(name, r);
                        reconfigure.put(name, c);
                        continue;
                    }
                    if (groupOf(name).isPresent()) {
                        throw new IllegalArgumentException("vrrp_instance " + name + " (line " + i.line() + ") is in a"
                                + " vrrp_sync_group and its " + blocker.get() + " changed: restart the director");
                    }
                    what.add(name + " restarted (" + blocker.get() + " changed)");
                } else {
                    what.add(name + " added");
                }
                VrrpRouter created = newRouter(i, tracked);
                opened.add(created);
                nextRouters.put(name, created);
            }
        } catch (IOException | RuntimeException e) {
            opened.forEach(VrrpRouter::close);
            fresh.forEach(ScriptTracker::close);
            throw e;
        }
        // apply: stop what goes, reconfigure what stays, start what is new
        Map<String, KeepalivedVrrp.Instance> nextInstances = new LinkedHashMap<>();
        next.instances().forEach(i -> nextInstances.put(i.config().name(), i));
        for (Map.Entry<String, VrrpRouter> e : current.entrySet()) {
            if (nextRouters.get(e.getKey()) != e.getValue()) {
                if (!nextInstances.containsKey(e.getKey())) {
                    what.add(e.getKey() + " removed");
                }
                e.getValue().close();
            }
        }
        instances.keySet().retainAll(nextInstances.keySet());
        instances.putAll(nextInstances);
        config = next;
        routers = nextRouters;
        reconfigure.forEach((name, c) -> {
            VrrpInstanceConfig before = current.get(name).config();
            if (!before.equals(c)) {
                current.get(name).reconfigure(c);
                what.add(0, name + " reconfigured (priority " + before.priority() + " -> " + c.priority() + ", VIPs "
                        + c.virtualAddresses().stream().map(InterfaceAddress::cidr).toList() + ")");
            }
        });
        for (ScriptTracker t : trackers) {
            if (!byName.containsValue(t)) {
                t.close();
                trackers.remove(t);
            }
        }
        scriptPool.setCorePoolSize(Math.max(1, next.scripts().size()));
        for (ScriptTracker t : fresh) {
            trackers.add(t);
            t.start();
        }
        for (VrrpRouter r : opened) {
            r.start();
        }
        if (next.syncDaemon().isPresent() && opened.stream().anyMatch(r -> r.config().name()
                .equals(next.syncDaemon().get().instance()))) {
            // the replaced instance's stop stopped the daemon; its successor starts as BACKUP
            actions.execute(() -> syncDaemonRole(SyncState.BACKUP));
        }
        String summary = what.isEmpty() ? "VRRP unchanged (only scripts)" : String.join("; ", what);
        log.info("VRRP reloaded: {}", summary);
        return summary;
    }

    // a block that only moved in the file is the same block
    private static KeepalivedVrrp.SyncGroup withoutLine(KeepalivedVrrp.SyncGroup g) {
        return new KeepalivedVrrp.SyncGroup(g.name(), g.members(), g.notifyScripts(), 0);
    }

    private static KeepalivedVrrp.SyncDaemonConfig withoutLine(KeepalivedVrrp.SyncDaemonConfig d) {
        return new KeepalivedVrrp.SyncDaemonConfig(d.interfaceName(), d.instance(), d.syncId(), d.maxLength(), d.port(),
                d.ttl(), d.group(), 0);
    }

    private static KeepalivedVrrp.Script withoutLine(KeepalivedVrrp.Script s) {
        return new KeepalivedVrrp.Script(s.name(), s.command(), s.interval(), s.timeout(), s.weight(), s.rise(), s.fall(),
                s.user(), s.initFail(), 0);
    }

    /** {@code config} with {@code trackers} (the vrrp_script trackers exist only at run time). */
    static VrrpInstanceConfig withTrackers(VrrpInstanceConfig c, List<VrrpInstanceConfig.WeightedTracker> trackers) {
        return new VrrpInstanceConfig(c.name(), c.interfaceName(), c.virtualRouterId(), c.version(), c.priority(),
                c.advertInterval(), c.initialState(), c.preempt(), c.preemptDelay(), c.authPass(), c.virtualAddresses(),
                c.unicastPeers(), c.sourceAddress(), c.garpMasterDelay(), c.garpMasterRepeat(), c.garpMasterRefresh(),
                c.garpMasterRefreshRepeat(), c.garpInterval(), c.v3ChecksumAsV2(), c.downTimerAdverts(),
                c.trackInterfaces(), trackers);
    }

    /**
     * Starts the scripts, the sync daemon in BACKUP (if configured) and the instances. Once only.
     *
     * @throws IllegalStateException if already started or closed
     */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "VRRP is closed" : "VRRP already started");
        }
        started = true;
        config.syncDaemon().ifPresent(d -> actions.execute(() -> syncDaemonRole(SyncState.BACKUP)));
        trackers.forEach(ScriptTracker::start);
        for (VrrpRouter r : routers.values()) {
            VrrpInstanceConfig c = r.config();
            log.info("VRRP ({}) starting: {} vrid {} priority {} on {}, VIPs {}", c.name(), c.version(),
                    c.virtualRouterId(), c.priority(), c.interfaceName(),
                    c.virtualAddresses().stream().map(InterfaceAddress::cidr).toList());
            try {
                r.start();
            } catch (IllegalStateException e) {
                // the start request is queued on the VRRP thread and runs when it gets there: on a
                // starved machine (a loaded VM) that can take longer than the speaker waits
                log.warn("VRRP ({}) {}: it starts when the VRRP thread runs", c.name(), e.getMessage());
            }
        }
    }

    /**
     * Adds a listener of every instance's transitions (called on the VRRP thread: return quickly).
     *
     * @param listener the listener
     */
    public void addListener(VrrpListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * The instances now.
     *
     * @return one status per instance, in configuration order
     */
    public List<InstanceStatus> status() {
        Map<String, VrrpRouter> routers = this.routers;
        List<InstanceStatus> out = new ArrayList<>();
        for (VrrpRouter r : routers.values()) {
            out.add(new InstanceStatus(r.config(), r.state(), r.effectivePriority(), r.masterAddress(), r.stats()));
        }
        return out;
    }

    /**
     * The last transitions (at most 32, oldest first).
     *
     * @return recent transitions of all instances
     */
    public List<VrrpTransition> recentTransitions() {
        return List.copyOf(recent);
    }

    /**
     * The role of the IPVS sync daemon now.
     *
     * @return MASTER or BACKUP while one runs under this director's control, else empty
     */
    public Optional<SyncState> syncDaemonRole() {
        return Optional.ofNullable(syncRole);
    }

    /**
     * One instance's state, for the control socket and tests.
     *
     * @param config the instance's configuration
     * @param state its state
     * @param effectivePriority its priority with the trackers' weights
     * @param master the master heard last, if any
     * @param stats its counters
     */
    public record InstanceStatus(VrrpInstanceConfig config, VrrpState state, int effectivePriority,
            Optional<InetAddress> master, VrrpStats stats) {
        @Override
        public String toString() {
            VrrpInstanceConfig c = config;
            return c.name() + " " + state + " vrid " + c.virtualRouterId() + " " + c.version() + " priority "
                    + c.priority() + " effective " + effectivePriority + " " + c.interfaceName() + " vips "
                    + String.join(",", c.virtualAddresses().stream().map(InterfaceAddress::cidr).toList()) + " master "
                    + (state == VrrpState.MASTER ? "self" : master.map(InetAddresses::toText).orElse("-"))
                    + " adverts_rx " + stats.advertsReceived() + " adverts_tx " + stats.advertsSent()
                    + " became_master " + stats.becameMaster();
        }
    }

    // ---- transitions ----

    private void onTransition(KeepalivedVrrp.Instance instance, VrrpTransition t) {
        String name = instance.config().name();
        if (t.to() == VrrpState.INIT) {
            log.info("VRRP ({}) Stopped ({} -> INIT)", name, t.from());
        } else {
            log.info("VRRP ({}) Entering {} STATE (priority {}): {}", name, t.to(), t.priority(), t.reason());
        }
        recent.add(t);
        while (recent.size() > 32) {
            recent.remove(0);
        }
        boolean wasMaster = t.from() == VrrpState.MASTER;
        boolean isMaster = t.to() == VrrpState.MASTER;
        if (!instance.excludedAddresses().isEmpty() && wasMaster != isMaster) {
            actions.execute(() -> excludedAddresses(instance, isMaster));
        }
        if (config.syncDaemon().map(d -> d.instance().equals(name)).orElse(false)) {
            if (isMaster) {
                actions.execute(() -> syncDaemonRole(SyncState.MASTER));
            } else if (wasMaster && t.to() != VrrpState.INIT) {
                actions.execute(() -> syncDaemonRole(SyncState.BACKUP));
            } else if (t.to() == VrrpState.INIT) {
                actions.execute(this::stopSyncDaemon);
            }
        }
        notifyScripts("INSTANCE", name, instance.notifyScripts(), t);
        groupOf(name).ifPresent(g -> {
            VrrpState last = groupStates.get(g.name());
            if (last != t.to()) {
                groupStates.put(g.name(), t.to());
                notifyScripts("GROUP", g.name(), g.notifyScripts(), t);
            }
        });
        for (VrrpListener l : listeners) {
            try {
                l.transition(t);
            } catch (RuntimeException e) {
                log.warn("VRRP listener failed on {}: {}", t, e.toString());
            }
        }
    }

    private Optional<KeepalivedVrrp.SyncGroup> groupOf(String instance) {
        return config.syncGroups().stream().filter(g -> g.members().contains(instance)).findFirst();
    }

    /** keepalived's notify: "TYPE NAME STATE PRIORITY" appended to {@code notify}, nothing to the others. */
    private void notifyScripts(String type, String name, KeepalivedVrrp.Notify n, VrrpTransition t) {
        String state = switch (t.to()) {
            case MASTER -> "MASTER";
            case BACKUP -> "BACKUP";
            case FAULT -> "FAULT";
            case INIT -> "STOP";
        };
        Optional<List<String>> specific = switch (t.to()) {
            case MASTER -> n.master();
            case BACKUP -> n.backup();
            case FAULT -> n.fault();
            case INIT -> n.stop();
        };
        specific.ifPresent(cmd -> run(cmd, type + " " + name));
        n.all().ifPresent(cmd -> {
            List<String> args = new ArrayList<>(cmd);
            args.addAll(List.of(type, name, state, Integer.toString(t.priority())));
            run(args, type + " " + name);
        });
    }

    private void run(List<String> command, String owner) {
        notifier.execute(() -> {
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.getOutputStream().close();
                int status = p.waitFor();
                if (status != 0) {
                    log.warn("VRRP notify script {} of {} exited with status {}", command, owner, status);
                }
            } catch (IOException e) {
                log.warn("VRRP notify script {} of {} could not run: {}", command, owner, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void excludedAddresses(KeepalivedVrrp.Instance instance, boolean up) {
        for (InterfaceAddress a : instance.excludedAddresses()) {
            try {
                if (up) {
                    addresses.add(a);
                } else {
                    addresses.remove(a);
                }
            } catch (AlreadyExistsException | NotFoundException e) {
                // already as wanted
            } catch (IpvsException e) {
                log.error("VRRP ({}) virtual_ipaddress_excluded {}: {}", instance.config().name(), a, e.getMessage());
            }
        }
    }

    // ---- the IPVS sync daemon ----

    private void syncDaemonRole(SyncState role) {
        KeepalivedVrrp.SyncDaemonConfig d = config.syncDaemon().orElseThrow();
        if (ipvs == null) {
            return;
        }
        SyncState other = role == SyncState.MASTER ? SyncState.BACKUP : SyncState.MASTER;
        stop(other);
        SyncDaemon wanted = daemonOf(d, role);
        try {
            List<SyncDaemon> running = ipvs.syncDaemons();
            if (running.contains(wanted)) {
                log.info("IPVS sync daemon {} already running ({})", role, d);
            } else {
                if (running.stream().anyMatch(r -> r.state() == role)) {
                    stop(role);   // left by an earlier run with other settings
                }
                ipvs.startSyncDaemon(wanted);
                log.info("IPVS sync daemon started as {} ({})", role, d);
            }
            syncRole = role;
        } catch (IpvsException e) {
            log.error("IPVS sync daemon {} ({}) could not be started: {}", role, d, e.getMessage());
        }
    }

    private void stopSyncDaemon() {
        SyncState role = syncRole;
        if (role != null) {
            stop(role);
            syncRole = null;
        }
    }

    private void stop(SyncState role) {
        if (ipvs == null) {
            return;
        }
        try {
            if (ipvs.syncDaemons().stream().anyMatch(r -> r.state() == role)) {
                ipvs.stopSyncDaemon(role);
                log.info("IPVS sync daemon {} stopped", role);
            }
        } catch (NotFoundException e) {
            // not running
        } catch (IpvsException e) {
            log.error("IPVS sync daemon {} could not be stopped: {}", role, e.getMessage());
        }
    }

    static SyncDaemon daemonOf(KeepalivedVrrp.SyncDaemonConfig d, SyncState role) {
        SyncDaemon.Builder b = SyncDaemon.builder(role, d.interfaceName(), d.syncId());
        d.maxLength().ifPresent(b::maxLength);
        d.port().ifPresent(b::multicastPort);
        d.ttl().ifPresent(b::multicastTtl);
        d.group().ifPresent(b::multicastGroup);
        return b.build();
    }

    /**
     * Stops every instance (a MASTER sends priority 0 and releases its addresses: the backup
     * takes over after its skew time), then the scripts, the sync daemon and the sockets.
     * Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (VrrpRouter r : routers.values()) {
            try {
                r.close();
            } catch (RuntimeException e) {
                log.warn("VRRP ({}) did not stop cleanly: {}", r.config().name(), e.toString());
            }
        }
        trackers.forEach(ScriptTracker::close);
        scripts.shutdownNow();
        scheduler.close();
        if (config.syncDaemon().isPresent() && started) {
            actions.execute(this::stopSyncDaemon);
        }
        actions.shutdown();
        notifier.shutdown();
        try {
            actions.awaitTermination(10, TimeUnit.SECONDS);
            notifier.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        network.close();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
