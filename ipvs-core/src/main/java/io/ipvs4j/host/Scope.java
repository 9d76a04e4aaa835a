package io.ipvs4j.host;

/**
 * The scope of an interface address ({@code ifa_scope}, {@code enum rt_scope_t} in
 * linux/rtnetlink.h): how far the address is meaningful. {@code ip addr add ... scope NAME}.
 */
public enum Scope {
    /** {@code RT_SCOPE_UNIVERSE} (0), {@code scope global}: valid everywhere. The default. */
    UNIVERSE(0, "global"),
    /** {@code RT_SCOPE_SITE} (200), {@code scope site}: within the site (IPv6 only, deprecated). */
    SITE(200, "site"),
    /** {@code RT_SCOPE_LINK} (253), {@code scope link}: on the attached link only. */
    LINK(253, "link"),
    /** {@code RT_SCOPE_HOST} (254), {@code scope host}: inside this host only (like 127.0.0.1). */
    HOST(254, "host"),
    /** {@code RT_SCOPE_NOWHERE} (255), {@code scope nowhere}: no destination; only seen when listing. */
    NOWHERE(255, "nowhere");

    private final int value;
    private final String ipName;

    Scope(int value, String ipName) {
        this.value = value;
        this.ipName = ipName;
    }

    /** {@return the kernel's value} */
    public int value() {
        return value;
    }

    /** {@return the name {@code ip} uses: {@code global}, {@code site}, {@code link}, {@code host}, {@code nowhere}} */
    public String ipName() {
        return ipName;
    }

    /**
     * The scope with the kernel value {@code value}.
     *
     * @param value the kernel's value
     * @return the constant
     * @throws IllegalArgumentException for a value without a constant (user-defined scopes of
     *     /etc/iproute2/rt_scopes)
     */
    public static Scope fromValue(int value) {
        for (Scope s : values()) {
            if (s.value == value) {
                return s;
            }
        }
        throw new IllegalArgumentException("scope must be 0, 200, 253, 254 or 255, was " + value);
    }
}
