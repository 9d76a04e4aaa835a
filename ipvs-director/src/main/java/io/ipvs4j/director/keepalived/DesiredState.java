package io.ipvs4j.director.keepalived;

import io.ipvs4j.director.check.CheckSpec;
import io.ipvs4j.director.check.CheckState;
import io.ipvs4j.model.RealServer;
import io.ipvs4j.model.VirtualService;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a controller should program: per virtual service, the {@link VirtualService} and its
 * {@link RealServer}s, each with the health checks that decide whether it is in the pool, plus
 * the VIP aliases to bring up. Produced from a keepalived.conf by
 * {@link KeepalivedConverter#toDesiredState(KeepalivedConfig)}; a controller adds a real server
 * while its checks pass and removes it (or sets its weight to 0 when
 * {@link Backend#inhibitOnFailure()}) when they fail.
 *
 * <pre>{@code
 * DesiredState desired = KeepalivedConverter.toDesiredState(KeepalivedParser.parse(path));
 * for (DesiredState.Service s : desired.services()) {
 *     for (DesiredState.Backend b : s.realServers()) {
 *         checker.add(b.server().endpoint(), b.initialState(), b.checks());
 *     }
 * }
 * }</pre>
 *
 * @param staticAddresses the {@code static_ipaddress} entries (VIP aliases)
 * @param services the virtual services, in file order (groups expanded)
 */
public record DesiredState(List<KeepalivedConfig.StaticAddress> staticAddresses, List<Service> services) {
    /**
     * Checks the parts.
     *
     * @param staticAddresses the {@code static_ipaddress} entries (VIP aliases)
     * @param services the virtual services, in file order (groups expanded)
     */
    public DesiredState {
        staticAddresses = List.copyOf(staticAddresses);
        services = List.copyOf(services);
    }

    /**
     * The service whose {@code VirtualService.key()} prints as {@code key}, e.g. {@code "TCP 192.0.2.100:80"}.
     *
     * @param key the service key as its {@code toString()} prints it
     * @return the service, or empty if none has that key
     */
    public Optional<Service> service(String key) {
        return services.stream().filter(s -> s.service().key().toString().equals(key)).findFirst();
    }

    /**
     * One virtual service and its real servers.
     *
     * @param service the service configuration
     * @param realServers its real servers with their checks
     * @param sorryServer the server to use when no real server is up ({@code sorry_server})
     * @param quorum keepalived's {@code quorum}: the sum of the weights of the up servers
     *     below which the service is considered down (default 1)
     * @param hysteresis keepalived's {@code hysteresis} around the quorum
     * @param omega keepalived's {@code omega}
     * @param line the line of its {@code virtual_server} block
     */
    public record Service(VirtualService service, List<Backend> realServers, Optional<Backend> sorryServer,
            int quorum, int hysteresis, boolean omega, int line) {
        /**
         * Checks the parts.
         *
         * @param service the service configuration
         * @param realServers its real servers with their checks
         * @param sorryServer the server to use when no real server is up ({@code sorry_server})
         * @param quorum keepalived's {@code quorum}: the sum of the weights of the up servers
         *     below which the service is considered down (default 1)
         * @param hysteresis keepalived's {@code hysteresis} around the quorum
         * @param omega keepalived's {@code omega}
         * @param line the line of its {@code virtual_server} block
         */
        public Service {
            Objects.requireNonNull(service, "service");
            realServers = List.copyOf(realServers);
            Objects.requireNonNull(sorryServer, "sorryServer");
        }
    }

    /**
     * A real server and how its health is decided.
     *
     * @param server the real server as it should be programmed while healthy
     * @param checks its checks; it is healthy while all pass; none means always healthy
     * @param initialState the state before any check ran: DOWN with {@code alpha}, else UP
     *     (a server without checks is always UP)
     * @param inhibitOnFailure when unhealthy, keep it with weight 0 instead of removing it
     * @param line the line of its {@code real_server} block
     * @param notifyUp the program and arguments run (without a shell, not waited for) when it
     *     comes up ({@code notify_up}); empty for none
     * @param notifyDown run when it goes down ({@code notify_down}); empty for none
     */
    public record Backend(RealServer server, List<CheckSpec> checks, CheckState initialState,
            boolean inhibitOnFailure, int line, List<String> notifyUp, List<String> notifyDown) {
        /**
         * Checks the parts.
         *
         * @param server the real server as it should be programmed while healthy
         * @param checks its checks; it is healthy while all pass; none means always healthy
         * @param initialState the state before any check ran: DOWN with {@code alpha}, else UP
         *     (a server without checks is always UP)
         * @param inhibitOnFailure when unhealthy, keep it with weight 0 instead of removing it
         * @param line the line of its {@code real_server} block
         * @param notifyUp the program and arguments run (without a shell, not waited for) when it
         *     comes up ({@code notify_up}); empty for none
         * @param notifyDown run when it goes down ({@code notify_down}); empty for none
         */
        public Backend {
            Objects.requireNonNull(server, "server");
            checks = List.copyOf(checks);
            Objects.requireNonNull(initialState, "initialState");
            notifyUp = List.copyOf(notifyUp);
            notifyDown = List.copyOf(notifyDown);
        }

        /**
         * A backend without notify scripts.
         *
         * @param server the real server as it should be programmed while healthy
         * @param checks its checks; none means always healthy
         * @param initialState the state before any check ran
         * @param inhibitOnFailure when unhealthy, keep it with weight 0 instead of removing it
         * @param line the line of its {@code real_server} block
         */
        public Backend(RealServer server, List<CheckSpec> checks, CheckState initialState, boolean inhibitOnFailure,
                int line) {
            this(server, checks, initialState, inhibitOnFailure, line, List.of(), List.of());
        }
    }
}
