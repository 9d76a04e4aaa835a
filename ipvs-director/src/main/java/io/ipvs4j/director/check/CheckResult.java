package io.ipvs4j.director.check;

import java.util.Objects;

/**
 * The outcome of one attempt of a {@link HealthCheck}.
 *
 * <pre>{@code
 * CheckResult r = check.check();
 * if (!r.healthy()) log.warn("{} failed: {}", target, r.detail());
 * }</pre>
 *
 * @param healthy whether the attempt passed
 * @param detail a short human-readable reason, e.g. {@code "HTTP 503, expected [200]"}
 */
public record CheckResult(boolean healthy, String detail) {
    public CheckResult {
        Objects.requireNonNull(detail, "detail");
    }

    /** A passing result. */
    public static CheckResult up(String detail) {
        return new CheckResult(true, detail);
    }

    /** A failing result. */
    public static CheckResult down(String detail) {
        return new CheckResult(false, detail);
    }
}
