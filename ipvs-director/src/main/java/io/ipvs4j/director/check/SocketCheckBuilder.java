package io.ipvs4j.director.check;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * What the builders of the socket checks ({@link DnsCheck}, {@link SmtpCheck}, {@link UdpCheck})
 * share: the target, keepalived's {@code connect_timeout} and {@code bindto}.
 *
 * @param <B> the concrete builder, returned by every setter so calls chain
 */
abstract class SocketCheckBuilder<B extends SocketCheckBuilder<B>> {
    final InetAddress address;
    final int port;
    Duration timeout = TcpConnectCheck.DEFAULT_CONNECT_TIMEOUT;
    InetAddress bindAddress;

    SocketCheckBuilder(InetAddress address, int port) {
        this.address = Objects.requireNonNull(address, "address");
        this.port = Timeouts.port("port", port);
    }

    abstract B self();

    /**
     * How long to wait for the answer, each step of the exchange; default 5 s
     * ({@code connect_timeout}).
     *
     * @param timeout positive
     * @return this builder
     */
    public B connectTimeout(Duration timeout) {
        this.timeout = Timeouts.positive("connectTimeout", timeout);
        return self();
    }

    /**
     * The local address to send from ({@code bindto}); {@code null} lets the kernel choose.
     *
     * @param address the source address, or {@code null}
     * @return this builder
     */
    public B bindAddress(InetAddress address) {
        this.bindAddress = address;
        return self();
    }
}
