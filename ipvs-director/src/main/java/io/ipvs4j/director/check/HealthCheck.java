package io.ipvs4j.director.check;

/**
 * One probe of a target, e.g. an HTTP GET ({@link HttpGetCheck}) or a TCP connect
 * ({@link TcpConnectCheck}). A check makes a single attempt; retries, intervals and the
 * UP/DOWN state belong to {@link HealthChecker} and {@link CheckPolicy}, so the same check
 * can be reused with different policies.
 *
 * <pre>{@code
 * HealthCheck tcp = TcpConnectCheck.builder(InetAddresses.parse("192.0.2.32"), 80)
 *         .connectTimeout(Duration.ofSeconds(3)).build();
 * CheckResult r = tcp.check();
 * }</pre>
 *
 * <p>Implementations must bound their own running time (connect and read timeouts), because
 * a check that hangs would delay its target's next check; they report failures of the target
 * as a failing {@link CheckResult} rather than by throwing. A {@link RuntimeException} thrown
 * anyway is counted as a failure by {@link HealthChecker}.
 */
@FunctionalInterface
public interface HealthCheck {

    /** Runs one attempt and reports whether the target passed. */
    CheckResult check();

    /** A short description for logs, e.g. {@code "HTTP_GET 192.0.2.32:80/"}. */
    default String describe() {
        return getClass().getSimpleName();
    }
}
