package io.ipvs4j.host;

/**
 * {@code net.ipv4.conf.<interface>.arp_announce}: which local source address goes into the ARP
 * requests an interface sends (Documentation/networking/ip-sysctl.rst; {@code arp_solicit()}
 * in net/ipv4/arp.c). The kernel uses the larger of the interface's value and {@code all}'s.
 *
 * <p>A DR real server answers clients from the VIP; without {@link #BEST_LOCAL_ADDRESS} (2) it
 * may put the VIP into its ARP requests and teach the router that the VIP lives at its MAC
 * ({@code sysctl -w net.ipv4.conf.all.arp_announce=2}).
 */
public enum ArpAnnounce {
    /** 0: use any local address, e.g. the source address of the packet being sent. The default. */
    ANY_LOCAL_ADDRESS(0),
    /**
     * 1: try to avoid source addresses outside the target's subnet on this interface; falls back
     * to 2 if there is none.
     */
    AVOID_OTHER_SUBNETS(1),
    /**
     * 2: always use the best local address for the target, an address of the outgoing
     * interface in the target's subnet; ignores the packet's source address.
     */
    BEST_LOCAL_ADDRESS(2);

    private final int value;

    ArpAnnounce(int value) {
        this.value = value;
    }

    /** {@return the sysctl value} */
    public int value() {
        return value;
    }

    /**
     * The constant for sysctl value {@code value}.
     *
     * @param value the kernel's value
     * @return the constant
     * @throws IllegalArgumentException unless 0..2
     */
    public static ArpAnnounce fromValue(int value) {
        if (value < 0 || value > 2) {
            throw new IllegalArgumentException("arp_announce must be 0..2, was " + value);
        }
        return values()[value];
    }
}
