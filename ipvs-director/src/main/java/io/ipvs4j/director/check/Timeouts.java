package io.ipvs4j.director.check;

import java.time.Duration;
import java.util.Objects;

/** Validation shared by the checks' builders. */
final class Timeouts {
    private Timeouts() {
    }

    static Duration positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    /** A duration as socket-timeout milliseconds: at least 1, because 0 means "forever" to a socket. */
    static int millis(Duration d) {
        long ms = Math.max(1, d.toMillis());
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    static int port(String name, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(name + " must be 1..65535, was " + port);
        }
        return port;
    }
}
