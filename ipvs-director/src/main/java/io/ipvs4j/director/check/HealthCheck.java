package io.ipvs4j.director.check;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One probe of a target, e.g. an HTTP GET ({@link HttpGetCheck}) or a TCP connect
 * ({@link TcpConnectCheck}). A check makes a single attempt; retries, intervals and the
 * UP/DOWN state belong to {@link HealthChecker} and {@link CheckPolicy}, so the same check
 * can be reused with different policies.
 *
 * <p>Checks are asynchronous: {@link #start(CheckIo)} begins an attempt on the shared
 * {@link CheckIo} event loop and returns at once; the future completes when the attempt is
 * decided. No thread waits for a check, so the number of threads does not grow with the
 * number of targets.
 *
 * <pre>{@code
 * HealthCheck tcp = TcpConnectCheck.builder(InetAddresses.parse("192.0.2.32"), 80)
 *         .connectTimeout(Duration.ofSeconds(3)).build();
 * try (CheckIo io = CheckIo.open("demo")) {
 *     tcp.start(io).thenAccept(r -> System.out.println(r.healthy() + " " + r.detail()));
 * }
 * }</pre>
 *
 * <p>Contract for implementations: {@code start} must not block (it runs on the loop thread
 * when {@link HealthChecker} calls it); the attempt must be bounded by the check's own
 * timeouts, armed on the loop ({@link CheckIo#within}, {@link ByteStream#expireAfter}), so
 * the future always completes; a failure of the target is a failing {@link CheckResult}, not
 * an exceptional completion. A future that completes exceptionally anyway, or a
 * {@link RuntimeException} thrown by {@code start}, is counted as a failure by
 * {@link HealthChecker}.
 */
@FunctionalInterface
public interface HealthCheck {

    /**
     * Starts one attempt on {@code io}; the future tells whether the target passed.
     *
     * @param io the loop the attempt's I/O runs on; the attempt must not block it
     * @return the attempt's result; a failure of the future counts as a failed attempt
     */
    CompletableFuture<CheckResult> start(CheckIo io);

    /**
     * Runs one attempt on {@link CheckIo#shared()} and waits for it: a convenience for scripts,
     * jshell and tests. Never call it on a loop thread (it would wait for itself).
     *
     * @return the attempt's result
     */
    default CheckResult check() {
        try {
            return start(CheckIo.shared()).join();
        } catch (CompletionException e) {
            return CheckResult.down("check failed: " + e.getCause());
        }
    }

    /**
     * A short description for logs, e.g. {@code "HTTP_GET 192.0.2.32:80/"}.
     *
     * @return the check's kind and target
     */
    default String describe() {
        return getClass().getSimpleName();
    }
}
