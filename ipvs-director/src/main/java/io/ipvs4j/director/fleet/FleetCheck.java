package io.ipvs4j.director.fleet;

import io.ipvs4j.director.check.CheckPolicy;
import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.check.HealthCheck;
import io.ipvs4j.director.check.HttpGetCheck;
import io.ipvs4j.director.check.TcpConnectCheck;
import io.ipvs4j.director.keepalived.KeepalivedParser;
import io.ipvs4j.model.Endpoint;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The health check of a fleet service's real servers, as its {@code check*} fields in etcd
 * describe it (see {@link FleetState} for the schema). Each director checks every real server
 * itself; a server that fails is programmed with weight 0 on that director only (see
 * {@link FleetServer#down()}).
 *
 * <p>A value record: two services with the same fields have equal checks, which is how
 * {@link FleetHealth} tells that a service's check changed. {@link #spec(Endpoint)} builds the
 * director's {@link TcpConnectCheck} or {@link HttpGetCheck} for one real server.
 *
 * <pre>{@code
 * // services/web: "address=192.0.2.100 port=80 check=http check_path=/health delay_loop=6"
 * FleetCheck c = FleetState.parse(prefix, entries).services().get("web").check();
 * CheckSpec spec = c.spec(Endpoint.of("198.51.100.3", 80)).orElseThrow();   // HTTP_GET 198.51.100.3:80/health
 * }</pre>
 *
 * @param kind none, tcp or http
 * @param port the port to check ({@code check_port}); empty: each real server's own port
 * @param path the HTTP request path ({@code check_path}); {@code /} unless http
 * @param status the one HTTP status that passes ({@code check_status}); empty: any 2xx, keepalived's
 *     {@code HTTP_GET} default without {@code status_code}
 * @param delayLoop the time between checks ({@code delay_loop})
 * @param connectTimeout the bound on the connection and, for http, on the response
 *     ({@code connect_timeout})
 * @param retries failed attempts retried before the server is DOWN ({@code retry})
 * @param delayBeforeRetry the pause before each retry ({@code delay_before_retry})
 */
public record FleetCheck(Kind kind, OptionalInt port, String path, OptionalInt status, Duration delayLoop,
        Duration connectTimeout, int retries, Duration delayBeforeRetry) {

    /** The kind of check, by its etcd name. */
    public enum Kind {
        /** No check: every real server counts as up ({@code check=none}, the default). */
        NONE,
        /** keepalived's {@code TCP_CHECK}: a TCP connection is established ({@code check=tcp}). */
        TCP,
        /** keepalived's {@code HTTP_GET}: a GET answered with the expected status ({@code check=http}). */
        HTTP
    }

    /** {@code check_path} default: {@code /}. */
    public static final String DEFAULT_PATH = "/";
    /** No check (the default of a service without {@code check}). */
    public static final FleetCheck NONE = new FleetCheck(Kind.NONE, OptionalInt.empty(), DEFAULT_PATH, OptionalInt.empty(),
            CheckPolicy.DEFAULT_INTERVAL, TcpConnectCheck.DEFAULT_CONNECT_TIMEOUT, CheckPolicy.DEFAULT_RETRIES,
            CheckPolicy.DEFAULT_DELAY_BEFORE_RETRY);

    /**
     * Checks the parts (the parser has already named any bad field; this guards other callers).
     *
     * @param kind none, tcp or http
     * @param port the port to check, or empty for each server's own
     * @param path the HTTP path
     * @param status the HTTP status that passes, or empty for any 2xx
     * @param delayLoop the time between checks; positive
     * @param connectTimeout the connect (and response) timeout; positive
     * @param retries retries before DOWN; not negative
     * @param delayBeforeRetry the pause before a retry; not negative
     */
    public FleetCheck {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(delayLoop, "delayLoop");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(delayBeforeRetry, "delayBeforeRetry");
        if (port.isPresent() && (port.getAsInt() < 1 || port.getAsInt() > 65535)) {
            throw new IllegalArgumentException("check port must be 1..65535, was " + port.getAsInt());
        }
        // the same rules CheckPolicy and the builders apply, but failing here, at parse time,
        // rather than when a director starts checking
        new CheckPolicy(delayLoop, retries, delayBeforeRetry);
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive, was " + connectTimeout);
        }
        url(path, status);
    }

    private static HttpGetCheck.Url url(String path, OptionalInt status) {
        return new HttpGetCheck.Url(path, status.isPresent() ? Set.of(status.getAsInt()) : Set.of(), Optional.empty());
    }

    /**
     * keepalived's default {@code delay_before_retry} for a kind: 3 s for {@code HTTP_GET}, 1 s
     * for {@code TCP_CHECK}, as the director's keepalived.conf import applies them.
     *
     * @param kind the check's kind
     * @return the default pause before a retry
     */
    public static Duration defaultDelayBeforeRetry(Kind kind) {
        return kind == Kind.HTTP ? KeepalivedParser.KEEPALIVED_HTTP_DELAY_BEFORE_RETRY
                : CheckPolicy.DEFAULT_DELAY_BEFORE_RETRY;
    }

    /**
     * The check of one real server, as {@link io.ipvs4j.director.check.HealthChecker#add} takes it.
     * The first attempt waits a random time up to the {@code delay_loop} (keepalived's default
     * {@code warmup}, as the keepalived.conf import applies it), so that a director starting
     * with many servers does not probe them all at the same instant.
     *
     * @param server the real server (its address, and its port unless {@code check_port} is set)
     * @return the check, or empty for {@link Kind#NONE}
     * @throws IllegalArgumentException if the port to check is 0 (a server without a port and no {@code check_port})
     */
    public Optional<CheckSpec> spec(Endpoint server) {
        if (kind == Kind.NONE) {
            return Optional.empty();
        }
        int checkPort = port.orElse(server.port());
        HealthCheck check = switch (kind) {
            case TCP -> TcpConnectCheck.builder(server.address(), checkPort).connectTimeout(connectTimeout).build();
            case HTTP -> HttpGetCheck.builder(server.address(), checkPort).connectTimeout(connectTimeout)
                    .url(url(path, status)).build();
            case NONE -> throw new AssertionError("handled above");
        };
        return Optional.of(new CheckSpec(check, new CheckPolicy(delayLoop, retries, delayBeforeRetry, delayLoop)));
    }

    /** {@return the etcd fields that describe this check, e.g. {@code check=tcp delay_loop=60 ...}} */
    @Override
    public String toString() {
        if (kind == Kind.NONE) {
            return "check=none";
        }
        return "check=" + kind.name().toLowerCase(java.util.Locale.ROOT)
                + (port.isPresent() ? " check_port=" + port.getAsInt() : "")
                + (kind == Kind.HTTP ? " check_path=" + path : "")
                + (kind == Kind.HTTP && status.isPresent() ? " check_status=" + status.getAsInt() : "")
                + " delay_loop=" + delayLoop.toSeconds() + " connect_timeout=" + connectTimeout.toSeconds()
                + " retry=" + retries + " delay_before_retry=" + delayBeforeRetry.toSeconds();
    }
}
