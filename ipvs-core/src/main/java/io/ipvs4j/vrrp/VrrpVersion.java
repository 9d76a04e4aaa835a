package io.ipvs4j.vrrp;

/** The VRRP protocol version (keepalived's {@code version} / {@code vrrp_version}; default 2). */
public enum VrrpVersion {
    /** RFC 3768: IPv4 only, advert interval in whole seconds, optional 8-byte simple password. */
    V2(2),
    /** RFC 5798 (updated by RFC 9568): IPv4 and IPv6, advert interval in centiseconds, no authentication. */
    V3(3);

    private final int number;

    VrrpVersion(int number) {
        this.number = number;
    }

    /**
     * The value of the packet's version field: 2 or 3.
     * 
     * @return the version number
     */
    public int number() {
        return number;
    }
}
