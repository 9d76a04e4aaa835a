package io.ipvs4j.model;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A connection-synchronisation daemon ({@code IPVS_CMD_ATTR_DAEMON}). Unset optional
 * settings are left to the kernel's defaults (multicast group 224.0.0.81, port 8848, TTL 1,
 * maximum length from the interface MTU); they need Linux 4.3, and older kernels silently
 * ignore them.
 *
 * <pre>{@code
 * SyncDaemon d = SyncDaemon.builder(SyncState.MASTER, "eth0", 1)
 *         .multicastGroup(InetAddresses.parse("239.1.1.1"))
 *         .multicastTtl(2)
 *         .build();
 * // ipvsadm --start-daemon master --mcast-interface eth0 --syncid 1 --mcast-group 239.1.1.1 --mcast-ttl 2
 * }</pre>
 */
public final class SyncDaemon {
    /** Longest interface name: {@code IP_VS_IFNAME_MAXLEN} (16, ip_vs.h) minus the NUL. */
    public static final int MAX_INTERFACE_NAME_LENGTH = 15;

    private final SyncState state;
    private final String interfaceName;
    private final int syncId;
    private final Integer maxLength;
    private final InetAddress multicastGroup;
    private final Integer multicastPort;
    private final Integer multicastTtl;

    private SyncDaemon(Builder b) {
        this.state = b.state;
        this.interfaceName = b.interfaceName;
        this.syncId = b.syncId;
        this.maxLength = b.maxLength;
        this.multicastGroup = b.multicastGroup;
        this.multicastPort = b.multicastPort;
        this.multicastTtl = b.multicastTtl;
    }

    /**
     * A builder for a daemon in {@code state} on {@code interfaceName} with {@code syncId}.
     *
     * @param interfaceName 1..15 characters, no '/', ':' or whitespace, not "." or ".." (the
     *     kernel's rules for interface names)
     * @param syncId 0..255: the sync message header carries it in one byte
     * @param state master or backup
     * @return a new builder
     * @throws IllegalArgumentException for a bad name or id
     */
    public static Builder builder(SyncState state, String interfaceName, int syncId) {
        return new Builder(state, interfaceName, syncId);
    }

    /** {@return a builder holding this daemon's settings} */
    public Builder toBuilder() {
        Builder b = new Builder(state, interfaceName, syncId);
        b.maxLength = maxLength;
        b.multicastGroup = multicastGroup;
        b.multicastPort = multicastPort;
        b.multicastTtl = multicastTtl;
        return b;
    }

    /** {@return master or backup} */
    public SyncState state() {
        return state;
    }

    /** {@return the multicast interface ({@code IPVS_DAEMON_ATTR_MCAST_IFN})} */
    public String interfaceName() {
        return interfaceName;
    }

    /** {@return the sync id ({@code IPVS_DAEMON_ATTR_SYNC_ID}), 0..255} */
    public int syncId() {
        return syncId;
    }

    /** {@return largest sync message payload ({@code SYNC_MAXLEN}), if set} */
    public OptionalInt maxLength() {
        return maxLength == null ? OptionalInt.empty() : OptionalInt.of(maxLength);
    }

    /** {@return the multicast group ({@code MCAST_GROUP} or {@code MCAST_GROUP6}), if set} */
    public Optional<InetAddress> multicastGroup() {
        return Optional.ofNullable(multicastGroup);
    }

    /** {@return the multicast base port ({@code MCAST_PORT}), if set} */
    public OptionalInt multicastPort() {
        return multicastPort == null ? OptionalInt.empty() : OptionalInt.of(multicastPort);
    }

    /** {@return the multicast TTL ({@code MCAST_TTL}), if set} */
    public OptionalInt multicastTtl() {
        return multicastTtl == null ? OptionalInt.empty() : OptionalInt.of(multicastTtl);
    }

