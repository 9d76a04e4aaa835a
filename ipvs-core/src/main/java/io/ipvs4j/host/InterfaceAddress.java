package io.ipvs4j.host;

import io.ipvs4j.model.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * An IP address assigned to a network interface, as {@code ip addr} shows and sets it.
 *
 * <pre>{@code
 * // ip addr add 192.0.2.100/24 dev eth0 label eth0:1
 * InterfaceAddress vip = InterfaceAddress.of("eth0", "192.0.2.100/24").withLabel("eth0:1");
 * // ip addr add 192.0.2.100/32 dev lo      (ifconfig lo:0 192.0.2.100 netmask 255.255.255.255)
 * InterfaceAddress onLo = InterfaceAddress.host("lo", InetAddresses.parse("192.0.2.100"));
 * // ip -6 addr add 2001:db8::100/64 dev eth0
 * InterfaceAddress v6 = InterfaceAddress.of("eth0", "2001:db8::100/64");
 * // ip -6 addr add 2001:db8::100/128 dev eth0 preferred_lft 0   (never a source address)
 * InterfaceAddress vip6 = InterfaceAddress.of("eth0", "2001:db8::100/128").withDeprecated(true);
 * }</pre>
 *
 * <p>Validated on construction, before anything is sent to the kernel: the interface name (see
 * {@link InterfaceNames}), the prefix length (0..32 for IPv4, 0..128 for IPv6), the address
 * (not the wildcard, not multicast, no IPv6 zone) and the label. A label exists for IPv4 only
 * (the kernel keeps none for IPv6), must start with the interface name and be at most 15
 * characters, e.g. {@code eth0:1}; a label equal to the interface name is the kernel's default
 * and is stored as no label, so listed addresses compare equal to the ones that were added.
 *
 * @param interfaceName the interface, e.g. {@code eth0}
 * @param address the address (IPv4 or IPv6)
 * @param prefixLength the network prefix length, e.g. 24 or 32
 * @param label the IPv4 label ({@code eth0:1}), if any
 * @param scope the address scope; {@link Scope#UNIVERSE} unless chosen otherwise
 * @param deprecated IPv6 only: added with a preferred lifetime of 0 ({@code preferred_lft 0}),
 *     so that the kernel never picks it as the source of outgoing traffic (RFC 6724 rule 3)
 *     while it still receives traffic. keepalived adds an IPv6 VIP this way when it is a /128
 *     (a VIP beside the director's own address would otherwise win the longest-match rule and
 *     become the source of the director's health checks and adverts)
 */
public record InterfaceAddress(String interfaceName, InetAddress address, int prefixLength, Optional<String> label,
                               Scope scope, boolean deprecated) {

    /**
     * Validates every field; see the class description.
     *
     * @param interfaceName the interface, e.g. {@code eth0}
     * @param address the address (IPv4 or IPv6)
     * @param prefixLength the network prefix length, e.g. 24 or 32
     * @param label the IPv4 label ({@code eth0:1}), if any
     * @param scope the scope
     * @param deprecated IPv6 only: never a source address
     * @throws IllegalArgumentException naming the field and value, if one is invalid
     * @throws NullPointerException if a field is null
     */
    public InterfaceAddress {
        InterfaceNames.checkInterface(interfaceName);
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(scope, "scope");
        int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefixLength must be 0.." + max + " for "
                    + InetAddresses.toText(address) + ", was " + prefixLength);
        }
        if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
            throw new IllegalArgumentException("address must be a unicast address, was " + InetAddresses.toText(address));
        }
        if (address instanceof Inet6Address a6 && (a6.getScopeId() != 0 || a6.getScopedInterface() != null)) {
            throw new IllegalArgumentException("address must not carry an IPv6 zone (the interface is interfaceName), was "
                    + address.getHostAddress());
        }
        if (deprecated && !(address instanceof Inet6Address)) {
            throw new IllegalArgumentException("deprecated is IPv6-only (a preferred lifetime of 0 keeps an IPv6"
                    + " address from being a source address), was set for " + InetAddresses.toText(address));
        }
        // no name lookup ever: keep only the bytes
        address = InetAddresses.fromBytes(address.getAddress());
        if (label.isPresent()) {
            if (!(address instanceof Inet4Address)) {
                throw new IllegalArgumentException("label is IPv4-only; the kernel keeps no label for IPv6 address "
                        + InetAddresses.toText(address) + ", was '" + label.get() + "'");
            }
            InterfaceNames.checkLabel(label.get(), interfaceName);
            if (label.get().equals(interfaceName)) {
                label = Optional.empty();
            }
        }
    }

    /**
     * An address that is not deprecated (preferred for as long as it exists).
     *
     * @param interfaceName the interface, e.g. {@code eth0}
     * @param address the address (IPv4 or IPv6)
     * @param prefixLength the network prefix length, e.g. 24 or 32
     * @param label the IPv4 label ({@code eth0:1}), if any
     * @param scope the scope
     * @throws IllegalArgumentException naming the field and value, if one is invalid
     */
    public InterfaceAddress(String interfaceName, InetAddress address, int prefixLength, Optional<String> label,
            Scope scope) {
        this(interfaceName, address, prefixLength, label, scope, false);
    }

    /**
     * The address {@code cidr} ({@code "192.0.2.100/24"}, {@code "2001:db8::1/64"}; without a
     * prefix: /32 or /128) on {@code interfaceName}, no label, scope global.
     *
     * @throws IllegalArgumentException if {@code cidr} is not an address literal with an optional
     *     decimal prefix length (host names are never looked up)
     * @param interfaceName the interface, e.g. {@code eth0}
     * @param cidr the address with an optional prefix length
     * @return the interface address
     */
    public static InterfaceAddress of(String interfaceName, String cidr) {
        Objects.requireNonNull(cidr, "cidr");
        int slash = cidr.indexOf('/');
        InetAddress address = InetAddresses.parse(slash < 0 ? cidr : cidr.substring(0, slash));
        int prefix;
        if (slash < 0) {
            prefix = address instanceof Inet4Address ? 32 : 128;
        } else {
            String p = cidr.substring(slash + 1);
            if (!p.matches("[0-9]{1,3}")) {
                throw new IllegalArgumentException("cidr prefix length must be a decimal number, was '" + cidr + "'");
            }
            prefix = Integer.parseInt(p);
        }
        return new InterfaceAddress(interfaceName, address, prefix, Optional.empty(), Scope.UNIVERSE);
    }

    /**
     * {@code address} on {@code interfaceName} with the given prefix length, no label, scope global.
     *
     * @param interfaceName the interface, e.g. {@code eth0}
     * @param address the address
     * @param prefixLength 0..32 for IPv4, 0..128 for IPv6
     * @return the interface address
     * @throws IllegalArgumentException if a value is invalid
     */
    public static InterfaceAddress of(String interfaceName, InetAddress address, int prefixLength) {
        return new InterfaceAddress(interfaceName, address, prefixLength, Optional.empty(), Scope.UNIVERSE);
    }

    /**
     * {@code address} as a host address (/32 or /128) on {@code interfaceName}: the form of a
     * VIP on a DR real server's {@code lo}.
     *
     * @param interfaceName the interface, e.g. {@code lo}
     * @param address the address
     * @return the interface address
     * @throws IllegalArgumentException if a value is invalid
     */
    public static InterfaceAddress host(String interfaceName, InetAddress address) {
        Objects.requireNonNull(address, "address");
        return of(interfaceName, address, address instanceof Inet4Address ? 32 : 128);
    }

    /**
     * This address with the label {@code label} ({@code ip addr add ... label eth0:1}).
     *
     * @param label the IPv4 label, starting with the interface name, at most 15 characters
     * @return a copy with that label
     * @throws IllegalArgumentException if the label is invalid or the address is IPv6
     */
    public InterfaceAddress withLabel(String label) {
        return new InterfaceAddress(interfaceName, address, prefixLength, Optional.of(label), scope, deprecated);
    }

    /** {@return this address without a label} */
    public InterfaceAddress withoutLabel() {
        return new InterfaceAddress(interfaceName, address, prefixLength, Optional.empty(), scope, deprecated);
    }

    /**
     * This address with scope {@code scope} ({@code ip addr add ... scope host}).
     *
     * @param scope the scope
     * @return a copy with that scope
     */
    public InterfaceAddress withScope(Scope scope) {
        return new InterfaceAddress(interfaceName, address, prefixLength, label, scope, deprecated);
    }

    /**
     * This IPv6 address deprecated or not ({@code ip -6 addr add ... preferred_lft 0}).
     *
     * @param deprecated true: the kernel never picks it as a source address
     * @return a copy
     * @throws IllegalArgumentException if {@code deprecated} and the address is IPv4
     */
    public InterfaceAddress withDeprecated(boolean deprecated) {
        return new InterfaceAddress(interfaceName, address, prefixLength, label, scope, deprecated);
    }

    /** {@return true for an IPv4 address} */
    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /** {@return {@code 192.0.2.100/24}} */
    public String cidr() {
        return InetAddresses.toText(address) + "/" + prefixLength;
    }

    /**
     * True if {@code other} is the same assignment as far as the kernel is concerned: same
     * interface, address and prefix length (label, scope and deprecation aside).
     *
     * @param other the other address
     * @return whether both are the same assignment
     */
    public boolean sameAssignment(InterfaceAddress other) {
        return interfaceName.equals(other.interfaceName) && address.equals(other.address)
                && prefixLength == other.prefixLength;
    }

    /** {@return in {@code ip addr} syntax: {@code 192.0.2.100/24 dev eth0 label eth0:1 scope global}, {@code preferred_lft 0} when deprecated} */
    @Override
    public String toString() {
        return cidr() + " dev " + interfaceName + label.map(l -> " label " + l).orElse("") + " scope " + scope.ipName()
                + (deprecated ? " preferred_lft 0" : "");
    }
}
