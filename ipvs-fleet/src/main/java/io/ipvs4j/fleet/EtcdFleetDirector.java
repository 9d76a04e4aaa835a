package io.ipvs4j.fleet;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.stub.StreamObserver;
import io.ipvs4j.director.fleet.FleetHealth;
import io.ipvs4j.director.fleet.FleetState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One director of a fleet: keeps the kernel in step with the desired state under an etcd
 * prefix and publishes its own state under a lease.
 *
 * <ul>
 *   <li>start: get everything under the prefix (one revision), apply it, then watch the prefix
 *       from the next revision; each watch response (one or more events of the same revisions)
 *       is applied incrementally through {@link FleetSync} and the Reconciler;</li>
 *   <li>etcd lost: the kernel keeps the last state (nothing is removed); the director retries
 *       every {@code retry} with a new get and watch, so it catches up with whatever changed
 *       meanwhile; a watch whose revision was compacted is handled the same way (the get
 *       reads the whole state again);</li>
 *   <li>published: {@code <prefix>directors/<name>} holds {@link FleetSync.Status#line()}
 *       under a lease of {@code leaseTtl} kept alive while the director runs; it disappears when
 *       the director dies (the lease expires) and is written again after each apply;</li>
 *   <li>health checks ({@link #checkHealth}): a real server its check finds DOWN is programmed
 *       with weight 0 on this director only; each transition ({@link #healthChanged()}) is
 *       applied, told to the state listener (a VIP whose servers are all DOWN is withdrawn) and
 *       published ({@code down=N}).</li>
 * </ul>
 *
 * All work (applies, publishing, reconnects) runs on one thread, so FleetSync needs no lock.
 *
 * <pre>{@code
 * try (Client etcd = Client.builder().endpoints("http://192.0.2.1:2379").build();
 *      EtcdFleetDirector d = new EtcdFleetDirector(etcd, "/ipvs4j/fleet/", "d1", sync)) {
 *     d.start();
 *     ...
 * }
 * }</pre>
 */
public final class EtcdFleetDirector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdFleetDirector.class);

    private final Client etcd;
    private final String prefix;
    private final String name;
    private final FleetSync sync;
    private final Duration retry;
    private final long requestMillis;
    private final long leaseTtlSeconds;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fleet-etcd");
        t.setDaemon(true);
        return t;
    });
    private Watch.Watcher watcher;
    private long lease;
    private CloseableClient keepAlive;
    private boolean reloadPending;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile java.util.function.BiConsumer<FleetState, Boolean> stateListener = (state, healthy) -> { };

    /**
     * Creates the director; nothing happens before {@link #start()}.
     *
     * @param etcd the etcd client
     * @param prefix the fleet's key prefix, ending in {@code /}
     * @param name this director's name, {@code [A-Za-z0-9_.-]+}
     * @param sync the state and the kernel side
     * @param retry the pause between attempts while etcd cannot be reached
     * @param leaseTtl the lease of the published state
     */
    public EtcdFleetDirector(Client etcd, String prefix, String name, FleetSync sync, Duration retry, Duration leaseTtl) {
        this(etcd, prefix, name, sync, retry, leaseTtl, retry.multipliedBy(5));
    }

    /**
     * Creates the director; nothing happens before {@link #start()}.
     *
     * @param etcd the etcd client
     * @param prefix the fleet's key prefix, ending in {@code /}
     * @param name this director's name, {@code [A-Za-z0-9_.-]+}
     * @param sync the state and the kernel side
     * @param retry the pause between attempts while etcd cannot be reached
     * @param leaseTtl the lease of the published state
     * @param requestTimeout how long one etcd request (get, lease grant, put) may take before
     *     etcd counts as unreachable; the first request of a JVM also loads and starts the gRPC
     *     client, which on a slow or loaded machine takes longer than a request on the wire
     */
    public EtcdFleetDirector(Client etcd, String prefix, String name, FleetSync sync, Duration retry, Duration leaseTtl,
            Duration requestTimeout) {
        this.etcd = Objects.requireNonNull(etcd, "etcd");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("director name must be [A-Za-z0-9_.-]+, was \"" + name + "\"");
        }
        this.name = name;
        this.sync = Objects.requireNonNull(sync, "sync");
        this.retry = Objects.requireNonNull(retry, "retry");
        this.leaseTtlSeconds = Math.max(2, leaseTtl.toSeconds());
        this.requestMillis = requestTimeout.toMillis();
        if (requestMillis <= 0) {
            throw new IllegalArgumentException("request timeout must be positive, was " + requestTimeout);
        }
    }

    /**
     * Sets who is told, on the director's thread, the state the kernel holds and whether the
     * director is healthy after each apply, and {@code (state, false)} when it closes (e.g. the
     * BIRD announcer: withdraw when unhealthy or shutting down).
     *
     * @param listener called with the state and whether the director is healthy
     */
    public void onState(java.util.function.BiConsumer<FleetState, Boolean> listener) {
        this.stateListener = Objects.requireNonNull(listener, "listener");
    }

    private void tell(FleetSync.Status s) {
        try {
            stateListener.accept(sync.applied(), s.healthy() && !closed);
        } catch (RuntimeException e) {
            LOG.error("fleet {}: state listener failed", name, e);
        }
    }

    /**
     * Follows the desired state with {@code health}'s checks and programs their verdict from now
     * on (on the director's thread; returns at once). With {@code null}, every server counts
     * as up again.
     *
     * <pre>{@code
     * director.start();
     * try (FleetHealth health = new FleetHealth((id, old, now) -> director.healthChanged())) {
     *     director.checkHealth(health);
     *     ...
     * }
     * }</pre>
     *
     * @param health the checks, or {@code null}
     */
    public void checkHealth(FleetHealth health) {
        onWorker(() -> afterHealth(sync.checkHealth(health)));
    }

    /**
     * A real server's health changed: re-applies the state with the checks' current verdict,
     * tells the state listener and publishes, on the director's thread (FleetSync has no lock).
     * Called from the checks' notification thread; returns at once.
     */
    public void healthChanged() {
        onWorker(() -> {
            if (!closed) {   // a closing director has withdrawn its VIPs: no more applies or announcements
                afterHealth(sync.healthChanged());
            }
        });
    }

    private void afterHealth(FleetSync.Status s) {
        if (closed) {
            return;
        }
        tell(s);
        if (connected) {
            publish();   // else the reload under way publishes once etcd answers
        }
    }

    private void onWorker(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("fleet {}: closed, health change dropped", name);
        }
    }

    /** Loads the state and starts watching (in the background; retried until etcd answers). */
    public void start() {
        worker.execute(this::reload);
    }

    /** {@return whether the last contact with etcd succeeded} */
    public boolean connected() {
        return connected;
    }

    /** {@return what the director holds now (read on its thread)} */
    public FleetSync.Status status() throws Exception {
        return worker.submit(sync::status).get();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Get + apply + watch from the next revision; on failure, again after {@code retry}. */
    private void reload() {
        reloadPending = false;
        if (closed) {
            return;
        }
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
        LOG.info("fleet {}: reading {} from etcd", name, prefix);
        try {
            GetResponse r = etcd.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build())
                    .get(requestMillis, TimeUnit.MILLISECONDS);
            Map<String, String> snapshot = new HashMap<>();
            for (KeyValue kv : r.getKvs()) {
                snapshot.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8));
            }
            long revision = r.getHeader().getRevision();
            connected = true;
            FleetSync.Status s = sync.reset(snapshot, revision);
            LOG.info("fleet {}: loaded {} keys at revision {}: {}", name, snapshot.size(), revision, s.line());
            tell(s);
            watcher = etcd.getWatchClient().watch(bytes(prefix),
                    WatchOption.builder().isPrefix(true).withRevision(revision + 1).build(),
                    Watch.listener(resp -> worker.execute(() -> onWatch(resp)),
                            err -> worker.execute(() -> onWatchError(err))));
            publish();
        } catch (Exception e) {
            connected = false;
            LOG.warn("fleet {}: etcd not reachable ({}); keeping revision {}, retrying in {} ms", name,
                    e.toString(), sync.status().appliedRevision(), retry.toMillis());
            scheduleReload(retry);
        }
    }

    private void scheduleReload(Duration delay) {
        if (!reloadPending && !closed) {
            reloadPending = true;
            worker.schedule(this::reload, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void onWatch(WatchResponse resp) {
        if (closed || reloadPending) {
            return;
        }
        connected = true;
        boolean desired = false;
        for (WatchEvent e : resp.getEvents()) {
            String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
            if (key.startsWith(prefix + FleetState.DIRECTORS)) {
                continue;   // the directors' own state, not desired state
            }
            desired = true;
            switch (e.getEventType()) {
                case PUT -> sync.put(key, e.getKeyValue().getValue().toString(StandardCharsets.UTF_8));
                case DELETE -> sync.delete(key);
                default -> LOG.warn("fleet {}: unknown watch event {} on {}", name, e.getEventType(), key);
            }
        }
        if (!desired) {
            return;   // only directors published: answering with a publish would loop through the watch
        }
        FleetSync.Status s = sync.commit(resp.getHeader().getRevision());
        tell(s);
        publish();
    }

    private void onWatchError(Throwable err) {
        if (closed) {
            return;
        }
        connected = false;
        if (err instanceof CompactedException c) {
            LOG.warn("fleet {}: watch revision compacted (to {}); reading the whole state again", name,
                    c.getCompactedRevision());
            scheduleReload(Duration.ZERO);
        } else {
            LOG.warn("fleet {}: watch failed ({}); keeping revision {}, reconnecting", name, err.toString(),
                    sync.status().appliedRevision());
            scheduleReload(retry);
        }
    }

    /** Writes {@code directors/<name>} under this director's lease (granted again if it expired). */
    private void publish() {
        try {
            if (lease == 0) {
                lease = etcd.getLeaseClient().grant(leaseTtlSeconds).get(requestMillis, TimeUnit.MILLISECONDS).getID();
                long id = lease;
                keepAlive = etcd.getLeaseClient().keepAlive(id, new StreamObserver<LeaseKeepAliveResponse>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        worker.execute(() -> leaseLost(id, t));
                    }

                    @Override
                    public void onCompleted() {
                        worker.execute(() -> leaseLost(id, null));
                    }
                });
            }
            etcd.getKVClient().put(bytes(prefix + FleetState.DIRECTORS + name), bytes(sync.status().line()),
                    PutOption.builder().withLeaseId(lease).build()).get(requestMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("fleet {}: could not publish its state ({}); again after the next reload", name, e.toString());
            dropLease();
            scheduleReload(retry);
        }
    }

    private void leaseLost(long id, Throwable t) {
        if (id == lease && !closed) {
            LOG.warn("fleet {}: lease {} lost ({}); publishing again", name, Long.toHexString(id), t);
            dropLease();
            scheduleReload(retry);
        }
    }

    private void dropLease() {
        if (keepAlive != null) {
            keepAlive.close();
            keepAlive = null;
        }
        lease = 0;
    }

    /** Stops watching and revokes the lease (the published state disappears); the kernel table stays. */
    @Override
    public void close() {
        closed = true;
        try {
            worker.submit(() -> {
                tell(sync.status());   // closed: unhealthy, so the VIPs are withdrawn
                if (watcher != null) {
                    watcher.close();
                }
                long id = lease;
                dropLease();
                if (id != 0) {
                    try {
                        etcd.getLeaseClient().revoke(id).get(2, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        LOG.debug("lease revoke failed", e);
                    }
                }
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("close", e);
        }
        worker.shutdownNow();
    }
}
