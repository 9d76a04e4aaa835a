package io.ipvs4j.director.check;

import io.ipvs4j.model.InetAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * keepalived's {@code TCP_CHECK}: the target passes when a TCP connection to it is
 * established within the connect timeout; the connection is closed right away.
 *
 * <pre>{@code
 * TcpConnectCheck check = TcpConnectCheck.builder(InetAddresses.parse("192.0.2.32"), 80)
 *         .connectTimeout(Duration.ofSeconds(3))
 *         .build();
 * CheckResult r = check.start(io).join();   // up when something listens on 192.0.2.32:80
 * }</pre>
 */
public final class TcpConnectCheck implements HealthCheck {
    /** keepalived's {@code connect_timeout} default: 5 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final InetSocketAddress target;
    private final Duration connectTimeout;
    private final InetAddress bindAddress;

    private TcpConnectCheck(Builder b) {
        this.target = new InetSocketAddress(b.address, b.port);
        this.connectTimeout = b.connectTimeout;
        this.bindAddress = b.bindAddress;
    }

    /**
     * A builder for a check of {@code address:port} (the address is used as is, never resolved).
     *
     * @param address the real server (or {@code connect_ip})
     * @param port its port, 1..65535
     * @return a builder; finish with {@link Builder#build()}
     */
    public static Builder builder(InetAddress address, int port) {
        return new Builder(address, port);
    }

    /**
     * The address and port connected to.
     *
     * @return the real server's address and port
     */
    public InetSocketAddress target() {
        return target;
    }

    /**
     * The connect timeout.
     *
     * @return the bound on the connection being established
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    @Override
    public CompletableFuture<CheckResult> start(CheckIo io) {
        long start = System.nanoTime();
        return io.connect(target, bindAddress, connectTimeout).handle((c, e) -> {
            if (e != null) {
                Throwable cause = HttpGetCheck.unwrap(e);
                return CheckResult.down("connect to " + InetAddresses.toText(target.getAddress(), target.getPort())
                        + (cause instanceof TimeoutException ? " timed out after " + connectTimeout
                        : " failed: " + cause));
            }
            c.close();
            return CheckResult.up("connected in " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
        });
    }

    @Override
    public String describe() {
        return "TCP_CHECK " + InetAddresses.toText(target.getAddress(), target.getPort());
    }

    @Override
    public String toString() {
        return describe() + " connect_timeout " + connectTimeout;
    }

    /** Builds a {@link TcpConnectCheck}. */
    public static final class Builder {
        private final InetAddress address;
        private final int port;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private InetAddress bindAddress;

        private Builder(InetAddress address, int port) {
            this.address = Objects.requireNonNull(address, "address");
            this.port = Timeouts.port("port", port);
        }

        /**
         * How long to wait for the connection; default 5 s ({@code connect_timeout}).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Timeouts.positive("connectTimeout", timeout);
            return this;
        }

        /**
         * The local address to connect from ({@code bindto}); {@code null} lets the kernel choose.
         *
         * @param address the source address, or {@code null}
         * @return this builder
         */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = address;
            return this;
        }

        /**
         * The check.
         *
         * @return the check, immutable and reusable
         */
        public TcpConnectCheck build() {
            return new TcpConnectCheck(this);
        }
    }
}
