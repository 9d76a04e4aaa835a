package io.ipvs4j.director.check;

/**
 * The health of a checked target as {@link HealthChecker} tracks it.
 *
 * <pre>{@code
 * if (checker.state(target) == CheckState.UP) { ... }
 * }</pre>
 */
public enum CheckState {
    /** Passing: the target should receive traffic. */
    UP,
    /** Failing (after its retries): the target should be removed or drained. */
    DOWN
}