    /**
     * Equal when every setting is equal.
     *
     * @param o the other object
     * @return whether {@code o} is a sync daemon with the same settings
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof SyncDaemon d
                && state == d.state
                && interfaceName.equals(d.interfaceName)
                && syncId == d.syncId
                && Objects.equals(maxLength, d.maxLength)
                && Objects.equals(multicastGroup, d.multicastGroup)
                && Objects.equals(multicastPort, d.multicastPort)
                && Objects.equals(multicastTtl, d.multicastTtl);
    }

    /** {@return a hash of every setting} */
    @Override
    public int hashCode() {
        return Objects.hash(state, interfaceName, syncId, maxLength, multicastGroup, multicastPort, multicastTtl);
    }

    /** {@return the text, e.g. {@code MASTER eth0 syncid 1 group 239.1.1.1}} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(state).append(' ').append(interfaceName).append(" syncid ").append(syncId);
        if (maxLength != null) {
            sb.append(" maxlen ").append(maxLength);
        }
        if (multicastGroup != null) {
            sb.append(" group ").append(InetAddresses.toText(multicastGroup));
        }
        if (multicastPort != null) {
            sb.append(" port ").append(multicastPort);
        }
        if (multicastTtl != null) {
            sb.append(" ttl ").append(multicastTtl);
        }
        return sb.toString();
    }

    /** Builds a {@link SyncDaemon}; not thread-safe. Each setter validates its value. */
    public static final class Builder {
        private final SyncState state;
        private final String interfaceName;
        private final int syncId;
        private Integer maxLength;
        private InetAddress multicastGroup;
        private Integer multicastPort;
        private Integer multicastTtl;

        private Builder(SyncState state, String interfaceName, int syncId) {
            this.state = Objects.requireNonNull(state, "state");
            this.interfaceName = checkInterfaceName(interfaceName);
            this.syncId = Checks.range("syncId", syncId, 0, 255);
        }

        private static String checkInterfaceName(String name) {
            Objects.requireNonNull(name, "interfaceName");
            if (name.isEmpty() || name.length() > MAX_INTERFACE_NAME_LENGTH) {
                throw new IllegalArgumentException("interfaceName must be 1.." + MAX_INTERFACE_NAME_LENGTH
                        + " characters, was \"" + name + "\" (" + name.length() + ")");
            }
            if (name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("interfaceName must not be \".\" or \"..\", was \"" + name + "\"");
            }
            // dev_valid_name() in net/core/dev.c rejects these characters.
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c == '/' || c == ':' || Character.isWhitespace(c) || c < 0x20 || c > 0x7e) {
                    throw new IllegalArgumentException("interfaceName must not contain '/', ':', whitespace"
                            + " or non-ASCII characters, was \"" + name + "\"");
                }
            }
            return name;
        }

        /**
         * Largest sync message payload in bytes, 1..65535 (a u16 on the wire); ipvsadm {@code --sync-maxlen}.
         *
         * @param maxLength 1..65535
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxLength(int maxLength) {
            this.maxLength = Checks.range("maxLength", maxLength, 1, 65535);
            return this;
        }

        /**
         * The multicast group, IPv4 or IPv6; ipvsadm {@code --mcast-group}.
         *
         * @param group the group address
         * @return this builder
         * @throws IllegalArgumentException if not a multicast address (the kernel answers EINVAL)
         */
        public Builder multicastGroup(InetAddress group) {
            InetAddress g = InetAddresses.normalize(group, "multicastGroup");
            if (!g.isMulticastAddress()) {
                throw new IllegalArgumentException("multicastGroup must be a multicast address, was "
                        + InetAddresses.toText(g));
            }
            this.multicastGroup = g;
            return this;
        }

        /**
         * The multicast base port, 1..65535; ipvsadm {@code --mcast-port}.
         *
         * @param port 1..65535
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder multicastPort(int port) {
            this.multicastPort = Checks.range("multicastPort", port, 1, 65535);
            return this;
        }

        /**
         * The multicast TTL, 1..255; ipvsadm {@code --mcast-ttl}.
         *
         * @param ttl 1..255
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder multicastTtl(int ttl) {
            this.multicastTtl = Checks.range("multicastTtl", ttl, 1, 255);
            return this;
        }

        /** {@return the daemon} */
        public SyncDaemon build() {
            return new SyncDaemon(this);
        }
    }
}
