package io.ipvs4j.model;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An address family as IPVS encodes it ({@code IPVS_SVC_ATTR_AF}, {@code IPVS_DEST_ATTR_ADDR_FAMILY}).
 *
 * <pre>{@code
 * AddressFamily.of(InetAddresses.parse("2001:db8::1"))  // INET6
 * AddressFamily.fromValue(2)                            // INET
 * }</pre>
 */
public enum AddressFamily {
    /** {@code AF_INET} (2, from {@code linux/socket.h}). */
    INET(2, "IPv4", 32),
    /** {@code AF_INET6} (10, from {@code linux/socket.h}). */
    INET6(10, "IPv6", 128);

    private final int value;
    private final String label;
    private final int addressBits;

    AddressFamily(int value, String label, int addressBits) {
        this.value = value;
        this.label = label;
        this.addressBits = addressBits;
    }

    /** {@return the kernel's {@code AF_*} number} */
    public int value() {
        return value;
    }

    /** {@return the length of an address of this family in bits: 32 or 128 (the "host" prefix length)} */
    public int addressBits() {
        return addressBits;
    }

    /** {@return the label ipvsadm prints for fwmark services: {@code IPv4} or {@code IPv6}} */
    public String label() {
        return label;
    }

    /**
     * The family with the kernel number {@code value}.
     *
     * @param value the kernel's value
     * @return the constant
     * @throws IllegalArgumentException if the number is neither 2 nor 10
     */
    public static AddressFamily fromValue(int value) {
        for (AddressFamily f : values()) {
            if (f.value == value) {
                return f;
            }
        }
        throw new IllegalArgumentException("address family must be 2 (AF_INET) or 10 (AF_INET6), was " + value);
    }

    /**
     * The family of {@code address}.
     *
     * @param address the address
     * @return {@code INET} or {@code INET6}
     */
    public static AddressFamily of(InetAddress address) {
        Objects.requireNonNull(address, "address");
        if (address instanceof Inet4Address) {
            return INET;
        }
        if (address instanceof Inet6Address) {
            return INET6;
        }
        // InetAddress is not sealed, but the JDK only ever creates these two subclasses.
        throw new IllegalArgumentException("address must be IPv4 or IPv6, was " + address.getClass().getName());
    }
}
