package io.ipvs4j.vrrp;

import io.ipvs4j.IpvsException;
import io.ipvs4j.model.InetAddresses;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The VRRP state machine of one instance (RFC 5798 section 6.4, RFC 3768 section 6.4, with
 * keepalived's choices where the RFCs leave room: keepalived/vrrp/vrrp.c vrrp_state_backup,
 * vrrp_state_master_rx, vrrp_scheduler.c vrrp_init_state), on a {@link VrrpNetwork} and a
 * {@link VrrpTimers}. Everything but the public getters runs on the timers' thread.
 *
 * <pre>{@code
 * VrrpSpeaker speaker = VrrpRouter.create(config, network, scheduler);
 * speaker.start();
 * }</pre>
 *
 * <p>Timers: master-down interval = {@code downTimerAdverts} x Master_Adver_Interval + skew,
 * skew = (256 - priority) / 256 s in v2 and (256 - priority) x Master_Adver_Interval / 256 in v3,
 * where a v3 backup learns Master_Adver_Interval from the master's adverts. A priority-0 advert
 * shortens a backup's timer to the skew time.
 */
public final class VrrpRouter implements VrrpSpeaker {
    private static final System.Logger LOG = System.getLogger(VrrpRouter.class.getName());
    private static final long SECOND = 1_000_000_000L;
    private static final long CENTISECOND = 10_000_000L;

    // indexes of the counters in VrrpStats order
    private static final int RX = 0, TX = 1, BECAME_MASTER = 2, RELEASED = 3, PRIO0_RX = 4, PRIO0_TX = 5, BAD_TTL = 6,
            BAD_LENGTH = 7, BAD_VERSION = 8, BAD_TYPE = 9, BAD_AUTH_TYPE = 10, AUTH_FAILURE = 11, BAD_CHECKSUM = 12,
            INTERVAL = 13, ADDR_LIST = 14, SEND_ERRORS = 15;

    /** Replaced by {@link #reconfigure} (on the timer thread); volatile for {@link #config()}. */
    private volatile VrrpInstanceConfig config;
    private final VrrpTimers timers;
    private final VrrpNetwork.Endpoint endpoint;
    private final List<VrrpInstanceConfig.WeightedTracker> trackers;
    private final List<VrrpListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLongArray counters = new AtomicLongArray(16);
    private final Set<InetAddress> configuredAddresses = new HashSet<>();
    private long advertNanos;
    private volatile Thread timerThread;

    // state: written on the timer thread only, volatile for the getters
    private volatile VrrpState state = VrrpState.INIT;
    private volatile int effectivePriority;
    private volatile InetAddress masterAddress;
    private boolean started;
    private boolean closed;
    private boolean fault;
    private String faultReason = "";
    private long masterAdverNanos;
    private long preemptTime;   // nanoTime when a tolerated lower-priority master may be preempted; 0: not running
    private VrrpTimers.Cancellable downTimer;
    private VrrpTimers.Cancellable advertTimer;
    private final List<VrrpTimers.Cancellable> announceTimers = new ArrayList<>();
    VrrpSyncGroup group;        // set by VrrpSyncGroup
    boolean heldInFaultByGroup;

    private VrrpRouter(VrrpInstanceConfig config, VrrpNetwork network, VrrpTimers timers,
            VrrpNetwork.Endpoint endpoint, List<VrrpInstanceConfig.WeightedTracker> trackers) {
        this.config = config;
        this.timers = timers;
        this.endpoint = endpoint;
        this.trackers = trackers;
        this.advertNanos = config.advertInterval().toNanos();
        this.masterAdverNanos = advertNanos;
        this.effectivePriority = config.priority();
        config.virtualAddresses().forEach(a -> configuredAddresses.add(a.address()));
    }

