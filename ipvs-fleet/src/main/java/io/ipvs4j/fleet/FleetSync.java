package io.ipvs4j.fleet;

import io.ipvs4j.IpvsException;
import io.ipvs4j.director.fleet.FleetApplier;
import io.ipvs4j.director.fleet.FleetState;
import io.ipvs4j.director.fleet.FleetStateException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director's copy of the key/values under the fleet prefix and what it made of them,
 * independent of the etcd client: a full snapshot ({@link #reset}) or a revision's events
 * ({@link #put}/{@link #delete} then {@link #commit}) update the copy, which is parsed and
 * applied through a {@link FleetApplier}. A copy that does not parse, or an apply the kernel
 * refuses, leaves the kernel on the last state that did (the error is in {@link #status()}).
 *
 * <pre>{@code
 * FleetSync sync = new FleetSync("/ipvs4j/fleet/", new FleetApplier(ipvs));
 * sync.reset(entries, revision);                  // after a get
 * sync.put(key, value); sync.commit(revision);    // per watch response
 * }</pre>
 *
 * <p>Not thread-safe: driven from one thread.
 */
public final class FleetSync {
    private static final Logger LOG = LoggerFactory.getLogger(FleetSync.class);

    private final String prefix;
    private final FleetApplier applier;
    private final Map<String, String> entries = new HashMap<>();
    private long revision;
    private long appliedRevision;
    private Optional<String> error = Optional.empty();
    private boolean dirty;

    /**
     * What the director holds.
     *
     * @param revision the etcd revision of the copy
     * @param appliedRevision the revision whose state the kernel holds (0: none yet)
     * @param services the number of services programmed
     * @param error why the copy at {@code revision} is not programmed, if it is not
     */
    public record Status(long revision, long appliedRevision, int services, Optional<String> error) {
        /**
         * Checks.
         *
         * @param revision revision of the copy
         * @param appliedRevision revision programmed
         * @param services services programmed
         * @param error why not programmed
         */
        public Status {
            Objects.requireNonNull(error, "error");
        }

        /** {@return whether the kernel holds the latest state read from etcd} */
        public boolean healthy() {
            return error.isEmpty() && appliedRevision == revision;
        }

        /** {@return one line: {@code revision=.. applied=.. services=.. error=..}} */
        public String line() {
            return "revision=" + revision + " applied=" + appliedRevision + " services=" + services
                    + " healthy=" + healthy()
                    + error.map(e -> " error=" + e.replace('\n', ' ')).orElse("");
        }
    }

    /**
     * Creates the sync.
     *
     * @param prefix the fleet's key prefix, ending in {@code /}
     * @param applier the kernel side
     */
    public FleetSync(String prefix, FleetApplier applier) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.applier = Objects.requireNonNull(applier, "applier");
    }

    /**
     * Replaces the copy with a full snapshot and applies it.
     *
     * @param snapshot every key/value under the prefix
     * @param atRevision the snapshot's revision
     * @return the status after the apply
     */
    public Status reset(Map<String, String> snapshot, long atRevision) {
        entries.clear();
        entries.putAll(snapshot);
        dirty = true;
        return commit(atRevision);
    }

    /**
     * Records a put of the current revision (applied at {@link #commit}).
     *
     * @param key the key
     * @param value its value
     */
    public void put(String key, String value) {
        entries.put(key, value);
        dirty = true;
    }

    /**
     * Records a delete of the current revision (applied at {@link #commit}).
     *
     * @param key the key
     */
    public void delete(String key) {
        dirty |= entries.remove(key) != null;
    }

    /**
     * Applies the copy as of {@code atRevision} if it changed, or retries a failed apply.
     *
     * @param atRevision the revision of the events recorded since the last commit
     * @return the status after the apply
     */
    public Status commit(long atRevision) {
        revision = Math.max(revision, atRevision);
        if (!dirty && error.isEmpty()) {
            appliedRevision = revision;   // events outside the desired state (e.g. directors/)
            return status();
        }
        FleetState state;
        try {
            state = FleetState.parse(prefix, entries);
        } catch (FleetStateException e) {
            error = Optional.of(e.getMessage());
            LOG.error("fleet state at revision {} refused, keeping revision {}: {}", revision, appliedRevision, e.getMessage());
            dirty = false;
            return status();
        }
        try {
            FleetApplier.Result r = applier.apply(state);
            if (r.isSuccess()) {
                appliedRevision = revision;
                error = Optional.empty();
                if (r.changedServices() > 0) {
                    LOG.info("fleet revision {} applied: {} services diffed, {} re-added, {} drained bumped",
                            revision, r.changedServices(), r.readded(), r.bumped());
                }
            } else {
                error = Optional.of("kernel refused part of revision " + revision + ": " + r.results());
                LOG.error("{}", error.get());
            }
        } catch (IpvsException e) {
            error = Optional.of("kernel: " + e.getMessage());
            LOG.error("fleet revision {} not applied: {}", revision, e.getMessage());
        }
        dirty = false;
        return status();
    }

    /** {@return the state the kernel holds (the last one applied with success)} */
    public FleetState applied() {
        return applier.applied();
    }

    /** {@return what the director holds now} */
    public Status status() {
        return new Status(revision, appliedRevision, applier.applied().services().size(), error);
    }
}
