package io.ipvs4j.director.check;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link HealthCheck} runs and how many failures take its target down, with
 * keepalived's meaning: the check runs every {@code interval} ({@code delay_loop}); after a
 * failure of a target that is up it is retried {@code retries} times ({@code retry} /
 * {@code nb_get_retry}), {@code delayBeforeRetry} apart ({@code delay_before_retry}), and
 * only when all of those fail as well does the target go DOWN. One success brings it back UP.
 * The first attempt waits a random time between 0 and {@code warmup} ({@code warmup}), so
 * that checks configured together do not all hit their servers at the same instant.
 *
 * <pre>{@code
 * // HTTP_GET { ... nb_get_retry 3 delay_before_retry 3 } in a virtual_server with delay_loop 6
 * CheckPolicy p = new CheckPolicy(Duration.ofSeconds(6), 3, Duration.ofSeconds(3));
 * }</pre>
 *
 * @param interval time between the end of one check cycle and the next attempt; positive
 * @param retries extra attempts after a failure before the target is declared DOWN; 0 means
 *     the first failure takes it down
 * @param delayBeforeRetry pause before each retry; not negative
 * @param warmup upper bound of the random delay before the first attempt; not negative, zero
 *     starts at once (keepalived's default is the {@code delay_loop}: the keepalived.conf
 *     import applies it)
 */
public record CheckPolicy(Duration interval, int retries, Duration delayBeforeRetry, Duration warmup) {
    /** keepalived's {@code delay_loop} default: 60 seconds. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);
    /** keepalived's {@code retry} default for HTTP_GET: 1. */
    public static final int DEFAULT_RETRIES = 1;
    /** keepalived's {@code delay_before_retry} default: 1 second. */
    public static final Duration DEFAULT_DELAY_BEFORE_RETRY = Duration.ofSeconds(1);

    /**
     * Checks the parts.
     *
     * @param interval time between the end of one check cycle and the next attempt; positive
     * @param retries extra attempts after a failure before the target is declared DOWN; 0 means
     *     the first failure takes it down
     * @param delayBeforeRetry pause before each retry; not negative
     * @param warmup upper bound of the random delay before the first attempt; not negative, zero
     *     starts at once (keepalived's default is the {@code delay_loop}: the keepalived.conf
     *     import applies it)
     */
    public CheckPolicy {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(delayBeforeRetry, "delayBeforeRetry");
        Objects.requireNonNull(warmup, "warmup");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, was " + retries);
        }
        if (delayBeforeRetry.isNegative()) {
            throw new IllegalArgumentException("delayBeforeRetry must not be negative, was " + delayBeforeRetry);
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup must not be negative, was " + warmup);
        }
    }

    /**
     * A policy whose first attempt runs at once (no warmup).
     *
     * @param interval the time between attempts while the state is stable ({@code delay_loop})
     * @param retries failed attempts retried before the target is DOWN ({@code retry})
     * @param delayBeforeRetry the time before a retry ({@code delay_before_retry})
     */
    public CheckPolicy(Duration interval, int retries, Duration delayBeforeRetry) {
        this(interval, retries, delayBeforeRetry, Duration.ZERO);
    }

    /**
     * This policy with {@code warmup}.
     *
     * @param warmup the first attempt waits a random time up to it; zero for at once
     * @return the new policy
     */
    public CheckPolicy withWarmup(Duration warmup) {
        return new CheckPolicy(interval, retries, delayBeforeRetry, warmup);
    }

    /**
     * keepalived's defaults: every 60 s, 1 retry, 1 s before it.
     *
     * @return the policy keepalived applies when nothing is configured
     */
    public static CheckPolicy defaults() {
        return new CheckPolicy(DEFAULT_INTERVAL, DEFAULT_RETRIES, DEFAULT_DELAY_BEFORE_RETRY);
    }
}
