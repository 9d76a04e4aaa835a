package io.ipvs4j.netlink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings for the netlink clients. Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * NetlinkOptions options = NetlinkOptions.builder()
 *         .namespace(NetlinkOptions.namedNamespace("director"))
 *         .receiveTimeout(Duration.ofSeconds(5))
 *         .build();
 * try (Ipvs ipvs = IpvsNetlink.open(options)) { ... }
 * }</pre>
 */
public final class NetlinkOptions {
    /** The defaults: calling thread's namespace, 4 MiB receive buffer, 1 MiB send buffer, 10 s timeout. */
    public static final NetlinkOptions DEFAULT = builder().build();

    private final Path namespace;
    private final int receiveBufferBytes;
    private final int sendBufferBytes;
    private final int messageBufferBytes;
    private final Duration receiveTimeout;
    private final int listingParallelism;

    private NetlinkOptions(Builder b) {
        this.listingParallelism = b.listingParallelism;
        this.namespace = b.namespace;
        this.receiveBufferBytes = b.receiveBufferBytes;
        this.sendBufferBytes = b.sendBufferBytes;
        this.messageBufferBytes = b.messageBufferBytes;
        this.receiveTimeout = b.receiveTimeout;
    }

    /** {@return a builder with the defaults of {@link #DEFAULT}} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The path of a namespace created with {@code ip netns add NAME}: {@code /run/netns/NAME}.
     *
     * @param name the namespace's name, as {@code ip netns list} shows it
     * @return {@code /run/netns/NAME}
     */
    public static Path namedNamespace(String name) {
        return io.ipvs4j.netlink.internal.sys.NetNs.named(name);
    }

    /**
     * The network namespace of a process: {@code /proc/PID/ns/net}.
     *
     * @param pid the process id
     * @return {@code /proc/PID/ns/net}
     */
    public static Path processNamespace(long pid) {
        return io.ipvs4j.netlink.internal.sys.NetNs.ofProcess(pid);
    }

    /** {@return network namespace whose tables are managed; default: the calling thread's} */
    public Optional<Path> namespace() {
        return Optional.ofNullable(namespace);
    }

    /** {@return kernel socket receive buffer (SO_RCVBUFFORCE when privileged); default 4 MiB} */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /** {@return kernel socket send buffer; default 1 MiB} */
    public int sendBufferBytes() {
        return sendBufferBytes;
    }

    /** {@return size of each of the client's own direct message buffers (one send, one receive); default 256 KiB} */
    public int messageBufferBytes() {
        return messageBufferBytes;
    }

    /** {@return how long to wait for any reply before failing; default 10 s} */
    public Duration receiveTimeout() {
        return receiveTimeout;
    }

    /**
     * How many extra sockets (one thread each) {@code Ipvs.snapshot()} spreads its per-service
     * real-server dumps over; 1 lists on the client's own socket. Default 2 (1 on a
     * single-CPU machine, where threads would only take turns).
     *
     * @return the number of listing sockets, 1..16
     */
    public int listingParallelism() {
        return listingParallelism;
    }

    /** {@return a builder that starts from these options} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.listingParallelism = listingParallelism;
        b.namespace = namespace;
        b.receiveBufferBytes = receiveBufferBytes;
        b.sendBufferBytes = sendBufferBytes;
        b.messageBufferBytes = messageBufferBytes;
        b.receiveTimeout = receiveTimeout;
        return b;
    }

    /** Builder for {@link NetlinkOptions}. */
    public static final class Builder {
        private Path namespace;
        private int receiveBufferBytes = 4 << 20;
        private int sendBufferBytes = 1 << 20;
        private int messageBufferBytes = 256 << 10;
        private Duration receiveTimeout = Duration.ofSeconds(10);
        private int listingParallelism = Math.min(2, Runtime.getRuntime().availableProcessors());

        private Builder() {}

        /**
         * Sets {@link NetlinkOptions#listingParallelism()}.
         *
         * @param sockets 1..16
         * @return this builder
         */
        public Builder listingParallelism(int sockets) {
            this.listingParallelism = range("listingParallelism", sockets, 1, 16);
            return this;
        }

        /**
         * Sets the network namespace to manage (see {@link NetlinkOptions#namedNamespace(String)}).
         *
         * @param namespace a {@code /run/netns/NAME} or {@code /proc/PID/ns/net} path
         * @return this builder
         */
        public Builder namespace(Path namespace) {
            this.namespace = Objects.requireNonNull(namespace, "namespace");
            return this;
        }

        /**
         * Sets the kernel socket receive buffer.
         *
         * @param bytes 64 KiB..1 GiB
         * @return this builder
         */
        public Builder receiveBufferBytes(int bytes) {
            this.receiveBufferBytes = range("receiveBufferBytes", bytes, 64 << 10, 1 << 30);
            return this;
        }

        /**
         * Sets the kernel socket send buffer.
         *
         * @param bytes 64 KiB..1 GiB
         * @return this builder
         */
        public Builder sendBufferBytes(int bytes) {
            this.sendBufferBytes = range("sendBufferBytes", bytes, 64 << 10, 1 << 30);
            return this;
        }

        /**
         * Sets the size of each of the client's direct message buffers.
         *
         * @param bytes 64 KiB..64 MiB
         * @return this builder
         */
        public Builder messageBufferBytes(int bytes) {
            this.messageBufferBytes = range("messageBufferBytes", bytes, 64 << 10, 64 << 20);
            return this;
        }

        /**
         * Sets how long to wait for any reply before failing.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder receiveTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "receiveTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("receiveTimeout must be positive, was " + timeout);
            }
            this.receiveTimeout = timeout;
            return this;
        }

        /** {@return the options} */
        public NetlinkOptions build() {
            return new NetlinkOptions(this);
        }

        private static int range(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + " must be " + min + ".." + max + ", was " + value);
            }
            return value;
        }
    }
}
