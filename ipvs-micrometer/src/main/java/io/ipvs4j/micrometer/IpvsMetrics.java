package io.ipvs4j.micrometer;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.IpvsTable;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.model.AddressFamily;
import io.ipvs4j.model.Endpoint;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.ServiceStatus;
import io.ipvs4j.model.Stats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

/**
 * A Micrometer {@link MeterBinder} that publishes the IPVS table of an {@link Ipvs}: per service
 * and per real server the kernel's 64-bit counters (connections, packets and bytes in and out)
 * as {@link FunctionCounter}s, its rate estimates (connections, packets and bytes per second)
 * and, per real server, the active, inactive and persistent connections and the weight as
 * {@link Gauge}s. TCP, UDP, SCTP and firewall-mark services of both families are included; the
 * meters and their tags are listed in the module's README.
 *
 * <pre>{@code
 * Ipvs ipvs = IpvsNetlink.open();                  // or new InMemoryIpvs() in tests
 * IpvsMetrics metrics = IpvsMetrics.builder(ipvs)
 *         .refreshInterval(Duration.ofSeconds(10))
 *         .tag("site", "ams1")
 *         .build();
 * metrics.bindTo(registry);                        // registers the meters, then refreshes every 10 s
 * ...
 * metrics.close();                                 // stops refreshing, removes its meters
 * }</pre>
 *
 * <p><b>Refreshing:</b> the meters do not ask the kernel when they are read. A refresh lists
 * the whole table once ({@link Ipvs#table()}: one service dump and one real-server dump per
 * service over netlink) and every meter reads the values of the last refresh, so scraping costs
 * no kernel call, however many meters there are (a scrape that overlaps a refresh may read some
 * meters from the previous listing and some from the new one). Each refresh also
 * registers the meters of services and real servers that appeared and removes from every bound
 * registry the meters of those that vanished. Refreshes run on a daemon thread of this binder
 * every {@link Builder#refreshInterval(Duration) refresh interval} after the first
 * {@link #bindTo}, which refreshes at once; with an interval of zero only {@link #refresh()}
 * refreshes. Entries the model cannot represent ({@link io.ipvs4j.ForeignEntry}, see
 * {@link Ipvs#table()}) get no meters.
 *
 * <p><b>Failures:</b> a listing that fails ({@link IpvsException}, or the {@code Ipvs} closed)
 * is never thrown into Micrometer or the refresh thread: it increments the counter
 * {@code <prefix>.refresh.failures}, is logged (warning on the first failure after a success,
 * debug for the following ones, info when a listing succeeds again) and leaves the meters at the
 * values of the last successful refresh.
 *
 * <p><b>Thread safety:</b> safe for use by many threads. Refreshes, {@link #bindTo} and
 * {@link #close} are serialised; meters read values published by the last refresh without
 * locking.
 *
 * <p>The counters are the kernel's: {@link Ipvs#zero()} (ipvsadm {@code -Z}) resets them, which
 * Prometheus and other backends read as a counter reset. Bind one {@code IpvsMetrics} per
 * registry and prefix: a second binder with the same prefix on the same registry and the same
 * services would find the first one's meters already registered.
 */
