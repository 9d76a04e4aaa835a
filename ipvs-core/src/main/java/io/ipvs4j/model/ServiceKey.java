package io.ipvs4j.model;

import java.net.InetAddress;
import java.util.Objects;

/**
 * The identity of an IPVS virtual service: either protocol + address + port
 * ({@link Inet}) or a firewall mark ({@link FwMark}). The kernel looks a service up by
 * exactly one of these ({@code ip_vs_genl_parse_service}); everything else about a service
 * is configuration ({@link VirtualService}).
 *
 * <pre>{@code
 * ServiceKey web = ServiceKey.tcp("192.0.2.100", 80);        // ipvsadm -t 192.0.2.100:80
 * ServiceKey dns = ServiceKey.udp("2001:db8::53", 53);       // ipvsadm -u [2001:db8::53]:53
 * ServiceKey mark = ServiceKey.fwmark(1, AddressFamily.INET); // ipvsadm -f 1
 * web.toString();                                            // "TCP 192.0.2.100:80"
 * }</pre>
 *
 * <p>String addresses must be numeric literals; see {@link InetAddresses#parse(String)}.
 */
public sealed interface ServiceKey permits ServiceKey.Inet, ServiceKey.FwMark {

    /** {@return the address family of the service ({@code IPVS_SVC_ATTR_AF})} */
    AddressFamily family();

    /**
     * A TCP service; {@code ipvsadm -t address:port}.
     *
     * @param address a numeric IPv4 or IPv6 literal (never resolved)
     * @param port 0..65535
     * @return the key
     * @throws IllegalArgumentException naming the value, if the address is no numeric literal or
     *     the port is out of range
     */
    static ServiceKey.Inet tcp(String address, int port) {
        return new Inet(Protocol.TCP, InetAddresses.parse(address), port);
    }

    /**
     * A UDP service; {@code ipvsadm -u address:port}.
     *
     * @param address a numeric IPv4 or IPv6 literal (never resolved)
     * @param port 0..65535
     * @return the key
     * @throws IllegalArgumentException naming the value, if the address is no numeric literal or
     *     the port is out of range
     */
    static ServiceKey.Inet udp(String address, int port) {
        return new Inet(Protocol.UDP, InetAddresses.parse(address), port);
    }

    /**
     * An SCTP service; {@code ipvsadm --sctp-service address:port}.
     *
     * @param address a numeric IPv4 or IPv6 literal (never resolved)
     * @param port 0..65535
     * @return the key
     * @throws IllegalArgumentException naming the value, if the address is no numeric literal or
     *     the port is out of range
     */
    static ServiceKey.Inet sctp(String address, int port) {
        return new Inet(Protocol.SCTP, InetAddresses.parse(address), port);
    }

    /**
     * A protocol/address/port service.
     *
     * @param protocol TCP, UDP or SCTP
     * @param address the virtual IP
     * @param port 0..65535
     * @return the key
     * @throws IllegalArgumentException if the port is out of range
     */
    static ServiceKey.Inet inet(Protocol protocol, InetAddress address, int port) {
        return new Inet(protocol, address, port);
    }

    /**
     * A firewall-mark service; {@code ipvsadm -f mark} (add {@code -6} for IPv6).
     *
     * @param mark 1..4294967295 (the kernel's u32; 0 means "no fwmark" to the kernel)
     * @param family which family's packets carrying the mark are balanced
     * @return the key
     * @throws IllegalArgumentException if the mark is out of range
     */
    static ServiceKey.FwMark fwmark(long mark, AddressFamily family) {
        if (mark < 1 || mark > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("fwmark must be 1..4294967295, was " + mark);
        }
        return new FwMark((int) mark, family);
    }

    /**
     * A service identified by protocol, virtual address and port.
     *
     * @param protocol TCP, UDP or SCTP
     * @param address the virtual IP; its family is the service's family
     * @param port 0..65535; 0 means "all ports" and is only valid for persistent services
     *     (checked by {@link VirtualService})
     */
    record Inet(Protocol protocol, InetAddress address, int port) implements ServiceKey {
        /**
         * Checks the parts; the address is kept without host name or scope.
         *
         * @param port 0..65535; 0 means "all ports" and is only valid for persistent services (checked by {@link VirtualService})
         * @param protocol TCP, UDP or SCTP
         * @param address the virtual IP; its family is the service's family
         * @throws IllegalArgumentException if the port is not 0..65535
         * @throws NullPointerException if the protocol or the address is null
         */
        public Inet {
            Objects.requireNonNull(protocol, "protocol");
            address = InetAddresses.normalize(address, "address");
            Checks.port("port", port);
        }

        @Override
        public AddressFamily family() {
            return AddressFamily.of(address);
        }

        /** {@return the address and port as an {@link Endpoint}} */
        public Endpoint endpoint() {
            return new Endpoint(address, port);
        }

        /** {@return the text as ipvsadm lists it: {@code TCP 192.0.2.100:80}, {@code UDP [2001:db8::1]:53}} */
        @Override
        public String toString() {
            return protocol + " " + InetAddresses.toText(address, port);
        }
    }

    /**
     * A service identified by a netfilter firewall mark ({@code IPVS_SVC_ATTR_FWMARK}).
     *
     * @param mark the unsigned 32-bit mark stored in an {@code int} (marks at or above 2^31
     *     are negative here; use {@link #markUnsigned()}); never 0
     * @param family which family's packets carrying the mark are balanced
     */
    record FwMark(int mark, AddressFamily family) implements ServiceKey {
        /**
         * Checks the parts.
         *
         * @param family which family's packets carrying the mark are balanced
         * @param mark the unsigned 32-bit mark stored in an {@code int} (marks at or above 2^31 are negative here; use {@link #markUnsigned()}); never 0
         * @throws IllegalArgumentException if the mark is 0
         * @throws NullPointerException if the family is null
         */
        public FwMark {
            if (mark == 0) {
                throw new IllegalArgumentException("fwmark must be 1..4294967295, was 0");
            }
            Objects.requireNonNull(family, "family");
        }

        /** {@return the mark as the unsigned value the kernel sees, 1..4294967295} */
        public long markUnsigned() {
            return Integer.toUnsignedLong(mark);
        }

        /** {@return the text as ipvsadm lists it: {@code FWM 1 IPv4}} */
        @Override
        public String toString() {
            return "FWM " + markUnsigned() + " " + family.label();
        }
    }
}
