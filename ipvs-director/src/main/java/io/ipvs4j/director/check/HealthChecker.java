package io.ipvs4j.director.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs health checks on a schedule and tracks each target's UP/DOWN state with keepalived's
 * semantics (see {@link CheckPolicy}): a target that is up goes DOWN only after a failure and
 * all its retries fail; a target that is down comes back UP after one success. A target with
 * several checks is UP only while all of them are up, as a keepalived real server with several
 * checkers is. Every transition is logged and passed to the {@link StateListener}.
 *
 * <pre>{@code
 * try (HealthChecker<Endpoint> checker = new HealthChecker<>((rs, old, now) -> apply(rs, now))) {
 *     checker.add(rs, CheckState.UP, List.of(new CheckSpec(httpCheck,
 *             new CheckPolicy(Duration.ofSeconds(6), 3, Duration.ofSeconds(3)))));
 *     ...
 * }   // close() stops all checks
 * }</pre>
 *
 * <p>Threads: two, whatever the number of targets. Every attempt runs asynchronously on one
 * {@link CheckIo} event loop (its own, or one given to the constructor), which also keeps
 * time: a slow check holds a socket and a timer, never a thread, and delays nothing but its
 * own target's next attempt. Listeners are called on one notification thread, so a slow
 * listener cannot stall the checks. Each check's next attempt is scheduled when the previous
 * one ends (a fixed delay, as keepalived does), so attempts of one check never overlap; the
 * first waits a random part of the policy's {@link CheckPolicy#warmup() warmup}.
 *
 * @param <T> the target type: anything with value equality, e.g. an {@code Endpoint}
 */