public final class IpvsMetrics implements MeterBinder, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(IpvsMetrics.class.getName());
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
    private static final double TWO_TO_64 = 0x1p64;

    /** The default time between two refreshes. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(10);
    /** The default prefix of every meter name. */
    public static final String DEFAULT_PREFIX = "ipvs";

    private final Ipvs ipvs;
    private final Duration refreshInterval;
    private final String prefix;
    private final Tags commonTags;
    private final ScheduledExecutorService suppliedExecutor;

    private final Object lock = new Object();
    private final List<MeterRegistry> registries = new ArrayList<>();
    private final Map<ServiceId, ServiceMeters> services = new LinkedHashMap<>();
    private final Map<RealServerId, RealServerMeters> realServers = new LinkedHashMap<>();
    private final List<Meter> ownMeters = new ArrayList<>();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong refreshes = new AtomicLong();
    private ScheduledExecutorService executor;
    private ScheduledFuture<?> refreshTask;
    private boolean failing;
    private boolean closed;

    private IpvsMetrics(Builder b) {
        this.ipvs = b.ipvs;
        this.refreshInterval = b.refreshInterval;
        this.prefix = b.prefix;
        this.commonTags = b.tags;
        this.suppliedExecutor = b.executor;
    }

    /**
     * A builder of a binder that reads {@code ipvs}.
     *
     * <pre>{@code IpvsMetrics metrics = IpvsMetrics.builder(ipvs).prefix("lb").build(); }</pre>
     *
     * @param ipvs the IPVS tables to publish; not closed by {@link #close()}
     * @return a builder with the defaults: refresh every 10 s, prefix {@code ipvs}, no extra tags
     */
    public static Builder builder(Ipvs ipvs) {
        return new Builder(ipvs);
    }

    /**
     * Registers the meters with {@code registry} and refreshes at once; the first call also
     * starts refreshing every refresh interval. May be called for several registries: every
     * refresh updates the meters of all of them. A failing listing is counted and logged, not
     * thrown.
     *
     * <pre>{@code IpvsMetrics.builder(ipvs).build().bindTo(new SimpleMeterRegistry()); }</pre>
     *
     * @param registry the registry
     * @throws IllegalStateException if this binder is closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("IpvsMetrics is closed");
            }
            if (registries.stream().anyMatch(r -> r == registry)) {
                return;
            }
            registries.add(registry);
            registerOwnMeters(registry);
            for (ServiceMeters s : services.values()) {
                s.register(registry);
            }
            for (RealServerMeters r : realServers.values()) {
                r.register(registry);
            }
            refreshLocked();
            if (refreshTask == null && !refreshInterval.isZero()) {
                executor = suppliedExecutor != null ? suppliedExecutor : Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "ipvs-micrometer-refresh");
                    t.setDaemon(true);
                    return t;
                });
                long nanos = refreshInterval.toNanos();
                refreshTask = executor.scheduleWithFixedDelay(this::refreshQuietly, nanos, nanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    /**
     * Lists the table once and updates every meter: new services and real servers get meters,
     * vanished ones lose theirs. The background thread calls this; call it yourself with a
     * refresh interval of zero, or to publish a change at once.
     *
     * <pre>{@code ipvs.addService(svc); metrics.refresh(); // its meters are there now }</pre>
     *
     * @return true if the listing succeeded; false if it failed (counted and logged) or this
     *     binder is closed
     */
    public boolean refresh() {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            return refreshLocked();
        }
    }

    /**
     * Stops refreshing and removes this binder's meters from every registry it was bound to.
     * The {@code Ipvs} stays open. Idempotent.
     *
     * <pre>{@code metrics.close(); }</pre>
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (refreshTask != null) {
                refreshTask.cancel(false);
            }
            if (executor != null && executor != suppliedExecutor) {
                executor.shutdownNow();
            }
            for (ServiceMeters s : services.values()) {
                s.remove();
            }
            for (RealServerMeters r : realServers.values()) {
                r.remove();
            }
            services.clear();
            realServers.clear();
            for (Meter m : ownMeters) {
                for (MeterRegistry r : registries) {
                    r.remove(m);
                }
            }
            ownMeters.clear();
            registries.clear();
        }
    }

    /**
     * The number of listings that failed since this binder was built (the value of
     * {@code <prefix>.refresh.failures}).
     *
     * <pre>{@code if (metrics.failures() > 0) { ... } }</pre>
     *
     * @return the failed listings
     */
    public long failures() {
        return failures.get();
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException | Error e) {
            // refreshLocked catches what a listing throws; this is a bug or an out-of-memory.
            // A scheduled task that throws is never run again: log and keep the schedule.
            LOG.log(System.Logger.Level.ERROR, "IPVS metrics refresh failed unexpectedly", e);
            if (e instanceof Error) {
                throw (Error) e;
            }
        }
    }

    private boolean refreshLocked() {
        IpvsTable table;
        try {
            table = ipvs.table();
        } catch (IpvsException | RuntimeException e) {
            failures.incrementAndGet();
            if (!failing) {
                failing = true;
                LOG.log(System.Logger.Level.WARNING, "IPVS metrics: cannot list the IPVS table, meters keep the values of "
                        + "the last listing until one succeeds: " + e, e);
            } else {
                LOG.log(System.Logger.Level.DEBUG, "IPVS metrics: cannot list the IPVS table: " + e);
            }
            return false;
        }
        if (failing) {
            failing = false;
            LOG.log(System.Logger.Level.INFO, "IPVS metrics: the IPVS table can be listed again");
        }
        Set<ServiceId> seenServices = new HashSet<>();
        Set<RealServerId> seenRealServers = new HashSet<>();
        List<ServiceMeters> newServices = new ArrayList<>();
        List<RealServerMeters> newRealServers = new ArrayList<>();
        for (ServiceSnapshot snapshot : table.services()) {
            ServiceStatus status = snapshot.service();
            ServiceId id = new ServiceId(status.key(), status.service().scheduler().name());
            seenServices.add(id);
            ServiceMeters sm = services.get(id);
            if (sm == null) {
                sm = new ServiceMeters(id, status.stats());
                newServices.add(sm);
            } else {
                sm.stats = status.stats();
            }
            for (RealServerStatus rs : snapshot.realServers()) {
                RealServerId rid = new RealServerId(status.key(), rs.endpoint());
                seenRealServers.add(rid);
                RealServerMeters rm = realServers.get(rid);
                if (rm == null) {
                    rm = new RealServerMeters(rid, rs);
                    newRealServers.add(rm);
                } else {
                    rm.status = rs;
                }
            }
        }
        // first remove what vanished, then register what is new: a service whose scheduler
        // changed is both, and its real servers keep their meters
        for (Iterator<Map.Entry<ServiceId, ServiceMeters>> it = services.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ServiceId, ServiceMeters> e = it.next();
            if (!seenServices.contains(e.getKey())) {
                e.getValue().remove();
                it.remove();
            }
        }
        for (Iterator<Map.Entry<RealServerId, RealServerMeters>> it = realServers.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<RealServerId, RealServerMeters> e = it.next();
            if (!seenRealServers.contains(e.getKey())) {
                e.getValue().remove();
                it.remove();
            }
        }
        for (ServiceMeters sm : newServices) {
            services.put(sm.id, sm);
            for (MeterRegistry r : registries) {
                sm.register(r);
            }
        }
        for (RealServerMeters rm : newRealServers) {
            realServers.put(rm.id, rm);
            for (MeterRegistry r : registries) {
                rm.register(r);
            }
        }
        refreshes.incrementAndGet();
        return true;
    }

    private void registerOwnMeters(MeterRegistry registry) {
        ownMeters.add(FunctionCounter.builder(prefix + ".refresh.failures", failures, AtomicLong::get)
                .tags(commonTags).description("IPVS table listings that failed (the meters kept their last values)")
                .register(registry));
        ownMeters.add(FunctionCounter.builder(prefix + ".refreshes", refreshes, AtomicLong::get)
                .tags(commonTags).description("IPVS table listings that succeeded")
                .register(registry));
    }

    /** An unsigned 64-bit kernel counter as a double (a counter past 2^63 stays positive). */
    static double unsigned(long value) {
        return value >= 0 ? value : value + TWO_TO_64;
    }

    private Tags serviceTags(ServiceKey key) {
        AddressFamily family = key.family();
        String familyTag = family == AddressFamily.INET6 ? "ipv6" : "ipv4";
        if (key instanceof ServiceKey.Inet inet) {
            return commonTags.and("protocol", inet.protocol().name().toLowerCase(java.util.Locale.ROOT),
                    "family", familyTag, "service", inet.endpoint().toString());
        }
        ServiceKey.FwMark mark = (ServiceKey.FwMark) key;
        return commonTags.and("protocol", "fwmark", "family", familyTag, "service", Long.toString(mark.markUnsigned()));
    }

    private record ServiceId(ServiceKey key, String scheduler) { }

    private record RealServerId(ServiceKey service, Endpoint endpoint) { }

    /** The meters of one object: registered in each registry, removed from all of them. */
    private abstract static class Registered {
        private final List<Map.Entry<MeterRegistry, Meter>> meters = new ArrayList<>();

        final void add(MeterRegistry registry, Meter meter) {
            meters.add(Map.entry(registry, meter));
        }

        final void remove() {
            for (Map.Entry<MeterRegistry, Meter> e : meters) {
                e.getKey().remove(e.getValue());
            }
            meters.clear();
        }

        abstract void register(MeterRegistry registry);
    }

    private final class ServiceMeters extends Registered {
        final ServiceId id;
        volatile Stats stats;

        ServiceMeters(ServiceId id, Stats stats) {
            this.id = id;
            this.stats = stats;
        }

        @Override
        void register(MeterRegistry registry) {
            Tags tags = serviceTags(id.key()).and("scheduler", id.scheduler());
            registerStats(this, registry, prefix + ".service", tags, s -> s.stats, "service");
        }
    }

    private final class RealServerMeters extends Registered {
        final RealServerId id;
        volatile RealServerStatus status;

        RealServerMeters(RealServerId id, RealServerStatus status) {
            this.id = id;
            this.status = status;
        }

        @Override
        void register(MeterRegistry registry) {
            Tags tags = serviceTags(id.service()).and("realserver", id.endpoint().toString());
            String name = prefix + ".realserver";
            registerStats(this, registry, name, tags, r -> r.status.stats(), "real server");
            gauge(registry, name + ".active.connections", tags, "connections", "established connections (the kernel's activeconns)",
                    r -> r.status.activeConnections());
            gauge(registry, name + ".inactive.connections", tags, "connections",
                    "connections in another state than established (the kernel's inactconns)", r -> r.status.inactiveConnections());
            gauge(registry, name + ".persistent.connections", tags, "connections",
                    "persistence templates pointing at this real server (the kernel's persistconns)",
                    r -> r.status.persistentConnections());
            gauge(registry, name + ".weight", tags, null, "the weight the kernel schedules with (0: drained)",
                    r -> r.status.realServer().weight());
        }

        private void gauge(MeterRegistry registry, String name, Tags tags, String unit, String description,
                           ToDoubleFunction<RealServerMeters> value) {
            add(registry, Gauge.builder(name, this, value).tags(tags).baseUnit(unit).description(description)
                    .strongReference(true).register(registry));
        }
    }

    private static <T extends Registered> void registerStats(T owner, MeterRegistry registry, String name, Tags tags,
                                                             java.util.function.Function<T, Stats> stats, String what) {
        owner.add(registry, FunctionCounter.builder(name + ".connections", owner, o -> unsigned(stats.apply(o).connections()))
                .tags(tags).baseUnit("connections").description("connections scheduled to this " + what)
                .register(registry));
        owner.add(registry, FunctionCounter.builder(name + ".packets", owner, o -> unsigned(stats.apply(o).packetsIn()))
                .tags(tags.and("direction", "in")).baseUnit("packets").description("packets from clients through this " + what)
                .register(registry));
        owner.add(registry, FunctionCounter.builder(name + ".packets", owner, o -> unsigned(stats.apply(o).packetsOut()))
                .tags(tags.and("direction", "out")).baseUnit("packets").description("packets to clients through this " + what)
                .register(registry));
        owner.add(registry, FunctionCounter.builder(name + ".bytes", owner, o -> unsigned(stats.apply(o).bytesIn()))
                .tags(tags.and("direction", "in")).baseUnit("bytes").description("bytes from clients through this " + what)
                .register(registry));
        owner.add(registry, FunctionCounter.builder(name + ".bytes", owner, o -> unsigned(stats.apply(o).bytesOut()))
                .tags(tags.and("direction", "out")).baseUnit("bytes").description("bytes to clients through this " + what)
                .register(registry));
        owner.add(registry, Gauge.builder(name + ".connections.per.second", owner, o -> unsigned(stats.apply(o).connectionsPerSecond()))
                .tags(tags).description("the kernel's estimate of new connections per second (2 s estimator)")
                .strongReference(true).register(registry));
        owner.add(registry, Gauge.builder(name + ".packets.per.second", owner, o -> unsigned(stats.apply(o).packetsInPerSecond()))
                .tags(tags.and("direction", "in")).description("the kernel's estimate of packets per second from clients")
                .strongReference(true).register(registry));
        owner.add(registry, Gauge.builder(name + ".packets.per.second", owner, o -> unsigned(stats.apply(o).packetsOutPerSecond()))
                .tags(tags.and("direction", "out")).description("the kernel's estimate of packets per second to clients")
                .strongReference(true).register(registry));
        owner.add(registry, Gauge.builder(name + ".bytes.per.second", owner, o -> unsigned(stats.apply(o).bytesInPerSecond()))
                .tags(tags.and("direction", "in")).description("the kernel's estimate of bytes per second from clients")
                .strongReference(true).register(registry));
        owner.add(registry, Gauge.builder(name + ".bytes.per.second", owner, o -> unsigned(stats.apply(o).bytesOutPerSecond()))
                .tags(tags.and("direction", "out")).description("the kernel's estimate of bytes per second to clients")
                .strongReference(true).register(registry));
    }

    /**
     * Options of an {@link IpvsMetrics}.
     *
     * <pre>{@code
     * IpvsMetrics metrics = IpvsMetrics.builder(ipvs)
     *         .refreshInterval(Duration.ofSeconds(5)).prefix("lb.ipvs").tag("site", "ams1").build();
     * }</pre>
     */
    public static final class Builder {
        private final Ipvs ipvs;
        private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
        private String prefix = DEFAULT_PREFIX;
        private Tags tags = Tags.empty();
        private ScheduledExecutorService executor;

        private Builder(Ipvs ipvs) {
            this.ipvs = Objects.requireNonNull(ipvs, "ipvs");
        }

        /**
         * The time between two refreshes (listings of the table); zero refreshes only when
         * {@link IpvsMetrics#refresh()} is called. The kernel updates its rate estimates every
         * 2 seconds, so an interval below that shows no fresher rates.
         *
         * <pre>{@code builder.refreshInterval(Duration.ofSeconds(15)) }</pre>
         *
         * @param interval zero or positive, at most one day
         * @return this builder
         * @throws IllegalArgumentException naming the value if it is negative or longer than a day
         */
        public Builder refreshInterval(Duration interval) {
            Objects.requireNonNull(interval, "refreshInterval");
            if (interval.isNegative() || interval.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("refreshInterval must be 0 (manual) .. 1 day, was " + interval);
            }
            this.refreshInterval = interval;
            return this;
        }

        /**
         * The prefix of every meter name, e.g. {@code lb.ipvs} for {@code lb.ipvs.service.bytes}.
         *
         * <pre>{@code builder.prefix("lb.ipvs") }</pre>
         *
         * @param prefix dot-separated lower-case words ({@code [a-z][a-z0-9_]*}), default {@code ipvs}
         * @return this builder
         * @throws IllegalArgumentException naming the value if it is not of that form
         */
        public Builder prefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (!PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException("prefix must be dot-separated words of [a-z][a-z0-9_]*, was \"" + prefix + "\"");
            }
            this.prefix = prefix;
            return this;
        }

        /**
         * An extra tag on every meter of this binder (e.g. the director's name).
         *
         * <pre>{@code builder.tag("director", "lb1") }</pre>
         *
         * @param key the tag's key; not one of the binder's own
         * @param value the tag's value
         * @return this builder
         * @throws IllegalArgumentException naming the key if it is one of the binder's own tags
         */
        public Builder tag(String key, String value) {
            return tags(Tags.of(key, value));
        }

        /**
         * Extra tags on every meter of this binder.
         *
         * <pre>{@code builder.tags(Tags.of("site", "ams1", "rack", "r4")) }</pre>
         *
         * @param extra the tags; none may use a key of the binder's own tags ({@code protocol},
         *     {@code family}, {@code service}, {@code scheduler}, {@code realserver}, {@code direction})
         * @return this builder
         * @throws IllegalArgumentException naming the key if it is one of the binder's own tags
         */
        public Builder tags(Iterable<Tag> extra) {
            Objects.requireNonNull(extra, "tags");
            for (Tag t : extra) {
                if (Set.of("protocol", "family", "service", "scheduler", "realserver", "direction").contains(t.getKey())) {
                    throw new IllegalArgumentException("tag key \"" + t.getKey() + "\" is one of IpvsMetrics' own tags");
                }
            }
            this.tags = this.tags.and(extra);
            return this;
        }

        /**
         * The executor that runs the refreshes instead of a daemon thread of the binder's own
         * (e.g. an application's shared scheduler). {@link IpvsMetrics#close()} cancels the
         * refresh task but does not shut a supplied executor down.
         *
         * <pre>{@code builder.executor(sharedScheduler) }</pre>
         *
         * @param executor the executor
         * @return this builder
         */
        public Builder executor(ScheduledExecutorService executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * The binder; nothing is listed or registered before {@link IpvsMetrics#bindTo}.
         *
         * <pre>{@code IpvsMetrics metrics = builder.build(); }</pre>
         *
         * @return a new binder
         */
        public IpvsMetrics build() {
            return new IpvsMetrics(this);
        }
    }
}
