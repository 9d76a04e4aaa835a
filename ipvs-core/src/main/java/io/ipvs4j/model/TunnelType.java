package io.ipvs4j.model;

/**
 * Encapsulation for {@link ForwardingMethod#TUNNEL} ({@code IPVS_DEST_ATTR_TUN_TYPE}, Linux 5.2;
 * {@code IP_VS_CONN_F_TUNNEL_TYPE_*} in ip_vs.h).
 */
public enum TunnelType {
    /** {@code IP_VS_CONN_F_TUNNEL_TYPE_IPIP 0}: plain IP-in-IP, the kernel default. */
    IPIP(0),
    /** {@code IP_VS_CONN_F_TUNNEL_TYPE_GUE 1}: generic UDP encapsulation, needs a port (5.2). */
    GUE(1),
    /** {@code IP_VS_CONN_F_TUNNEL_TYPE_GRE 2}: GRE (5.3). */
    GRE(2);

    private final int value;

    TunnelType(int value) {
        this.value = value;
    }

    /** {@return the kernel value} */
    public int value() {
        return value;
    }

    /**
     * The type with kernel value {@code value}.
     *
     * @param value the kernel's value
     * @return the constant
     * @throws IllegalArgumentException for anything but 0..2
     */
    public static TunnelType fromValue(int value) {
        for (TunnelType t : values()) {
            if (t.value == value) {
                return t;
            }
        }
        throw new IllegalArgumentException("tunnel type must be 0 (IPIP), 1 (GUE) or 2 (GRE), was " + value);
    }
}
