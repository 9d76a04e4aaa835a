package io.ipvs4j.director.check;

import java.util.Objects;

/**
 * A check together with the policy it runs under: what {@link HealthChecker#add} takes per
 * check, and what the keepalived converter produces for each {@code HTTP_GET} or
 * {@code TCP_CHECK} block.
 *
 * <pre>{@code
 * CheckSpec spec = new CheckSpec(httpCheck, new CheckPolicy(Duration.ofSeconds(6), 3, Duration.ofSeconds(3)));
 * }</pre>
 *
 * @param check the probe
 * @param policy interval and retries
 */
public record CheckSpec(HealthCheck check, CheckPolicy policy) {
    /**
     * Checks the parts.
     *
     * @param check the probe
     * @param policy interval and retries
     */
    public CheckSpec {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(policy, "policy");
    }

    @Override
    public String toString() {
        return check.describe() + " every " + policy.interval() + ", " + policy.retries() + " retries "
                + policy.delayBeforeRetry() + " apart";
    }
}
