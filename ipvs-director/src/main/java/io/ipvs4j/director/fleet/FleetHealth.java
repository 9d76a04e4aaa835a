package io.ipvs4j.director.fleet;

import io.ipvs4j.director.check.CheckIo;
import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.director.check.HealthChecker;
import io.ipvs4j.director.check.StateListener;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health checks of one fleet director: keeps a {@link HealthChecker} target per real server
 * of every service with a {@link FleetCheck} ({@code check=tcp|http}), in step with the desired
 * state, and knows which servers are DOWN, for {@link FleetState#withDown} to program them at
 * weight 0 on this director.
 *
 * <p>{@link #update} with each new desired state: a target is added for a server that appears
 * (initially UP, as keepalived without {@code alpha}, so that a restarted director drains
 * nothing before its checks ran), removed for a server that goes or whose service drops its
 * check, and replaced when its service's check changes (keeping its current state, as the
 * keepalived controller keeps a real server's state across a reload: the new check corrects it
 * at its first result).
 *
 * <pre>{@code
 * try (FleetHealth health = new FleetHealth((id, old, now) -> director.healthChanged())) {
 *     health.update(state);                            // after each parse
 *     applier.apply(state.withDown(health.down()));    // at each apply, and at each transition
 * }
 * }</pre>
 *
 * <p>Threads: {@link #update} and {@link #down} may be called from any thread; the listener is
 * called on the checker's notification thread, after {@link #down} reflects the transition, one
 * transition at a time and in order.
 */
public final class FleetHealth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FleetHealth.class);

    private final HealthChecker<FleetState.ServerId> checker;
    private final StateListener<FleetState.ServerId> listener;
    /** The check each target runs; guarded by this. */
    private final Map<FleetState.ServerId, FleetCheck> checked = new HashMap<>();
    /**
     * The targets whose last transition was to DOWN; guarded by this. Kept here rather than read
     * from the checker so that it survives {@link #close()} (the checker forgets its targets):
     * a director shutting down keeps programming its last verdict, not "all up".
     */
    private final Set<FleetState.ServerId> down = new LinkedHashSet<>();
    private boolean closed;

    /**
     * Creates the checks' machinery (its own {@link CheckIo} loop); nothing is checked before
     * {@link #update}.
     *
     * @param listener told about every UP/DOWN transition of a real server, on the checker's
     *     notification thread; {@link #down()} already holds the new state
     */
    public FleetHealth(StateListener<FleetState.ServerId> listener) {
        this(listener, null);
    }

    /**
     * Creates the checks' machinery on {@code io}.
     *
     * @param listener told about every UP/DOWN transition of a real server
     * @param io the loop the checks run on (not closed with this), or {@code null} for one of its own
     */
    public FleetHealth(StateListener<FleetState.ServerId> listener, CheckIo io) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.checker = new HealthChecker<>(this::transition, io);
    }

    private void transition(FleetState.ServerId id, CheckState old, CheckState now) {
        synchronized (this) {
            if (!checked.containsKey(id)) {
                return;   // removed while the notification was on its way
            }
            if (now == CheckState.DOWN) {
                down.add(id);
            } else {
                down.remove(id);
            }
        }
        LOG.info("fleet real server {} is {} (was {})", id, now, old);
        listener.stateChanged(id, old, now);
    }

    /**
     * Makes the checked targets those of {@code state}: one per real server of each service
     * that has a check, with that service's check.
     *
     * @param state the desired state as parsed (its down overlay, if any, is ignored)
     * @return how many targets were added, removed or replaced
     */
    public synchronized int update(FleetState state) {
        Objects.requireNonNull(state, "state");
        if (closed) {
            return 0;   // a director closing after its checks: nothing more to check
        }
        // in the state's order (services by id, servers in MhOrder), so that the log reads in order
        Map<FleetState.ServerId, FleetCheck> wanted = new LinkedHashMap<>();
        for (FleetState.FleetService s : state.services().values()) {
            if (s.check().kind() == FleetCheck.Kind.NONE) {
                continue;
            }
            for (FleetServer f : s.servers()) {
                wanted.put(new FleetState.ServerId(s.id(), f.configured().endpoint()), s.check());
            }
        }
        int changes = 0;
        for (var it = checked.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                checker.remove(e.getKey());
                down.remove(e.getKey());
                it.remove();
                changes++;
            }
        }
        for (Map.Entry<FleetState.ServerId, FleetCheck> e : wanted.entrySet()) {
            FleetState.ServerId id = e.getKey();
            FleetCheck before = checked.get(id);
            if (e.getValue().equals(before)) {
                continue;
            }
            CheckState initial = CheckState.UP;
            if (before != null) {
                checker.remove(id);
                initial = down.contains(id) ? CheckState.DOWN : CheckState.UP;
            }
            CheckSpec spec = e.getValue().spec(id.endpoint()).orElseThrow();
            checker.add(id, initial, spec);
            checked.put(id, e.getValue());
            changes++;
        }
        return changes;
    }

    /** {@return the real servers found DOWN now (a copy)} */
    public synchronized Set<FleetState.ServerId> down() {
        return Set.copyOf(down);
    }

    /** {@return each checked real server and the check it runs (a copy)} */
    public synchronized Map<FleetState.ServerId, FleetCheck> checked() {
        return Map.copyOf(checked);
    }

    /**
     * Stops all checks; {@link #down()} keeps the last verdict and {@link #update} does nothing
     * from now on. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        checker.close();
    }
}
