package io.ipvs4j.model;

import java.util.Objects;
import java.util.Optional;

/**
 * The configuration of a real server (a "destination" to the kernel) within a service.
 * Its identity within the service is its {@link Endpoint}; observed state is in
 * {@link RealServerStatus}.
 *
 * <pre>{@code
 * RealServer rs = RealServer.builder(Endpoint.of("198.51.100.3", 80))
 *         .weight(5)
 *         .forwarding(ForwardingMethod.MASQUERADE)
 *         .build();
 * // ipvsadm -a -t 192.0.2.100:80 -r 198.51.100.3:80 -m -w 5
 * RealServer drained = rs.withWeight(0);   // quiesce: no new connections
 * }</pre>
 *
 * <p>Defaults as in ipvsadm: weight 1, {@link ForwardingMethod#DIRECT_ROUTE}, no thresholds.
 * With {@link ForwardingMethod#TUNNEL} and no explicit tunnel, the tunnel is
 * {@link Tunnel#ipip()} (the kernel's default), so {@link #tunnel()} is present exactly when
 * the forwarding method is {@code TUNNEL}.
 */
public final class RealServer {
    private final Endpoint endpoint;
    private final int weight;
    private final ForwardingMethod forwarding;
    private final Thresholds thresholds;
    private final Tunnel tunnel;

    private RealServer(Builder b) {
        this.endpoint = b.endpoint;
        this.weight = b.weight;
        this.forwarding = b.forwarding;
        this.thresholds = b.thresholds;
        if (b.tunnel != null && forwarding != ForwardingMethod.TUNNEL) {
            throw new IllegalArgumentException("tunnel " + b.tunnel.type() + " needs forwarding TUNNEL, was " + forwarding);
        }
        this.tunnel = forwarding == ForwardingMethod.TUNNEL ? (b.tunnel != null ? b.tunnel : Tunnel.ipip()) : null;
    }

    /**
     * A builder for a real server at {@code endpoint}, with ipvsadm's defaults.
     *
     * @param endpoint the real server's address and port
     * @return a new builder
     */
    public static Builder builder(Endpoint endpoint) {
        return new Builder(endpoint);
    }

    /**
     * A direct-routing real server of weight 1 at {@code endpoint} (ipvsadm {@code -a -r endpoint -g -w 1}).
     *
     * @param endpoint the real server's address and port
     * @return the real server
     */
    public static RealServer of(Endpoint endpoint) {
        return builder(endpoint).build();
    }

    /** {@return a builder holding this server's settings} */
    public Builder toBuilder() {
        Builder b = new Builder(endpoint).weight(weight).forwarding(forwarding).thresholds(thresholds);
        b.tunnel = tunnel;
        return b;
    }

    /**
     * This server with another weight.
     *
     * @param weight 0..2147483647
     * @return a copy with that weight
     * @throws IllegalArgumentException if the weight is negative
     */
    public RealServer withWeight(int weight) {
        return toBuilder().weight(weight).build();
    }

