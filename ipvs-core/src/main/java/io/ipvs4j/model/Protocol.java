package io.ipvs4j.model;

/**
 * The transport protocol of a {@link ServiceKey.Inet} service ({@code IPVS_SVC_ATTR_PROTOCOL}).
 * The values are the IANA protocol numbers ({@code IPPROTO_*} in {@code linux/in.h}).
 *
 * <pre>{@code
 * Protocol.fromValue(6)  // TCP
 * }</pre>
 */
public enum Protocol {
    /** {@code IPPROTO_TCP}; ipvsadm {@code -t}. */
    TCP(6),
    /** {@code IPPROTO_UDP}; ipvsadm {@code -u}. */
    UDP(17),
    /** {@code IPPROTO_SCTP}; ipvsadm {@code --sctp-service}; needs {@code CONFIG_IP_VS_PROTO_SCTP}. */
    SCTP(132);

    private final int value;

    Protocol(int value) {
        this.value = value;
    }

    /** {@return the IANA protocol number} */
    public int value() {
        return value;
    }

    /**
     * The protocol with number {@code value}.
     *
     * @param value the kernel's value
     * @return the constant
     * @throws IllegalArgumentException for any number but 6, 17 and 132: the kernel's genl
     *     parser would store any number, but nothing else is load-balanced (uapi doc §12)
     */
    public static Protocol fromValue(int value) {
        for (Protocol p : values()) {
            if (p.value == value) {
                return p;
            }
        }
        throw new IllegalArgumentException("protocol must be 6 (TCP), 17 (UDP) or 132 (SCTP), was " + value);
    }
}