    /**
     * Opens {@code config}'s endpoint on {@code network} and the link trackers of its interface
     * and {@code track_interface}s; {@link #start()} starts it.
     *
     * @param config the instance to run
     * @param network the host side (sockets, addresses, announcements, link trackers)
     * @param timers the clock and thread the instance runs on
     * @return the router, in state INIT
     * @throws IOException if the advert endpoint cannot be opened
     * @throws IpvsException if the interface or a tracked interface cannot be read
     */
    public static VrrpRouter create(VrrpInstanceConfig config, VrrpNetwork network, VrrpTimers timers)
            throws IOException, IpvsException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(timers, "timers");
        List<VrrpInstanceConfig.WeightedTracker> trackers = new ArrayList<>();
        Set<String> tracked = new HashSet<>();
        tracked.add(config.interfaceName());
        trackers.add(new VrrpInstanceConfig.WeightedTracker(network.linkTracker(config.interfaceName()), 0));
        for (VrrpInstanceConfig.TrackedInterface ti : config.trackInterfaces()) {
            if (tracked.add(ti.interfaceName())) {
                trackers.add(new VrrpInstanceConfig.WeightedTracker(network.linkTracker(ti.interfaceName()), ti.weight()));
            }
        }
        trackers.addAll(config.trackers());
        VrrpRouter[] self = new VrrpRouter[1];
        VrrpNetwork.Endpoint endpoint = network.open(config, r -> {
            VrrpRouter router = self[0];
            if (router != null) {
                timers.execute(() -> router.onAdvert(r));
            }
        });
        VrrpRouter router = new VrrpRouter(config, network, timers, endpoint, List.copyOf(trackers));
        self[0] = router;
        for (VrrpInstanceConfig.WeightedTracker t : router.trackers) {
            t.tracker().addChangeCallback(() -> timers.execute(router::onTrackerChange));
        }
        return router;
    }

    @Override
    public VrrpInstanceConfig config() {
        return config;
    }

    @Override
    public VrrpState state() {
        return state;
    }

    @Override
    public int effectivePriority() {
        return effectivePriority;
    }

    @Override
    public Optional<InetAddress> masterAddress() {
        return Optional.ofNullable(masterAddress);
    }

    @Override
    public VrrpStats stats() {
        long[] c = new long[16];
        for (int i = 0; i < c.length; i++) {
            c[i] = counters.get(i);
        }
        return new VrrpStats(c[RX], c[TX], c[BECAME_MASTER], c[RELEASED], c[PRIO0_RX], c[PRIO0_TX],
                c[BAD_TTL] + endpoint.badTtl(), c[BAD_LENGTH], c[BAD_VERSION], c[BAD_TYPE], c[BAD_AUTH_TYPE],
                c[AUTH_FAILURE], c[BAD_CHECKSUM], c[INTERVAL], c[ADDR_LIST], c[SEND_ERRORS]);
    }

    @Override
    public void addListener(VrrpListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void start() {
        onTimerThread(() -> {
            if (started) {
                throw new IllegalStateException("(" + config.name() + ") already started");
            }
            started = true;
            evaluateTrackers();
            if (fault) {
                removeAddresses();
                changeState(VrrpState.FAULT, faultReason);
            } else if (config.priority() == VrrpInstanceConfig.PRIORITY_OWNER) {
                becomeMaster("address owner (priority 255)");
            } else {
                removeAddresses();
                changeState(VrrpState.BACKUP, "started as " + config.initialState());
                // state MASTER: wait one advert interval for another master (keepalived vrrp_init_state)
                startDownTimer(config.initialState() == VrrpState.MASTER
                        ? masterAdverNanos + skewUnitsNanos(1) : masterDownNanos());
            }
        });
    }

    /**
     * Why {@code next} cannot replace this instance's configuration in place, or empty if it can.
     * In place means without leaving the current state: the same name, interface, virtual router
     * id, version, address family, unicast peers, source address, tracked interfaces and trackers
     * (the same tracker objects with the same weights), and owner (priority 255) on both sides
     * or neither. Everything else (priority, VIPs, advert interval, preempt, authentication,
     * garp settings) can change in place.
     *
     * <pre>{@code
     * if (router.reconfigureBlocker(next).isEmpty()) router.reconfigure(next);
     * }</pre>
     *
     * @param next the new configuration of this instance
     * @return what differs that needs a new instance, or empty
     */
    public Optional<String> reconfigureBlocker(VrrpInstanceConfig next) {
        Objects.requireNonNull(next, "next");
        VrrpInstanceConfig c = config;
        if (!c.name().equals(next.name())) {
            return Optional.of("name " + c.name() + " -> " + next.name());
        }
        if (!c.interfaceName().equals(next.interfaceName())) {
            return Optional.of("interface " + c.interfaceName() + " -> " + next.interfaceName());
        }
        if (c.virtualRouterId() != next.virtualRouterId()) {
            return Optional.of("virtual_router_id " + c.virtualRouterId() + " -> " + next.virtualRouterId());
        }
        if (c.version() != next.version()) {
            return Optional.of("version " + c.version() + " -> " + next.version());
        }
        if (c.isIpv6() != next.isIpv6()) {
            return Optional.of("address family");
        }
        if (!c.unicastPeers().equals(next.unicastPeers())) {
            return Optional.of("unicast_peer");
        }
        if (!c.sourceAddress().equals(next.sourceAddress())) {
            return Optional.of("unicast_src_ip / mcast_src_ip");
        }
        if (!c.trackInterfaces().equals(next.trackInterfaces())) {
            return Optional.of("track_interface");
        }
        if (!c.trackers().equals(next.trackers())) {
            return Optional.of("tracked scripts or their weights");
        }
        if ((c.priority() == VrrpInstanceConfig.PRIORITY_OWNER) != (next.priority() == VrrpInstanceConfig.PRIORITY_OWNER)) {
            return Optional.of("address owner (priority 255) " + c.priority() + " -> " + next.priority());
        }
        return Optional.empty();
    }

    /**
     * Replaces this instance's configuration without leaving its state, as keepalived's reload
     * does for an instance that is still there (vrrp.c clear_diff_vrrp / restore_vrrp_state): a
     * MASTER stays MASTER, removes the VIPs no longer configured, adds the new ones and announces
     * them (a round at once, another after garp_master_delay); the new priority takes effect at
     * once (the next advert carries it: a preempting backup of higher priority takes over, a
     * BACKUP of now higher priority preempts at its master-down timer); a new advert interval from
     * the next advert. Waits until applied (unless called on the timer thread).
     *
     * <pre>{@code
     * router.reconfigure(VrrpInstanceConfig.builder("VI_1", "eth0", 51).priority(120)
     *         .virtualAddress("192.0.2.100/24").virtualAddress("192.0.2.101/24").build());
     * }</pre>
     *
     * @param next the new configuration
     * @throws IllegalArgumentException if {@link #reconfigureBlocker} names a difference
     * @throws IllegalStateException if the router is closed
     */
    public void reconfigure(VrrpInstanceConfig next) {
        Optional<String> blocker = reconfigureBlocker(next);
        if (blocker.isPresent()) {
            throw new IllegalArgumentException("(" + config.name() + ") cannot be reconfigured in place: "
                    + blocker.get() + " changed");
        }
        onTimerThread(() -> {
            if (closed) {
                throw new IllegalStateException("(" + config.name() + ") is closed");
            }
            VrrpInstanceConfig old = config;
            if (old.equals(next)) {
                return;
            }
            config = next;
            configuredAddresses.clear();
            next.virtualAddresses().forEach(a -> configuredAddresses.add(a.address()));
            boolean intervalChanged = advertNanos != next.advertInterval().toNanos();
            advertNanos = next.advertInterval().toNanos();
            if (state != VrrpState.BACKUP || masterAddress == null) {
                masterAdverNanos = advertNanos;
            }
            int before = effectivePriority;
            if (started) {
                evaluateTrackers();
            } else {
                effectivePriority = next.priority();
            }
            List<io.ipvs4j.host.InterfaceAddress> removed = new ArrayList<>(old.virtualAddresses());
            removed.removeAll(next.virtualAddresses());
            List<io.ipvs4j.host.InterfaceAddress> added = new ArrayList<>(next.virtualAddresses());
            added.removeAll(old.virtualAddresses());
            LOG.log(Level.INFO, "(" + next.name() + ") reconfigured in " + state + ": priority " + before + " -> "
                    + effectivePriority + ", VIPs added " + added.stream().map(io.ipvs4j.host.InterfaceAddress::cidr).toList()
                    + ", removed " + removed.stream().map(io.ipvs4j.host.InterfaceAddress::cidr).toList());
            if (state == VrrpState.MASTER) {
                if (!removed.isEmpty()) {
                    try {
                        endpoint.removeAddresses(removed);
                    } catch (IpvsException | RuntimeException e) {
                        LOG.log(Level.ERROR, "(" + next.name() + ") cannot remove the virtual addresses: " + e.getMessage(), e);
                    }
                }
                if (!added.isEmpty()) {
                    try {
                        endpoint.addAddresses(added);
                    } catch (IpvsException | RuntimeException e) {
                        LOG.log(Level.ERROR, "(" + next.name() + ") cannot add the virtual addresses: " + e.getMessage(), e);
                    }
                    announceRound(next.garpMasterRepeat());
                    if (positive(next.garpMasterDelay())) {
                        announceTimers.add(timers.schedule(() -> announceRound(config.garpMasterRepeat()),
                                next.garpMasterDelay().toNanos()));
                    }
                }
                if (intervalChanged || before != effectivePriority || !added.isEmpty() || !removed.isEmpty()) {
                    sendAdvert(effectivePriority);   // the peers learn the new priority, interval and addresses now
                    scheduleAdvert();
                }
            }
        });
    }

    @Override
    public void close() {
        onTimerThread(() -> {
            if (closed) {
                return;
            }
            closed = true;
            if (state == VrrpState.MASTER) {
                sendAdvert(0);
                leaveMaster();
            }
            cancelDownTimer();
            VrrpState from = state;
            state = VrrpState.INIT;
            if (from != VrrpState.INIT) {
                notifyListeners(new VrrpTransition(config.name(), from, VrrpState.INIT, effectivePriority, "stopped"));
            }
            endpoint.close();
        });
    }

    // ---- events (timer thread) ------------------------------------------------------------

    void onAdvert(VrrpNetwork.ReceivedAdvert r) {
        if (closed || !started || state == VrrpState.FAULT || state == VrrpState.INIT) {
            return;
        }
        VrrpPacket.Decoded d = VrrpPacket.decode(r.message(), r.length(), config, r.source(), r.destination(), false);
        if (!d.ok()) {
            count(d.rejection());
            return;
        }
        VrrpPacket p = d.packet();
        if (r.source().equals(endpoint.sourceAddress())) {
            return;   // our own advert (multicast loop is off; a unicast peer list may name us)
        }
        counters.incrementAndGet(RX);
        if (p.priority() == 0) {
            counters.incrementAndGet(PRIO0_RX);
        }
        if (!new HashSet<>(p.addresses()).equals(configuredAddresses)) {
            counters.incrementAndGet(ADDR_LIST);   // keepalived logs and still takes the advert
        }
        if (state == VrrpState.BACKUP) {
            backupReceived(p, r.source());
        } else if (state == VrrpState.MASTER) {
            masterReceived(p, r.source());
        }
    }

    private void backupReceived(VrrpPacket p, InetAddress source) {
        long now = timers.nanoTime();
        if (p.priority() == 0) {
            masterAddress = null;
            startDownTimer(skewNanos(skewPriority()));
            return;
        }
        boolean tolerated = positive(config.preemptDelay()) && (preemptTime == 0 || preemptTime - now > 0);
        if (!config.preempt() || p.priority() >= effectivePriority || tolerated) {
            learnInterval(p);
            masterAddress = source;
            startDownTimer(masterDownNanos());
            if (positive(config.preemptDelay())) {
                if (p.priority() >= effectivePriority) {
                    preemptTime = 0;
                } else if (preemptTime == 0) {
                    preemptTime = now + config.preemptDelay().toNanos();
                    if (preemptTime == 0) {
                        preemptTime = 1;
                    }
                }
            }
        }
        // else: a lower-priority master that we preempt: its adverts do not reset our timer
    }

    private void masterReceived(VrrpPacket p, InetAddress source) {
        if (p.priority() == 0) {
            sendAdvert(effectivePriority);
            scheduleAdvert();
            return;
        }
        int cmp = compareAddresses(source, endpoint.sourceAddress());
        if (p.priority() > effectivePriority || (p.priority() == effectivePriority && cmp > 0)) {
            learnInterval(p);
            masterAddress = source;
            leaveMaster();
            changeState(VrrpState.BACKUP, (p.priority() > effectivePriority ? "higher priority " : "same priority, higher address, ")
                    + p.priority() + " from " + InetAddresses.toText(source));
            startDownTimer(masterDownNanos());
        } else if (p.priority() < effectivePriority || cmp < 0) {
            // a lower-priority master (a healed partition, or a peer that was not scheduled): advertise now
            // so that it steps down, and refresh the neighbours' caches it pointed at itself with its own
            // gratuitous ARPs (keepalived vrrp_state_master_rx: garp_lower_prio_repeat and _delay, which
            // default to garp_master_repeat and garp_master_delay)
            LOG.log(Level.INFO, "(" + config.name() + ") Received advert from " + InetAddresses.toText(source)
                    + " with lower priority " + p.priority() + ", ours " + effectivePriority + ", forcing new election");
            sendAdvert(effectivePriority);
            scheduleAdvert();
            announceRound(config.garpMasterRepeat());
            if (positive(config.garpMasterDelay())) {
                announceTimers.add(timers.schedule(() -> announceRound(config.garpMasterRepeat()),
                        config.garpMasterDelay().toNanos()));
            }
        }
    }

    private void onDownTimer() {
        downTimer = null;
        if (closed || state != VrrpState.BACKUP) {
            return;
        }
        if (group != null && !group.canBecomeMaster(this)) {
            startDownTimer(masterDownNanos());
            return;
        }
        becomeMaster(masterAddress == null ? "master down timer expired (no master heard)"
                : "master " + InetAddresses.toText(masterAddress) + " down timer expired");
    }

    private void onTrackerChange() {
        if (closed || !started) {
            return;
        }
        boolean wasFault = fault;
        evaluateTrackers();
        applyFault(wasFault);
    }

    private void applyFault(boolean wasFault) {
        boolean nowFault = fault || heldInFaultByGroup;
        if (nowFault && state != VrrpState.FAULT) {
            if (state == VrrpState.MASTER) {
                sendAdvert(0);
                leaveMaster();
            }
            cancelDownTimer();
            masterAddress = null;
            changeState(VrrpState.FAULT, fault ? faultReason : "sync group member in FAULT");
        } else if (!nowFault && state == VrrpState.FAULT) {
            masterAdverNanos = advertNanos;
            changeState(VrrpState.BACKUP, wasFault ? "fault cleared" : "sync group fault cleared");
            startDownTimer(masterDownNanos());
        }
    }

    // ---- sync group (timer thread) -------------------------------------------------------

    void groupForceMaster(String reason) {
        if (!closed && state == VrrpState.BACKUP) {
            becomeMaster(reason);
        }
    }

    void groupForceBackup(String reason) {
        if (!closed && state == VrrpState.MASTER) {
            leaveMaster();
            changeState(VrrpState.BACKUP, reason);
            startDownTimer(masterDownNanos());
        }
    }

    void groupHoldFault(boolean hold) {
        if (closed || !started || heldInFaultByGroup == hold) {
            return;
        }
        heldInFaultByGroup = hold;
        applyFault(fault);
    }

    boolean ownFault() {
        return fault;
    }

    // ---- actions ---------------------------------------------------------------------------

    private void becomeMaster(String reason) {
        cancelDownTimer();
        preemptTime = 0;
        masterAddress = null;
        sendAdvert(effectivePriority);
        scheduleAdvert();
        try {
            endpoint.addAddresses(config.virtualAddresses());
        } catch (IpvsException | RuntimeException e) {
            LOG.log(Level.ERROR, "(" + config.name() + ") cannot add the virtual addresses: " + e.getMessage(), e);
        }
        announceRounds();
        counters.incrementAndGet(BECAME_MASTER);
        changeState(VrrpState.MASTER, reason);
    }

    private void leaveMaster() {
        if (advertTimer != null) {
            advertTimer.cancel();
            advertTimer = null;
        }
        announceTimers.forEach(VrrpTimers.Cancellable::cancel);
        announceTimers.clear();
        removeAddresses();
        counters.incrementAndGet(RELEASED);
    }

    private void removeAddresses() {
        try {
            endpoint.removeAddresses(config.virtualAddresses());
        } catch (IpvsException | RuntimeException e) {
            LOG.log(Level.ERROR, "(" + config.name() + ") cannot remove the virtual addresses: " + e.getMessage(), e);
        }
    }

    /** Gratuitous ARP / NA: a round now, one after garp_master_delay, then every garp_master_refresh. */
    private void announceRounds() {
        announceRound(config.garpMasterRepeat());
        if (positive(config.garpMasterDelay())) {
            announceTimers.add(timers.schedule(() -> announceRound(config.garpMasterRepeat()),
                    config.garpMasterDelay().toNanos()));
        }
        if (positive(config.garpMasterRefresh())) {
            scheduleRefresh();
        }
    }

    private void scheduleRefresh() {
        announceTimers.add(timers.schedule(() -> {
            if (state == VrrpState.MASTER && !closed) {
                announceRound(config.garpMasterRefreshRepeat());
                scheduleRefresh();
            }
        }, config.garpMasterRefresh().toNanos()));
    }

    private void announceRound(int repeat) {
        if (state != VrrpState.MASTER && state != VrrpState.BACKUP || closed) {
            return;
        }
        long gap = config.garpInterval().toNanos();
        for (int i = 0; i < repeat; i++) {
            if (gap == 0 || i == 0) {
                announceOnce();
            } else {
                announceTimers.add(timers.schedule(this::announceOnce, gap * i));
            }
        }
    }

    private void announceOnce() {
        if (closed) {
            return;
        }
        try {
            endpoint.announce(config.virtualAddresses());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "(" + config.name() + ") cannot announce the virtual addresses: " + e.getMessage());
        }
    }

    private void scheduleAdvert() {
        if (advertTimer != null) {
            advertTimer.cancel();
        }
        advertTimer = timers.schedule(() -> {
            advertTimer = null;
            if (state == VrrpState.MASTER && !closed) {
                sendAdvert(effectivePriority);
                scheduleAdvert();
            }
        }, advertNanos);
    }

    private void sendAdvert(int priority) {
        List<InetAddress> destinations = config.unicastPeers().isEmpty() ? List.of(config.multicastGroup()) : config.unicastPeers();
        for (InetAddress dst : destinations) {
            byte[] message = VrrpPacket.encode(config, priority, endpoint.sourceAddress(), dst);
            try {
                endpoint.send(message, dst);
                counters.incrementAndGet(TX);
                if (priority == 0) {
                    counters.incrementAndGet(PRIO0_TX);
                }
            } catch (IOException | RuntimeException e) {
                counters.incrementAndGet(SEND_ERRORS);
                LOG.log(Level.WARNING, "(" + config.name() + ") cannot send advert to " + InetAddresses.toText(dst)
                        + ": " + e.getMessage());
            }
        }
    }

    private void startDownTimer(long nanos) {
        cancelDownTimer();
        downTimer = timers.schedule(this::onDownTimer, nanos);
    }

    private void cancelDownTimer() {
        if (downTimer != null) {
            downTimer.cancel();
            downTimer = null;
        }
    }

    private void learnInterval(VrrpPacket p) {
        if (config.version() == VrrpVersion.V3 && p.advertInterval() > 0) {
            masterAdverNanos = p.advertInterval() * CENTISECOND;
        }
    }

    private void evaluateTrackers() {
        int priority = config.priority();
        boolean anyFault = false;
        String reason = "";
        for (VrrpInstanceConfig.WeightedTracker t : trackers) {
            boolean up = t.tracker().up();
            if (t.tracker().initializing()) {
                // neither up nor down yet: no weight either way, a weight-0 instance held back
                if (t.weight() == 0 && !anyFault) {
                    anyFault = true;
                    reason = "tracker " + t.tracker().name() + " has no result yet (INIT)";
                }
            } else if (t.weight() == 0) {
                if (!up && !anyFault) {
                    anyFault = true;
                    reason = "tracker " + t.tracker().name() + " down";
                }
            } else if (t.weight() > 0 && up) {
                priority += t.weight();
            } else if (t.weight() < 0 && !up) {
                priority += t.weight();
            }
        }
        if (config.priority() != VrrpInstanceConfig.PRIORITY_OWNER) {
            priority = Math.max(1, Math.min(254, priority));   // keepalived keeps a non-owner within 1..254
        } else {
            priority = VrrpInstanceConfig.PRIORITY_OWNER;
        }
        if (priority != effectivePriority) {
            LOG.log(Level.INFO, "(" + config.name() + ") effective priority " + effectivePriority + " -> " + priority);
        }
        effectivePriority = priority;
        fault = anyFault;
        faultReason = reason;
    }

    // ---- timer arithmetic ------------------------------------------------------------------

    private int skewPriority() {
        return config.priority() == VrrpInstanceConfig.PRIORITY_OWNER ? VrrpInstanceConfig.PRIORITY_OWNER : effectivePriority;
    }

    /** The skew time of {@code priority}: keepalived's VRRP_TIMER_SKEW. */
    private long skewNanos(int priority) {
        return skewUnitsNanos(256 - priority);
    }

    /** keepalived's VRRP_TIMER_SKEW_CALC: {@code units}/256 s (v2) or of Master_Adver_Interval (v3). */
    private long skewUnitsNanos(int units) {
        return config.version() == VrrpVersion.V3 ? units * masterAdverNanos / 256 : units * SECOND / 256;
    }

    long masterDownNanos() {
        return config.downTimerAdverts() * masterAdverNanos + skewNanos(skewPriority());
    }

    // ---- plumbing --------------------------------------------------------------------------

    private void changeState(VrrpState to, String reason) {
        VrrpState from = state;
        if (from == to) {
            return;
        }
        state = to;
        VrrpTransition t = new VrrpTransition(config.name(), from, to, effectivePriority, reason);
        LOG.log(Level.INFO, t.toString());
        notifyListeners(t);
        if (group != null) {
            group.memberChanged(this, from, to);
        }
    }

    private void notifyListeners(VrrpTransition t) {
        for (VrrpListener l : listeners) {
            try {
                l.transition(t);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "(" + config.name() + ") listener failed on " + t, e);
            }
        }
    }

    private void count(VrrpPacket.Rejection r) {
        int index = switch (r) {
            case TOO_SHORT, BAD_LENGTH -> BAD_LENGTH;
            case BAD_VERSION -> BAD_VERSION;
            case BAD_TYPE -> BAD_TYPE;
            case BAD_AUTH_TYPE -> BAD_AUTH_TYPE;
            case AUTH_FAILURE -> AUTH_FAILURE;
            case BAD_CHECKSUM -> BAD_CHECKSUM;
            case INTERVAL_MISMATCH -> INTERVAL;
            case OTHER_ROUTER -> -1;
        };
        if (index >= 0) {
            counters.incrementAndGet(index);
            LOG.log(Level.DEBUG, "(" + config.name() + ") dropped a VRRP message: " + r);
        }
    }

    private static boolean positive(java.time.Duration d) {
        return !d.isZero() && !d.isNegative();
    }

    private static int compareAddresses(InetAddress a, InetAddress b) {
        return java.util.Arrays.compareUnsigned(a.getAddress(), b.getAddress());
    }

    /** Runs {@code action} on the timer thread and waits for it (inline if already there). */
    private void onTimerThread(Runnable action) {
        if (Thread.currentThread() == timerThread) {
            action.run();
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        timers.execute(() -> {
            timerThread = Thread.currentThread();
            try {
                action.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            throw new IllegalStateException("(" + config.name() + ") the VRRP scheduler did not run the request within 10 s");
        }
    }
}
