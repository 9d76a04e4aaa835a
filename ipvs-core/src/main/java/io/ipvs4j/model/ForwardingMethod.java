package io.ipvs4j.model;

/**
 * How packets reach a real server ({@code IPVS_DEST_ATTR_FWD_METHOD}; values are
 * {@code IP_VS_CONN_F_MASQ/LOCALNODE/TUNNEL/DROUTE} in ip_vs.h, under {@code IP_VS_CONN_F_FWD_MASK 0x7}).
 *
 * <pre>{@code
 * ForwardingMethod.fromValue(3)  // DIRECT_ROUTE, ipvsadm -g
 * }</pre>
 */
public enum ForwardingMethod {
    /** NAT; {@code IP_VS_CONN_F_MASQ 0x0000}; ipvsadm {@code -m}. */
    MASQUERADE(0),
    /** Deliver locally; {@code IP_VS_CONN_F_LOCALNODE 0x0001}; ipvsadm lists it as {@code Local}. */
    LOCAL(1),
    /** IP-in-IP (or GUE/GRE, see {@link Tunnel}); {@code IP_VS_CONN_F_TUNNEL 0x0002}; ipvsadm {@code -i}. */
    TUNNEL(2),
    /** Direct routing ("gatewaying"); {@code IP_VS_CONN_F_DROUTE 0x0003}; ipvsadm {@code -g}, its default. */
    DIRECT_ROUTE(3);

    private final int value;

    ForwardingMethod(int value) {
        this.value = value;
    }

    /** {@return the kernel value} */
    public int value() {
        return value;
    }

    /**
     * The method with kernel value {@code value}.
     *
     * @param value the kernel's value
     * @return the constant
     * @throws IllegalArgumentException for anything but 0..3 ({@code BYPASS 4} is kernel-internal)
     */
    public static ForwardingMethod fromValue(int value) {
        for (ForwardingMethod m : values()) {
            if (m.value == value) {
                return m;
            }
        }
        throw new IllegalArgumentException("forwarding method must be 0..3, was " + value);
    }
}
