package io.ipvs4j.fleet;

import io.ipvs4j.IpvsException;
import io.ipvs4j.director.fleet.FleetApplier;
import io.ipvs4j.director.fleet.FleetHealth;
import io.ipvs4j.director.fleet.FleetState;
import io.ipvs4j.director.fleet.FleetStateException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director's copy of the key/values under the fleet prefix and what it made of them,
 * independent of the etcd client: a full snapshot ({@link #reset}) or a revision's events
 * ({@link #put}/{@link #delete} then {@link #commit}) update the copy, which is parsed and
 * applied through a {@link FleetApplier}. A copy that does not parse, or an apply the kernel
 * refuses, leaves the kernel on the last state that did (the error is in {@link #status()}).
 *
 * <p>With {@link #checkHealth(FleetHealth)}, the health checks follow each parsed state and the
 * kernel gets it overlaid with their verdict ({@link FleetState#withDown}): a DOWN server at
 * weight 0 on this director; {@link #healthChanged()} applies a new verdict to the same etcd
 * state. The copy of etcd is never changed by it, so the next revision keeps the overlay.
 *
 * <pre>{@code
 * FleetSync sync = new FleetSync("/ipvs4j/fleet/", new FleetApplier(ipvs));
 * sync.reset(entries, revision);                  // after a get
 * sync.put(key, value); sync.commit(revision);    // per watch response
 * sync.checkHealth(health);                       // then, on each transition:
 * sync.healthChanged();
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
    /** The latest copy that parsed (null before one did), without the health overlay. */
    private FleetState parsed;
    /** The revision {@link #parsed} stands for. */
    private long parsedRevision;
    /** Whether {@link #error} is the refusal of the latest copy (not a kernel failure). */
    private boolean refused;
    /** The health checks whose verdict is overlaid; null: every server counts as up. */
    private FleetHealth health;

    /**
     * What the director holds.
     *
     * @param revision the etcd revision of the copy
     * @param appliedRevision the revision whose state the kernel holds (0: none yet)
     * @param services the number of services programmed
     * @param down the number of real servers programmed at weight 0 because their health check
     *     finds them DOWN
     * @param error why the copy at {@code revision} is not programmed, if it is not
     */
    public record Status(long revision, long appliedRevision, int services, int down, Optional<String> error) {
        /**
         * Checks.
         *
         * @param revision revision of the copy
         * @param appliedRevision revision programmed
         * @param services services programmed
         * @param down servers programmed at weight 0 for failing their check
         * @param error why not programmed
         */
        public Status {
            Objects.requireNonNull(error, "error");
        }

        /** {@return whether the kernel holds the latest state read from etcd} */
        public boolean healthy() {
            return error.isEmpty() && appliedRevision == revision;
        }

        /** {@return one line: {@code revision=.. applied=.. services=.. down=.. healthy=.. error=..}} */
        public String line() {
            return "revision=" + revision + " applied=" + appliedRevision + " services=" + services
                    + " down=" + down + " healthy=" + healthy()
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
            parsedRevision = revision;    // the same state stands for this revision too
            return status();
        }
        FleetState state;
        try {
            state = FleetState.parse(prefix, entries);
        } catch (FleetStateException e) {
            error = Optional.of(e.getMessage());
            refused = true;
            LOG.error("fleet state at revision {} refused, keeping revision {}: {}", revision, appliedRevision, e.getMessage());
            dirty = false;
            return status();
        }
        dirty = false;
        parsed = state;
        parsedRevision = revision;
        refused = false;
        if (health != null) {
            health.update(state);
        }
        return applyParsed();
    }

    /**
     * Follows the state with {@code checks}: their targets are updated with each parsed state
     * (at once with the current one), and their verdict is overlaid on every apply.
     *
     * @param checks the health checks, or {@code null} to count every server as up again
     * @return the status after applying the current state with their verdict
     */
    public Status checkHealth(FleetHealth checks) {
        this.health = checks;
        if (parsed != null && checks != null) {
            checks.update(parsed);
        }
        return healthChanged();
    }

    /**
     * Applies the health checks' current verdict to the last state that parsed (the etcd copy
     * is unchanged). A refusal of the latest copy stays reported: the kernel keeps the older
     * state, only its overlay changes.
     *
     * @return the status after the apply
     */
    public Status healthChanged() {
        if (parsed == null) {
            return status();   // nothing read yet: the first commit applies the verdict
        }
        return applyParsed();
    }

    /** Applies {@link #parsed} with the health overlay; a success clears a kernel error, not a refusal. */
    private Status applyParsed() {
        Set<FleetState.ServerId> down = health == null ? Set.of() : health.down();
        try {
            FleetApplier.Result r = applier.apply(parsed.withDown(down));
            if (r.isSuccess()) {
                appliedRevision = parsedRevision;
                if (!refused) {
                    error = Optional.empty();
                }
                if (r.changedServices() > 0) {
                    LOG.info("fleet revision {} applied ({} real servers down): {} services diffed, {} re-added,"
                            + " {} at weight 0 bumped", parsedRevision, down.size(), r.changedServices(), r.readded(),
                            r.bumped());
                }
            } else {
                kernelError("kernel refused part of revision " + parsedRevision + ": " + r.results());
            }
        } catch (IpvsException e) {
            kernelError("kernel: " + e.getMessage());
        }
        return status();
    }

    private void kernelError(String message) {
        LOG.error("fleet revision {} not applied: {}", parsedRevision, message);
        if (!refused) {   // a refusal of the latest copy says more: keep it
            error = Optional.of(message);
        }
    }

    /** {@return the state the kernel holds (the last one applied with success)} */
    public FleetState applied() {
        return applier.applied();
    }

    /** {@return what the director holds now} */
    public Status status() {
        FleetState applied = applier.applied();
        return new Status(revision, appliedRevision, applied.services().size(), applied.downCount(), error);
    }
}