public final class HealthChecker<T> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final StateListener<T> listener;
    private final CheckIo io;
    private final boolean ownsIo;
    private final ExecutorService notifier;
    private final Map<T, Target> targets = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * A checker with its own {@link CheckIo} loop that tells {@code listener} about every transition.
     *
     * @param listener told about state and weight changes, on the checker's loop thread
     */
    public HealthChecker(StateListener<T> listener) {
        this(listener, null);
    }

    /**
     * A checker whose attempts run on {@code io} (shared with other checkers; closing this
     * checker does not close it), or on a loop of its own when {@code io} is null.
     *
     * @param listener told about state and weight changes, on the loop thread
     * @param io the loop to run on, or {@code null} for one of its own
     */
    public HealthChecker(StateListener<T> listener, CheckIo io) {
        this.listener = Objects.requireNonNull(listener, "listener");
        int id = INSTANCES.incrementAndGet();
        this.ownsIo = io == null;
        this.io = io != null ? io : CheckIo.open(String.valueOf(id));
        this.notifier = Executors.newSingleThreadExecutor(daemonThreads("ipvs4j-check-notify-" + id));
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            // checks must never keep a stopping JVM alive; close() is the orderly way out
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The event loop the checks run on.
     *
     * @return the loop; the listener is called on its thread
     */
    public CheckIo io() {
        return io;
    }

    /**
     * Starts checking {@code target}: each spec's first attempt runs at once.
     *
     * @param initial the state before any check has run: keepalived starts real servers UP,
     *     or DOWN with {@code alpha}
     * @param checks at least one check; the target is UP while all are up
     * @param target the checked thing, e.g. a real server's key; compared with {@code equals}
     * @throws IllegalStateException if the target is already checked or this checker is closed
     */
    public void add(T target, CheckState initial, List<CheckSpec> checks) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(initial, "initial");
        List<CheckSpec> specs = List.copyOf(checks);
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("at least one check is needed for " + target);
        }
        if (closed) {
            throw new IllegalStateException("health checker is closed");
        }
        Target t = new Target(target, initial, specs);
        if (targets.putIfAbsent(target, t) != null) {
            throw new IllegalStateException(target + " is already being checked");
        }
        log.info("checking {} (initially {}): {}", target, initial, specs);
        for (Slot s : t.slots) {
            long warmup = s.spec.policy().warmup().toNanos();
            // keepalived: warmup * random() / RAND_MAX, uniform in [0, warmup]
            schedule(s, Duration.ofNanos(warmup == 0 ? 0 : ThreadLocalRandom.current().nextLong(warmup + 1)));
        }
    }

    /**
     * {@link #add(Object, CheckState, List)} with a single check.
     *
     * @param target the checked thing; compared with {@code equals}
     * @param initial the state before any check has run
     * @param check the one check; the target is UP while it is
     */
    public void add(T target, CheckState initial, CheckSpec check) {
        add(target, initial, List.of(check));
    }

    /**
     * Stops checking {@code target}; no notification follows. An attempt in flight finishes
     * but its result is dropped.
     *
     * @param target as given to {@code add}
     * @return whether the target was being checked
     */
    public boolean remove(T target) {
        Target t = targets.remove(target);
        if (t == null) {
            return false;
        }
        synchronized (t) {
            t.removed = true;
            for (Slot s : t.slots) {
                if (s.pending != null) {
                    s.pending.cancel();
                }
            }
        }
        log.info("stopped checking {}", target);
        return true;
    }

    /**
     * The current state of {@code target}, if it is being checked.
     *
     * @param target as given to {@code add}
     * @return its state, or empty if it is not checked
     */
    public Optional<CheckState> state(T target) {
        Target t = targets.get(target);
        if (t == null) {
            return Optional.empty();
        }
        synchronized (t) {
            return Optional.of(t.state);
        }
    }

    /**
     * A snapshot of all targets' states.
     *
     * @return a copy, in no particular order
     */
    public Map<T, CheckState> states() {
        Map<T, CheckState> out = new LinkedHashMap<>();
        for (Target t : targets.values()) {
            synchronized (t) {
                out.put(t.target, t.state);
            }
        }
        return out;
    }

    private void schedule(Slot slot, Duration delay) {
        if (closed) {
            return;
        }
        try {
            CheckIo.Cancellable c = io.schedule(delay, () -> run(slot));
            synchronized (slot.owner) {
                slot.pending = c;
            }
        } catch (RejectedExecutionException e) {
            // the loop is closed; nothing more to run
        }
    }

    /** Starts an attempt; on the loop thread. */
    private void run(Slot slot) {
        Target t = slot.owner;
        if (closed || t.removed) {
            return;
        }
        CompletableFuture<CheckResult> attempt;
        long startedNanos = System.nanoTime();
        try {
            attempt = Objects.requireNonNull(slot.spec.check().start(io), "start returned null");
        } catch (RuntimeException e) {
            attempt = CompletableFuture.completedFuture(CheckResult.down("check threw " + e));
        }
        attempt.whenComplete((r, e) -> {
            CheckResult result = e != null ? CheckResult.down("check failed: " + HttpGetCheck.unwrap(e))
                    : r != null ? r : CheckResult.down("check completed without a result");
            // back onto the loop: a check may complete elsewhere (a process exit, a pinger)
            java.time.Duration latency = java.time.Duration.ofNanos(System.nanoTime() - startedNanos);
            io.post(() -> finish(slot, result, latency));
        });
    }

    private void finish(Slot slot, CheckResult result, Duration latency) {
        Target t = slot.owner;
        Duration next;
        synchronized (t) {
            if (closed || t.removed) {
                return;
            }
            attempted(t, slot, result, latency);
            CheckPolicy policy = slot.spec.policy();
            if (result.healthy()) {
                slot.failures = 0;
                slot.up = true;
                slot.weight = result.weight();
                next = policy.interval();
                if (log.isDebugEnabled()) {   // describe() builds a string: not for every attempt
                    log.debug("{} {}: {}", t.target, slot.spec.check().describe(), result.detail());
                }
            } else if (slot.up && slot.failures < policy.retries()) {
                // keepalived retries only what it is about to take out; a failing check of an
                // up target is given its retries before it counts
                slot.failures++;
                next = policy.delayBeforeRetry();
                log.info("{} {} failed (attempt {} of {}): {}", t.target, slot.spec.check().describe(),
                        slot.failures, policy.retries() + 1, result.detail());
            } else {
                if (slot.up) {
                    log.warn("{} {} failed after {} retries: {}", t.target, slot.spec.check().describe(),
                            policy.retries(), result.detail());
                } else if (log.isDebugEnabled()) {
                    log.debug("{} {} still failing: {}", t.target, slot.spec.check().describe(), result.detail());
                }
                slot.failures = 0;
                slot.up = false;
                // keepalived drops a failed dynamic check's weight (check_misc.c: cur_weight = 0)
                slot.weight = OptionalInt.empty();
                next = policy.interval();
            }
            OptionalInt weight = t.weight();
            if (!weight.equals(t.weight)) {
                t.weight = weight;
                log.info("{} asks for weight {}", t.target, weight.isPresent() ? weight.getAsInt() : "as configured");
                notify(() -> listener.weightChanged(t.target, weight), t);
            }
            CheckState now = t.aggregate();
            if (now != t.state) {
                CheckState old = t.state;
                t.state = now;
                log.info("{} is {} (was {}): {}", t.target, now, old, result.detail());
                notify(() -> listener.stateChanged(t.target, old, now), t);
            }
        }
        schedule(slot, next);
    }

    /**
     * Tells the listener about one attempt, on the loop thread: every attempt of every target
     * passes here (thousands a second at scale), so no thread hop and no text is built for it.
     */
    private void attempted(Target t, Slot slot, CheckResult result, Duration latency) {
        try {
            listener.checked(t.target, slot.spec.check(), result, latency);
        } catch (RuntimeException e) {
            log.error("state listener failed for {}", t.target, e);
        }
    }

    private void notify(Runnable call, Target target) {
        try {
            notifier.execute(() -> {
                if (closed || target.removed) {
                    return;
                }
                try {
                    call.run();
                } catch (RuntimeException e) {
                    log.error("state listener failed for {}", target.target, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /**
     * Stops all checks: attempts in flight are abandoned (their sockets closed with the loop
     * when this checker owns it) and no listener is called afterwards. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Target t : targets.values()) {
            synchronized (t) {
                t.removed = true;
                for (Slot s : t.slots) {
                    if (s.pending != null) {
                        s.pending.cancel();
                    }
                }
            }
        }
        if (ownsIo) {
            io.close();
        }
        notifier.shutdownNow();
        try {
            notifier.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        targets.clear();
        log.debug("health checker closed");
    }

    /** One target: its checks and aggregate state. Guarded by its own monitor. */
    private final class Target {
        final T target;
        final List<Slot> slots = new ArrayList<>();
        CheckState state;
        OptionalInt weight = OptionalInt.empty();
        volatile boolean removed;

        Target(T target, CheckState initial, List<CheckSpec> specs) {
            this.target = target;
            this.state = initial;
            for (CheckSpec s : specs) {
                slots.add(new Slot(this, s, initial == CheckState.UP));
            }
        }

        CheckState aggregate() {
            for (Slot s : slots) {
                if (!s.up) {
                    return CheckState.DOWN;
                }
            }
            return CheckState.UP;
        }

        /**
         * The weight its checks ask for: the smallest any passing check asks for (keepalived
         * adds the dynamic checks' offsets from the configured weight; with one dynamic check,
         * the usual case, both are that check's weight).
         */
        OptionalInt weight() {
            OptionalInt w = OptionalInt.empty();
            for (Slot s : slots) {
                if (s.weight.isPresent() && (w.isEmpty() || s.weight.getAsInt() < w.getAsInt())) {
                    w = s.weight;
                }
            }
            return w;
        }
    }

    /** One check of a target. Fields guarded by the owner's monitor. */
    private final class Slot {
        final Target owner;
        final CheckSpec spec;
        boolean up;
        int failures;
        OptionalInt weight = OptionalInt.empty();
        CheckIo.Cancellable pending;

        Slot(Target owner, CheckSpec spec, boolean up) {
            this.owner = owner;
            this.spec = spec;
            this.up = up;
        }
    }
}
