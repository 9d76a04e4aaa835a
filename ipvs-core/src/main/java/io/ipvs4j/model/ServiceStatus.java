package io.ipvs4j.model;

import java.util.Objects;

/**
 * A service as the kernel reports it: its configuration plus counters. Kept apart from
 * {@link VirtualService} so that comparing desired and actual configuration is a plain
 * {@code equals}.
 *
 * <pre>{@code
 * for (ServiceStatus s : ipvs.services()) {
 *     System.out.println(s.service().key() + " " + s.stats().connections());
 * }
 * }</pre>
 *
 * @param service the configuration
 * @param stats the counters
 */
public record ServiceStatus(VirtualService service, Stats stats) {
    /**
     * Checks the parts.
     *
     * @param service the configuration
     * @param stats the counters
     * @throws NullPointerException if the service or the counters are null
     */
    public ServiceStatus {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(stats, "stats");
    }

    /** {@return shorthand for {@code service().key()}} */
    public ServiceKey key() {
        return service.key();
    }
}
