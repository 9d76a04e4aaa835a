package io.ipvs4j.host;

/**
 * {@code net.ipv4.conf.<interface>.arp_ignore}: which ARP requests an interface answers
 * (Documentation/networking/ip-sysctl.rst; implemented by {@code arp_ignore()} in
 * net/ipv4/arp.c). The kernel uses the larger of the interface's value and {@code all}'s.
 *
 * <p>A DR real server holds the VIP on {@code lo} and must not answer ARP for it on its real
 * interface, or it would steal the director's traffic: {@link #TARGET_ON_INCOMING_INTERFACE}
 * (1) is the classic setting ({@code sysctl -w net.ipv4.conf.all.arp_ignore=1}).
 */
public enum ArpIgnore {
    /** 0: reply for any local target address, configured on any interface. The default. */
    ANY_LOCAL_ADDRESS(0),
    /** 1: reply only if the target address is configured on the interface the request came in on. */
    TARGET_ON_INCOMING_INTERFACE(1),
    /**
     * 2: reply only if the target address is configured on the incoming interface and the
     * sender's address is in the same subnet as that address.
     */
    TARGET_ON_INCOMING_INTERFACE_SAME_SUBNET(2),
    /** 3: do not reply for addresses with scope host; only global and link addresses are answered. */
    NOT_HOST_SCOPE(3),
    /** 4: reserved; the kernel replies as with 0. */
    RESERVED_4(4),
    /** 5: reserved; the kernel replies as with 0. */
    RESERVED_5(5),
    /** 6: reserved; the kernel replies as with 0. */
    RESERVED_6(6),
    /** 7: reserved; the kernel replies as with 0. */
    RESERVED_7(7),
    /** 8: do not reply for any local address. */
    NEVER(8);

    private final int value;

    ArpIgnore(int value) {
        this.value = value;
    }

    /** {@return the sysctl value} */
    public int value() {
        return value;
    }

    /**
     * True if this setting keeps an interface from answering ARP for an address held on another
     * interface (such as a VIP on {@code lo}): 1, 2 and 8.
     *
     * @return whether this mode hides addresses of other interfaces
     */
    public boolean hidesOtherInterfacesAddresses() {
        return this == TARGET_ON_INCOMING_INTERFACE || this == TARGET_ON_INCOMING_INTERFACE_SAME_SUBNET || this == NEVER;
    }

    /**
     * The constant for sysctl value {@code value}.
     *
     * @param value the kernel's value
     * @return the constant
     * @throws IllegalArgumentException unless 0..8
     */
    public static ArpIgnore fromValue(int value) {
        if (value < 0 || value > 8) {
            throw new IllegalArgumentException("arp_ignore must be 0..8, was " + value);
        }
        return values()[value];
    }
}
