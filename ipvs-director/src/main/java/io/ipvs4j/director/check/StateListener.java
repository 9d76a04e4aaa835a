package io.ipvs4j.director.check;

/**
 * Told by {@link HealthChecker} about every UP/DOWN transition of a target.
 *
 * <pre>{@code
 * StateListener<Endpoint> l = (rs, old, now) -> log.info("{}: {} -> {}", rs, old, now);
 * }</pre>
 *
 * <p>Called on a checker thread, one call at a time per target and in the order the
 * transitions happened; it should not block for long, since the target's next check waits
 * for it. Exceptions it throws are logged and otherwise ignored.
 *
 * @param <T> the target type (e.g. a real server's endpoint)
 */
@FunctionalInterface
public interface StateListener<T> {
    /** {@code target} went from {@code oldState} to {@code newState} (never equal). */
    void stateChanged(T target, CheckState oldState, CheckState newState);
}
