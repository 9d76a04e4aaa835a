package io.ipvs4j.model;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The encapsulation of a {@link ForwardingMethod#TUNNEL} real server.
 *
 * <pre>{@code
 * Tunnel.ipip();                              // ipvsadm -i (the default)
 * Tunnel.gue(6080, TunnelFlag.CHECKSUM);      // ipvsadm -i --tun-type gue --tun-port 6080 --tun-csum
 * Tunnel.gre();                               // ipvsadm -i --tun-type gre --tun-nocsum
 * }</pre>
 *
 * <p>The kernel stores any combination (uapi doc §12); these rules follow ipvsadm and keepalived:
 * IPIP takes no port and no flags; GRE takes no port and may have {@code CHECKSUM} but not
 * {@code REMOTE_CHECKSUM}; GUE needs a port 1..65535 and may have either flag but not both.
 *
 * @param type the encapsulation
 * @param port the GUE destination port; 0 for the other types
 * @param flags checksum options
 */
public record Tunnel(TunnelType type, int port, Set<TunnelFlag> flags) {
    private static final Tunnel IPIP = new Tunnel(TunnelType.IPIP, 0, Set.of());

    /**
     * Checks the combination against the rules above.
     *
     * @param flags checksum options
     * @param type the encapsulation
     * @param port the GUE destination port; 0 for the other types
     * @throws IllegalArgumentException naming the field, if the port or the flags do not fit the type
     * @throws NullPointerException if the type or the flags are null
     */
    public Tunnel {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(flags, "flags");
        flags = Set.copyOf(flags);
        switch (type) {
            case IPIP -> {
                if (port != 0) {
                    throw new IllegalArgumentException("tunnel port must be 0 for IPIP, was " + port);
                }
                if (!flags.isEmpty()) {
                    throw new IllegalArgumentException("tunnel flags must be empty for IPIP, was " + flags);
                }
            }
            case GRE -> {
                if (port != 0) {
                    throw new IllegalArgumentException("tunnel port must be 0 for GRE, was " + port);
                }
                if (flags.contains(TunnelFlag.REMOTE_CHECKSUM)) {
                    throw new IllegalArgumentException("tunnel flags for GRE must not contain REMOTE_CHECKSUM, was " + flags);
                }
            }
            case GUE -> {
                Checks.range("tunnel port", port, 1, 65535);
                if (flags.size() == 2) {
                    throw new IllegalArgumentException("tunnel flags for GUE must not contain both CHECKSUM"
                            + " and REMOTE_CHECKSUM, was " + flags);
                }
            }
        }
    }

    /** {@return plain IP-in-IP} */
    public static Tunnel ipip() {
        return IPIP;
    }

    /**
     * Generic UDP encapsulation to {@code port} (1..65535).
     *
     * @param port the GUE destination port, 1..65535
     * @param flags at most one of {@code CHECKSUM} and {@code REMOTE_CHECKSUM}
     * @return the tunnel
     * @throws IllegalArgumentException if the port is out of range or both flags are given
     */
    public static Tunnel gue(int port, TunnelFlag... flags) {
        return new Tunnel(TunnelType.GUE, port, setOf(flags));
    }

    /**
     * GRE encapsulation.
     *
     * @param flags none, or {@code CHECKSUM}
     * @return the tunnel
     * @throws IllegalArgumentException if {@code REMOTE_CHECKSUM} is given
     */
    public static Tunnel gre(TunnelFlag... flags) {
        return new Tunnel(TunnelType.GRE, 0, setOf(flags));
    }

    private static Set<TunnelFlag> setOf(TunnelFlag[] flags) {
        EnumSet<TunnelFlag> s = EnumSet.noneOf(TunnelFlag.class);
        s.addAll(Arrays.asList(flags));
        return s;
    }

    /** {@return the flag bits as the kernel takes them} */
    public int flagBits() {
        return TunnelFlag.toBits(flags);
    }
}
