package io.ipvs4j.director.check;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * The outcome of one attempt of a {@link HealthCheck}.
 *
 * <pre>{@code
 * CheckResult r = check.start(io).join();
 * if (!r.healthy()) log.warn("{} failed: {}", target, r.detail());
 * }</pre>
 *
 * @param healthy whether the attempt passed
 * @param detail a short human-readable reason, e.g. {@code "HTTP 503, expected [200]"}
 * @param weight a weight the check asks for while it passes (keepalived's {@code misc_dynamic}:
 *     exit status - 2); empty means the configured weight
 */
public record CheckResult(boolean healthy, String detail, OptionalInt weight) {
    /**
     * Checks the parts.
     *
     * @param healthy whether the attempt passed
     * @param detail a short human-readable reason, e.g. {@code "HTTP 503, expected [200]"}
     * @param weight a weight the check asks for while it passes (keepalived's {@code misc_dynamic}:
     *     exit status - 2); empty means the configured weight
     */
    public CheckResult {
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(weight, "weight");
        if (weight.isPresent() && weight.getAsInt() < 0) {
            throw new IllegalArgumentException("weight must not be negative, was " + weight.getAsInt());
        }
    }

    /**
     * A result without a weight of its own.
     *
     * @param healthy whether the attempt passed
     * @param detail a short human-readable reason
     */
    public CheckResult(boolean healthy, String detail) {
        this(healthy, detail, OptionalInt.empty());
    }

    /**
     * A passing result.
     *
     * @param detail what passed, e.g. {@code "HTTP 200"}
     * @return a healthy result with the configured weight
     */
    public static CheckResult up(String detail) {
        return new CheckResult(true, detail);
    }

    /**
     * A passing result that asks for {@code weight} ({@code misc_dynamic}).
     *
     * @param detail what passed
     * @param weight the weight the real server should get while the check passes
     * @return a healthy result with that weight
     */
    public static CheckResult upWithWeight(String detail, int weight) {
        return new CheckResult(true, detail, OptionalInt.of(weight));
    }

    /**
     * A failing result.
     *
     * @param detail why it failed, e.g. {@code "connection refused"}
     * @return an unhealthy result
     */
    public static CheckResult down(String detail) {
        return new CheckResult(false, detail);
    }
}
