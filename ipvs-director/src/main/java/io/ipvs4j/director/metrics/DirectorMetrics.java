package io.ipvs4j.director.metrics;

import io.ipvs4j.Ipvs;
import io.ipvs4j.IpvsException;
import io.ipvs4j.Reconciler;
import io.ipvs4j.ServiceSnapshot;
import io.ipvs4j.director.check.CheckResult;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.check.HealthCheck;
import io.ipvs4j.director.controller.ControllerListener;
import io.ipvs4j.director.controller.LvsController;
import io.ipvs4j.director.controller.LvsController.BackendKey;
import io.ipvs4j.director.controller.LvsController.BackendView;
import io.ipvs4j.director.controller.LvsController.ServiceView;
import io.ipvs4j.director.vrrp.VrrpDirector;
import io.ipvs4j.director.metrics.PrometheusText.Label;
import io.ipvs4j.director.metrics.PrometheusText.LabelSet;
import io.ipvs4j.model.InetAddresses;
import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceKey;
import io.ipvs4j.model.Stats;
import io.ipvs4j.model.SyncDaemon;
import io.ipvs4j.vrrp.VrrpState;
import io.ipvs4j.vrrp.VrrpTransition;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The director's metrics: the kernel's IPVS table (read through {@link Ipvs}, one dump per scrape
 * at most every {@code cacheFor}) joined with what the {@link LvsController} does (applies,
 * checks, VRRP), written in the Prometheus text format by {@link #scrape()}. One render serves
 * every scrape of a {@code cacheFor} interval too, and only one render runs at a time, so the
 * cost of scraping does not grow with the number of scrapers.
 *
 * <p>A scrape takes no lock of the health checkers: check results reach it through a concurrent
 * map the checkers' listener writes, and it holds the controller's lock only to copy the
 * configured services' state (not while it reads the kernel or writes text). Give it an
 * {@link Ipvs} client of its own (the director does): a client serialises its requests, and a
 * scrape's dump on the controller's client would delay the controller's applies.
 *
 * <pre>{@code
 * DirectorMetrics metrics = DirectorMetrics.of(ipvs, controller, Duration.ofSeconds(1));
 * String body = metrics.scrape();
 * }</pre>
 *
 * <p>Every family is listed in {@link #METRICS}, with its labels and meaning. Thread-safe.
 */
public final class DirectorMetrics {
    private static final List<String> SERVICE = List.of("protocol", "address", "port", "fwmark", "family");
    private static final List<String> SERVER = List.of("protocol", "address", "port", "fwmark", "family",
            "server_address", "server_port");

    /** Every metric family {@link #scrape()} writes, in the order it writes them. */
    public static final List<MetricInfo> METRICS = List.of(
            m("ipvs4j_connections_total", "counter", List.of(),
                    "Connections scheduled by the current services: sum of their kernel counters (node_ipvs_connections_total)"),
            m("ipvs4j_incoming_packets_total", "counter", List.of(),
                    "Packets in, client to real server, of the current services: sum of their kernel counters"),
            m("ipvs4j_outgoing_packets_total", "counter", List.of(),
                    "Packets out, real server to client, of the current services: sum of their kernel counters"),
            m("ipvs4j_incoming_bytes_total", "counter", List.of(),
                    "Bytes in of the current services: sum of their kernel counters"),
            m("ipvs4j_outgoing_bytes_total", "counter", List.of(),
                    "Bytes out of the current services: sum of their kernel counters"),
            m("ipvs4j_service_connections_total", "counter", SERVICE, "Connections scheduled by the service (kernel IPVS_STATS_ATTR_CONNS)"),
            m("ipvs4j_service_incoming_packets_total", "counter", SERVICE, "Packets in of the service (kernel INPKTS)"),
            m("ipvs4j_service_outgoing_packets_total", "counter", SERVICE, "Packets out of the service (kernel OUTPKTS)"),
            m("ipvs4j_service_incoming_bytes_total", "counter", SERVICE, "Bytes in of the service (kernel INBYTES)"),
            m("ipvs4j_service_outgoing_bytes_total", "counter", SERVICE, "Bytes out of the service (kernel OUTBYTES)"),
            m("ipvs4j_service_connections_per_second", "gauge", SERVICE, "Connection rate of the service, the kernel's 2-second estimator (CPS)"),
            m("ipvs4j_service_incoming_packets_per_second", "gauge", SERVICE, "Incoming packet rate of the service, kernel estimator (INPPS)"),
            m("ipvs4j_service_outgoing_packets_per_second", "gauge", SERVICE, "Outgoing packet rate of the service, kernel estimator (OUTPPS)"),
            m("ipvs4j_service_incoming_bytes_per_second", "gauge", SERVICE, "Incoming byte rate of the service, kernel estimator (INBPS)"),
            m("ipvs4j_service_outgoing_bytes_per_second", "gauge", SERVICE, "Outgoing byte rate of the service, kernel estimator (OUTBPS)"),
            m("ipvs4j_service_quorum_up", "gauge", SERVICE, "1 while the configured service's alive weight meets its quorum, else 0 (director)"),
            m("ipvs4j_real_server_connections_total", "counter", SERVER, "Connections scheduled to the real server (kernel CONNS)"),
            m("ipvs4j_real_server_incoming_packets_total", "counter", SERVER, "Packets in to the real server (kernel INPKTS)"),
            m("ipvs4j_real_server_outgoing_packets_total", "counter", SERVER, "Packets out of the real server (kernel OUTPKTS)"),
            m("ipvs4j_real_server_incoming_bytes_total", "counter", SERVER, "Bytes in to the real server (kernel INBYTES)"),
            m("ipvs4j_real_server_outgoing_bytes_total", "counter", SERVER, "Bytes out of the real server (kernel OUTBYTES)"),
            m("ipvs4j_real_server_connections_per_second", "gauge", SERVER, "Connection rate of the real server, kernel estimator (CPS)"),
            m("ipvs4j_real_server_incoming_packets_per_second", "gauge", SERVER, "Incoming packet rate, kernel estimator (INPPS)"),
            m("ipvs4j_real_server_outgoing_packets_per_second", "gauge", SERVER, "Outgoing packet rate, kernel estimator (OUTPPS)"),
            m("ipvs4j_real_server_incoming_bytes_per_second", "gauge", SERVER, "Incoming byte rate, kernel estimator (INBPS)"),
            m("ipvs4j_real_server_outgoing_bytes_per_second", "gauge", SERVER, "Outgoing byte rate, kernel estimator (OUTBPS)"),
            m("ipvs4j_real_server_active_connections", "gauge", SERVER, "Active connections of the real server (kernel ACTIVE_CONNS; node_ipvs_backend_connections_active)"),
            m("ipvs4j_real_server_inactive_connections", "gauge", SERVER, "Inactive connections of the real server (kernel INACT_CONNS; node_ipvs_backend_connections_inactive)"),
            m("ipvs4j_real_server_persistent_connections", "gauge", SERVER, "Persistence templates pointing at the real server (kernel PERSIST_CONNS)"),
            m("ipvs4j_real_server_weight", "gauge", SERVER, "Weight of the real server in the kernel (kernel WEIGHT; node_ipvs_backend_weight)"),
            m("ipvs4j_real_server_configured_weight", "gauge", SERVER, "Weight of the real server in the configuration (director)"),
            m("ipvs4j_real_server_up", "gauge", SERVER, "1 while the real server's checks say UP (or it has none), 0 while DOWN (director)"),
            m("ipvs4j_real_server_check_transitions_total", "counter", SERVER, "UP/DOWN transitions of the real server since the director started"),
            m("ipvs4j_real_server_check_failures_total", "counter", SERVER, "Failed check attempts of the real server since the director started"),
            m("ipvs4j_real_server_check_latency_seconds", "gauge", SERVER, "Duration of the real server's last check attempt, seconds"),
            m("ipvs4j_reconcile_duration_seconds", "summary", List.of("kind"), "Duration of the director's applies to the kernel, seconds (kind full: kernel read first)"),
            m("ipvs4j_reconcile_errors_total", "counter", List.of(), "Applies that failed or had a change the kernel rejected"),
            m("ipvs4j_reconcile_changes_total", "counter", List.of(), "Changes the director applied to the kernel table"),
            m("ipvs4j_reconcile_repairs_total", "counter", List.of(), "Changes that undid someone else's change of the table (full applies of an unchanged desired table)"),
            m("ipvs4j_ready", "gauge", List.of(), "1 once the first apply to the kernel succeeded"),
            m("ipvs4j_vrrp_state", "gauge", List.of("instance", "state"), "1 for the VRRP instance's current state (INIT, BACKUP, MASTER, FAULT), else 0"),
            m("ipvs4j_vrrp_transitions_total", "counter", List.of("instance"), "VRRP state transitions of the instance since the director started"),
            m("ipvs4j_vrrp_became_master_total", "counter", List.of("instance"), "Times the VRRP instance became MASTER (keepalived's become_master)"),
            m("ipvs4j_sync_daemon_up", "gauge", List.of("state", "interface", "syncid"), "1 for each IPVS connection sync daemon running in the kernel"),
            m("ipvs4j_kernel_reads_total", "counter", List.of(), "Dumps of the kernel table made for scrapes (at most one per cache interval)"),
            m("ipvs4j_kernel_read_errors_total", "counter", List.of(), "Dumps of the kernel table for scrapes that failed"));

    private static MetricInfo m(String name, String type, List<String> labels, String help) {
        return new MetricInfo(name, type, labels, help);
    }

    /** What a checked real server last did; for the metrics and the status page. */
    record CheckRecord(long transitions, long failures, Duration lastLatency, Optional<String> lastFailure,
            Optional<Instant> lastFailureAt) {
        static final CheckRecord NONE = new CheckRecord(0, 0, null, Optional.empty(), Optional.empty());
    }

    /** One read of the kernel, shared by the scrapes within the cache interval. */
    record KernelRead(List<ServiceSnapshot> table, List<SyncDaemon> syncDaemons, Optional<String> error, long atNanos) {
    }

    private final Ipvs ipvs;
    private final LvsController controller;
    private final long cacheNanos;
    private final Clock clock;
    private final Object readLock = new Object();
    /** Held while a scrape renders: one render at a time, the scrapes waiting for it take its result. */
    private final Object renderLock = new Object();
    private volatile RenderedScrape lastRender;
    private KernelRead cached;   // guarded by readLock
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong readErrors = new AtomicLong();

    private final Map<BackendKey, CheckRecord> checks = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> vrrpTransitions = new ConcurrentHashMap<>();
    private final List<VrrpTransition> recentVrrp = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Object reconcileLock = new Object();
    private final double[] durationSum = new double[2];   // full, incremental; guarded by reconcileLock
    private final long[] durationCount = new long[2];
    private long reconcileErrors;
    private long changes;
    private long repairs;
    private volatile boolean ready;

    private DirectorMetrics(Ipvs ipvs, LvsController controller, Duration cacheFor, Clock clock) {
        this.ipvs = Objects.requireNonNull(ipvs, "ipvs");
        this.controller = controller;
        if (cacheFor.isNegative()) {
            throw new IllegalArgumentException("cacheFor must be >= 0, was " + cacheFor);
        }
        this.cacheNanos = cacheFor.toNanos();
        this.clock = clock;
    }

    /**
     * Metrics of {@code ipvs} and of {@code controller}, which they listen to from now on.
     *
     * @param ipvs the kernel client to read the table from: best one of its own, not the controller's
     * @param controller the director's controller, or null for the kernel table only
     * @param cacheFor how long one read of the kernel, and one rendered exposition, serve scrapes
     *     (e.g. 1 s; 0 renders for every scrape that does not arrive during a render)
     * @return the metrics
     */
    public static DirectorMetrics of(Ipvs ipvs, LvsController controller, Duration cacheFor) {
        DirectorMetrics m = new DirectorMetrics(ipvs, controller, cacheFor, Clock.systemUTC());
        if (controller != null) {
            controller.addListener(m.listener());
            controller.addVrrpListener(t -> {
                m.vrrpTransitions.computeIfAbsent(t.instance(), k -> new AtomicLong()).incrementAndGet();
                m.recentVrrp.add(t);
                while (m.recentVrrp.size() > 32) {
                    m.recentVrrp.remove(0);
                }
            });
        } else {
            m.ready = true;
        }
        return m;
    }

    /** {@return whether the first apply succeeded (always true without a controller)} */
    public boolean isReady() {
        return ready;
    }

    ControllerListener listener() {
        return new ControllerListener() {
            @Override
            public void reconciled(boolean full, Duration took, Reconciler.Result result, int repaired) {
                synchronized (reconcileLock) {
                    durationSum[full ? 0 : 1] += took.toNanos() / 1e9;
                    durationCount[full ? 0 : 1]++;
                    changes += result.batch().count(io.ipvs4j.BatchResult.Status.APPLIED);
                    repairs += repaired;
                    if (!result.isSuccess()) {
                        reconcileErrors++;
                    }
                }
                if (result.isSuccess()) {
                    ready = true;
                }
            }

            @Override
            public void reconcileFailed(boolean full, Duration took, Exception error) {
                synchronized (reconcileLock) {
                    durationSum[full ? 0 : 1] += took.toNanos() / 1e9;
                    durationCount[full ? 0 : 1]++;
                    reconcileErrors++;
                }
            }

            @Override
            public void checkChanged(BackendKey backend, CheckState oldState, CheckState newState) {
                checks.compute(backend, (k, r) -> {
                    CheckRecord c = r == null ? CheckRecord.NONE : r;
                    return new CheckRecord(c.transitions() + 1, c.failures(), c.lastLatency(), c.lastFailure(),
                            c.lastFailureAt());
                });
            }

            @Override
            public void checked(BackendKey backend, HealthCheck check, CheckResult result, Duration latency) {
                checks.compute(backend, (k, r) -> {
                    CheckRecord c = r == null ? CheckRecord.NONE : r;
                    return result.healthy()
                            ? new CheckRecord(c.transitions(), c.failures(), latency, c.lastFailure(), c.lastFailureAt())
                            : new CheckRecord(c.transitions(), c.failures() + 1, latency,
                                    Optional.of(check.describe() + ": " + result.detail()), Optional.of(clock.instant()));
                });
            }
        };
    }

    /** The kernel's table, read at most once per cache interval; concurrent scrapes wait for one read. */
    KernelRead kernel() {
        synchronized (readLock) {
            long now = System.nanoTime();
            if (cached != null && now - cached.atNanos() < cacheNanos) {
                return cached;
            }
            reads.incrementAndGet();
            try {
                List<ServiceSnapshot> table = ipvs.snapshot();
                List<SyncDaemon> daemons = ipvs.syncDaemons();
                cached = new KernelRead(table, daemons, Optional.empty(), System.nanoTime());
            } catch (IpvsException | RuntimeException e) {
                readErrors.incrementAndGet();
                cached = new KernelRead(List.of(), List.of(), Optional.of(e.toString()), System.nanoTime());
            }
            return cached;
        }
    }

    /** What the status page shows; one consistent read. */
    record Snapshot(KernelRead kernel, List<ServiceView> views, Map<BackendKey, CheckRecord> checks,
            List<VrrpDirector.InstanceStatus> vrrp, List<VrrpTransition> vrrpTransitions, boolean ready) {
    }

    Snapshot snapshot() {
        KernelRead k = kernel();
        List<ServiceView> views = controller == null ? List.of() : controller.view(k.table());
        List<VrrpDirector.InstanceStatus> vrrp = controller == null ? List.of()
                : controller.vrrp().map(VrrpDirector::status).orElse(List.of());
        return new Snapshot(k, views, Map.copyOf(checks), vrrp, List.copyOf(recentVrrp), ready);
    }

    /**
     * Writes every metric in the Prometheus text format 0.0.4. Scrapes within one cache
     * interval share one render (see {@link #rendered()}).
     *
     * @return the body of a {@code /metrics} answer
     */
    public String scrape() {
        return new String(rendered().text(), StandardCharsets.UTF_8);
    }

    /**
     * One rendered exposition, shared by every scrape it answers: its UTF-8 bytes and their
     * gzip, compressed the first time a scraper asks for it (Prometheus always does) and kept
     * for the scrapes after. Never modified once made.
     */
    static final class RenderedScrape {
        private final byte[] text;
        private final long startedNanos;
        private byte[] gzip;   // guarded by this

        RenderedScrape(byte[] text, long startedNanos) {
            this.text = text;
            this.startedNanos = startedNanos;
        }

        /** {@return the exposition's bytes; callers must not modify them} */
        byte[] text() {
            return text;
        }

        /** {@return the exposition gzipped; callers must not modify them} */
        synchronized byte[] gzip() {
            if (gzip == null) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(text.length / 8 + 64);
                // level 1: the repetitive text still shrinks ~10x, at a fraction of level 6's CPU
                try (GZIPOutputStream z = new GZIPOutputStream(out, 8192) {
                    {
                        def.setLevel(Deflater.BEST_SPEED);
                    }
                }) {
                    z.write(text);
                } catch (IOException e) {
                    throw new UncheckedIOException("gzip into memory failed", e);
                }
                gzip = out.toByteArray();
            }
            return gzip;
        }
    }

    /**
     * The exposition for a scrape that arrives now: the last render if it began less than the
     * cache interval ago or after this scrape arrived; else a new one. One render runs at a time
     * ({@code renderLock}) and every scrape that waited for it takes its result, so N concurrent
     * scrapers cost one render, not N, and a scrape storm occupies at most one CPU; with a cache
     * interval of 0 each answer still reflects the state at or after its request's arrival.
     */
    RenderedScrape rendered() {
        long arrived = System.nanoTime();
        RenderedScrape last = lastRender;
        if (last != null && arrived - last.startedNanos < cacheNanos) {
            return last;
        }
        synchronized (renderLock) {
            last = lastRender;
            if (last != null && (last.startedNanos - arrived >= 0 || System.nanoTime() - last.startedNanos < cacheNanos)) {
                return last;
            }
            long started = System.nanoTime();
            RenderedScrape made = new RenderedScrape(render(snapshot()).getBytes(StandardCharsets.UTF_8), started);
            lastRender = made;
            return made;
        }
    }

    /** The value of one kernel counter or gauge of a {@link Stats}, as its 64 unsigned bits. */
    @FunctionalInterface
    private interface StatsField {
        long of(Stats stats);
    }

    /** The kernel's counters of a service or real server, then its rates, in the order of {@link #METRICS}. */
    private static final List<StatsField> TOTALS = List.of(Stats::connections, Stats::packetsIn, Stats::packetsOut,
            Stats::bytesIn, Stats::bytesOut);
    private static final List<StatsField> RATES = List.of(Stats::connectionsPerSecond, Stats::packetsInPerSecond,
            Stats::packetsOutPerSecond, Stats::bytesInPerSecond, Stats::bytesOutPerSecond);

    /** A real server of the kernel table with its labels, formatted once per scrape. */
    private record KernelServer(LabelSet labels, RealServerStatus status) {
    }

    /** A configured real server (not a sorry server) with its labels and check record, looked up once per scrape. */
    private record ConfiguredServer(LabelSet labels, BackendView backend, CheckRecord check) {
    }

    /** Characters of the last render: the next one's buffer starts that large instead of doubling up to it. */
    private volatile int lastRenderChars = 4096;

    private String render(Snapshot s) {
        List<ServiceSnapshot> table = s.kernel().table();
        // Every label set is formatted once here and then written by each family that has the
        // service or real server: a real server appears in nineteen families.
        Map<ServiceKey, List<Label>> serviceLabelLists = new java.util.HashMap<>();
        List<LabelSet> kernelServiceLabels = new ArrayList<>(table.size());
        List<KernelServer> kernelServers = new ArrayList<>();
        Map<BackendKey, LabelSet> serverLabelSets = new java.util.HashMap<>();
        for (ServiceSnapshot svc : table) {
            ServiceKey key = svc.service().key();
            List<Label> service = serviceLabelLists.computeIfAbsent(key, DirectorMetrics::serviceLabels);
            kernelServiceLabels.add(LabelSet.of(service));
            for (RealServerStatus rs : svc.realServers()) {
                LabelSet labels = serverLabelSet(service, rs.endpoint().address(), rs.endpoint().port());
                serverLabelSets.put(new BackendKey(key, rs.endpoint()), labels);
                kernelServers.add(new KernelServer(labels, rs));
            }
        }
        List<LabelSet> configuredServiceLabels = new ArrayList<>(s.views().size());
        List<ConfiguredServer> configured = new ArrayList<>();
        for (ServiceView v : s.views()) {
            ServiceKey key = v.service().key();
            List<Label> service = serviceLabelLists.computeIfAbsent(key, DirectorMetrics::serviceLabels);
            configuredServiceLabels.add(LabelSet.of(service));
            for (BackendView b : v.backends()) {
                if (b.sorryServer()) {
                    continue;
                }
                BackendKey id = new BackendKey(key, b.endpoint());
                LabelSet labels = serverLabelSets.get(id);
                if (labels == null) {   // configured, not (or no longer) in the kernel table
                    labels = serverLabelSet(service, b.endpoint().address(), b.endpoint().port());
                }
                configured.add(new ConfiguredServer(labels, b, s.checks().getOrDefault(id, CheckRecord.NONE)));
            }
        }

        PrometheusText t = new PrometheusText(lastRenderChars + lastRenderChars / 8);
        int i = 0;
        for (StatsField f : TOTALS) {
            family(t, i++);
            double sum = 0;
            for (ServiceSnapshot svc : table) {
                sum += PrometheusText.unsigned(f.of(svc.service().stats()));
            }
            t.sample(LabelSet.EMPTY, sum);
        }
        for (List<StatsField> fields : List.of(TOTALS, RATES)) {
            for (StatsField f : fields) {
                family(t, i++);
                for (int k = 0; k < table.size(); k++) {
                    t.sampleUnsigned(kernelServiceLabels.get(k), f.of(table.get(k).service().stats()));
                }
            }
        }
        family(t, i++);   // quorum
        for (int k = 0; k < s.views().size(); k++) {
            t.sample(configuredServiceLabels.get(k), s.views().get(k).quorumUp() ? 1 : 0);
        }
        for (List<StatsField> fields : List.of(TOTALS, RATES)) {
            for (StatsField f : fields) {
                family(t, i++);
                for (KernelServer rs : kernelServers) {
                    t.sampleUnsigned(rs.labels(), f.of(rs.status().stats()));
                }
            }
        }
        family(t, i++);
        kernelServers.forEach(rs -> t.sampleUnsigned(rs.labels(), rs.status().activeConnections()));
        family(t, i++);
        kernelServers.forEach(rs -> t.sampleUnsigned(rs.labels(), rs.status().inactiveConnections()));
        family(t, i++);
        kernelServers.forEach(rs -> t.sampleUnsigned(rs.labels(), rs.status().persistentConnections()));
        family(t, i++);   // kernel weight
        kernelServers.forEach(rs -> t.sample(rs.labels(), rs.status().realServer().weight()));
        family(t, i++);   // configured weight
        configured.forEach(c -> t.sample(c.labels(), c.backend().configuredWeight()));
        family(t, i++);   // up
        configured.forEach(c -> t.sample(c.labels(), c.backend().check() == CheckState.UP ? 1 : 0));
        family(t, i++);   // transitions
        configured.forEach(c -> t.sample(c.labels(), c.check().transitions()));
        family(t, i++);   // failures
        configured.forEach(c -> t.sample(c.labels(), c.check().failures()));
        family(t, i++);   // latency: only for real servers that were checked at least once
        for (ConfiguredServer c : configured) {
            if (c.check().lastLatency() != null) {
                t.sample(c.labels(), c.check().lastLatency().toNanos() / 1e9);
            }
        }
        family(t, i++);   // reconcile duration
        synchronized (reconcileLock) {
            String[] kinds = {"full", "incremental"};
            for (int k = 0; k < 2; k++) {
                LabelSet l = LabelSet.of(List.of(new Label("kind", kinds[k])));
                t.sample("_sum", l, durationSum[k]);
                t.sample("_count", l, durationCount[k]);
            }
            family(t, i++).sample(LabelSet.EMPTY, reconcileErrors);
            family(t, i++).sample(LabelSet.EMPTY, changes);
            family(t, i++).sample(LabelSet.EMPTY, repairs);
        }
        family(t, i++).sample(LabelSet.EMPTY, s.ready() ? 1 : 0);
        family(t, i++);   // vrrp state
        for (VrrpDirector.InstanceStatus v : s.vrrp()) {
            for (VrrpState st : VrrpState.values()) {
                t.sample(List.of(new Label("instance", v.config().name()), new Label("state", st.name())),
                        v.state() == st ? 1 : 0);
            }
        }
        family(t, i++);
        for (VrrpDirector.InstanceStatus v : s.vrrp()) {
            AtomicLong n = vrrpTransitions.get(v.config().name());
            t.sample(List.of(new Label("instance", v.config().name())), n == null ? 0 : n.get());
        }
        family(t, i++);
        for (VrrpDirector.InstanceStatus v : s.vrrp()) {
            t.sample(List.of(new Label("instance", v.config().name())), v.stats().becameMaster());
        }
        family(t, i++);
        for (SyncDaemon d : s.kernel().syncDaemons()) {
            t.sample(List.of(new Label("state", d.state().name().toLowerCase(Locale.ROOT)),
                    new Label("interface", d.interfaceName()), new Label("syncid", Integer.toString(d.syncId()))), 1);
        }
        family(t, i++).sample(LabelSet.EMPTY, reads.get());
        family(t, i++).sample(LabelSet.EMPTY, readErrors.get());
        if (i != METRICS.size()) {
            throw new IllegalStateException("wrote " + i + " families, METRICS lists " + METRICS.size());
        }
        lastRenderChars = t.length();
        return t.toString();
    }

    private static PrometheusText family(PrometheusText t, int index) {
        MetricInfo m = METRICS.get(index);
        return t.family(m.name(), m.type(), m.help());
    }

    private static LabelSet serverLabelSet(List<Label> service, java.net.InetAddress address, int port) {
        List<Label> labels = new ArrayList<>(service.size() + 2);
        labels.addAll(service);
        labels.add(new Label("server_address", InetAddresses.toText(address)));
        labels.add(new Label("server_port", Integer.toString(port)));
        return LabelSet.of(labels);
    }

    static List<Label> serviceLabels(ServiceKey key) {
        List<Label> out = new ArrayList<>(7);
        if (key instanceof ServiceKey.Inet inet) {
            out.add(new Label("protocol", inet.protocol().name().toLowerCase(Locale.ROOT)));
            out.add(new Label("address", InetAddresses.toText(inet.address())));
            out.add(new Label("port", Integer.toString(inet.port())));
            out.add(new Label("fwmark", ""));
        } else {
            ServiceKey.FwMark fw = (ServiceKey.FwMark) key;
            out.add(new Label("protocol", ""));
            out.add(new Label("address", ""));
            out.add(new Label("port", ""));
            out.add(new Label("fwmark", Long.toString(fw.markUnsigned())));
        }
        out.add(new Label("family", key.family() == io.ipvs4j.model.AddressFamily.INET6 ? "ipv6" : "ipv4"));
        return out;
    }
}
