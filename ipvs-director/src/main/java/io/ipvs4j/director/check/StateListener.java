package io.ipvs4j.director.check;

/**
 * Told by {@link HealthChecker} about every UP/DOWN transition of a target.
 *
 * <pre>{@code
 * StateListener<Endpoint> l = (rs, old, now) -> log.info("{}: {} -> {}", rs, old, now);
 * }</pre>
 *
 * <p>Called on the checker's one notification thread (never on its I/O loop), one call at a
 * time and in the order the transitions happened; a listener that blocks delays later
 * notifications, not the checks. Exceptions it throws are logged and otherwise ignored.
 *
 * @param <T> the target type (e.g. a real server's endpoint)
 */
@FunctionalInterface
public interface StateListener<T> {
    /**
     * {@code target} went from {@code oldState} to {@code newState} (never equal).
     *
     * @param target the checked thing, as given to {@link HealthChecker#add}
     * @param oldState its state before
     * @param newState its state now
     */
    void stateChanged(T target, CheckState oldState, CheckState newState);

    /**
     * The weight the target's checks ask for changed (keepalived's {@code misc_dynamic}); empty
     * means the configured weight again. Ignored by default.
     *
     * @param target the checked thing, as given to {@link HealthChecker#add}
     * @param weight the weight asked for, or empty for the configured one
     */
    default void weightChanged(T target, java.util.OptionalInt weight) {
    }

    /**
     * One check attempt of {@code target} finished (every attempt, also without a transition).
     * Ignored by default. Unlike the transitions it is called on the checker's I/O loop, for
     * every attempt: it must return at once (record a value; build text only when needed).
     *
     * @param target the checked thing, as given to {@link HealthChecker#add}
     * @param check the check that ran ({@link HealthCheck#describe()} names it)
     * @param result the attempt's result
     * @param latency from the attempt's start to its result
     */
    default void checked(T target, HealthCheck check, CheckResult result, java.time.Duration latency) {
    }
}
