package io.ipvs4j;

import io.ipvs4j.model.RealServerStatus;
import io.ipvs4j.model.ServiceStatus;
import java.util.List;
import java.util.Objects;

/**
 * A service and its real servers as listed together by {@link Ipvs#snapshot()}.
 *
 * @param service the service's configuration and counters
 * @param realServers its real servers with their counters
 */
public record ServiceSnapshot(ServiceStatus service, List<RealServerStatus> realServers) {
    /**
     * Copies the list.
     *
     * @param service the service's configuration and counters
     * @param realServers its real servers with their counters
     * @throws NullPointerException if the service, the list or an element is null
     */
    public ServiceSnapshot {
        Objects.requireNonNull(service, "service");
        realServers = List.copyOf(realServers);
    }
}