    /**
     * Checks that {@code server} may be added to {@code service}: a server of another address
     * family than the service is only allowed with {@link ForwardingMethod#TUNNEL} (the
     * kernel answers EINVAL otherwise).
     *
     * @param service the service
     * @param server the real server
     * @throws IllegalArgumentException naming both if not
     */
    public static void checkCompatible(ServiceKey service, RealServer server) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(server, "server");
        AddressFamily sf = service.family();
        AddressFamily rf = server.endpoint.family();
        if (sf != rf && server.forwarding != ForwardingMethod.TUNNEL) {
            throw new IllegalArgumentException("real server " + server.endpoint + " is " + rf.label()
                    + " but service " + service + " is " + sf.label()
                    + "; mixing families needs forwarding TUNNEL, was " + server.forwarding);
        }
    }

    /**
     * {@link #checkCompatible(ServiceKey, RealServer)} for {@code service.key()}.
     *
     * @param service the service
     * @param server the real server
     * @throws IllegalArgumentException naming both if they do not fit
     */
    public static void checkCompatible(VirtualService service, RealServer server) {
        checkCompatible(Objects.requireNonNull(service, "service").key(), server);
    }

    /** {@return the address and port: this server's identity within its service} */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** {@return 0..2147483647; 0 quiesces the server (no new connections, existing ones continue)} */
    public int weight() {
        return weight;
    }

    /** {@return the forwarding method} */
    public ForwardingMethod forwarding() {
        return forwarding;
    }

    /** {@return the connection thresholds} */
    public Thresholds thresholds() {
        return thresholds;
    }

    /** {@return the encapsulation; present exactly when {@link #forwarding()} is {@code TUNNEL}} */
    public Optional<Tunnel> tunnel() {
        return Optional.ofNullable(tunnel);
    }

    /**
     * Equal when every setting is equal.
     *
     * @param o the other object
     * @return whether {@code o} is a real server with the same settings
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof RealServer r
                && endpoint.equals(r.endpoint)
                && weight == r.weight
                && forwarding == r.forwarding
                && thresholds.equals(r.thresholds)
                && Objects.equals(tunnel, r.tunnel);
    }

    /** {@return a hash of every setting} */
    @Override
    public int hashCode() {
        return Objects.hash(endpoint, weight, forwarding, thresholds, tunnel);
    }

    /** {@return the text, e.g. {@code 198.51.100.3:80 DIRECT_ROUTE weight 1}} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(endpoint).append(' ').append(forwarding);
        if (tunnel != null && (tunnel.type() != TunnelType.IPIP)) {
            sb.append(' ').append(tunnel.type());
            if (tunnel.port() != 0) {
                sb.append(" port ").append(tunnel.port());
            }
            if (!tunnel.flags().isEmpty()) {
                sb.append(' ').append(tunnel.flags());
            }
        }
        sb.append(" weight ").append(weight);
        if (thresholds.isLimited()) {
            sb.append(" thresholds ").append(thresholds.lower()).append("..").append(thresholds.upper());
        }
        return sb.toString();
    }

    /** Builds a {@link RealServer}; not thread-safe. */
    public static final class Builder {
        private final Endpoint endpoint;
        private int weight = 1;
        private ForwardingMethod forwarding = ForwardingMethod.DIRECT_ROUTE;
        private Thresholds thresholds = Thresholds.NONE;
        private Tunnel tunnel;

        private Builder(Endpoint endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        }

        /**
         * The weight, default 1 (ipvsadm {@code -w}). The kernel takes any non-negative int
         * (it reads the u32 into an {@code int} and answers ERANGE below 0).
         *
         * @param weight 0..2147483647
         * @return this builder
         * @throws IllegalArgumentException unless 0..2147483647
         */
        public Builder weight(int weight) {
            this.weight = Checks.range("weight", weight, 0, Integer.MAX_VALUE);
            return this;
        }

        /**
         * The forwarding method, default {@link ForwardingMethod#DIRECT_ROUTE} (ipvsadm {@code -g},
         * {@code -m}, {@code -i}).
         *
         * @param forwarding the method
         * @return this builder
         */
        public Builder forwarding(ForwardingMethod forwarding) {
            this.forwarding = Objects.requireNonNull(forwarding, "forwarding");
            return this;
        }

        /**
         * Connection thresholds, default {@link Thresholds#NONE} (ipvsadm {@code -x}, {@code -y}).
         *
         * @param thresholds the thresholds
         * @return this builder
         */
        public Builder thresholds(Thresholds thresholds) {
            this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
            return this;
        }

        /**
         * The encapsulation; only allowed with forwarding {@code TUNNEL} (checked in
         * {@link #build()}). {@code null} means the default, IPIP.
         *
         * @param tunnel the encapsulation, or null
         * @return this builder
         */
        public Builder tunnel(Tunnel tunnel) {
            this.tunnel = tunnel;
            return this;
        }

        /**
         * The real server.
         *
         * @return the real server
         * @throws IllegalArgumentException if a tunnel is set without forwarding {@code TUNNEL}
         */
        public RealServer build() {
            return new RealServer(this);
        }
    }
}
