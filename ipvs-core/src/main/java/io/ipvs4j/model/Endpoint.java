package io.ipvs4j.model;

import java.net.InetAddress;

/**
 * An address and port: the identity of a real server within a service
 * ({@code IPVS_DEST_ATTR_ADDR}, {@code _PORT}).
 *
 * <pre>{@code
 * Endpoint.of("198.51.100.3", 80);   // 198.51.100.3:80
 * Endpoint.of("2001:db8::3", 80);    // [2001:db8::3]:80
 * }</pre>
 *
 * @param address a numeric address (no host name is kept)
 * @param port 0..65535
 */
public record Endpoint(InetAddress address, int port) {
    public Endpoint {
        address = InetAddresses.normalize(address, "address");
        Checks.port("port", port);
    }

    /**
     * An endpoint from a numeric address literal (never resolved, see
     * {@link InetAddresses#parse(String)}).
     */
    public static Endpoint of(String address, int port) {
        return new Endpoint(InetAddresses.parse(address), port);
    }

    /** The address family of {@link #address()}. */
    public AddressFamily family() {
        return AddressFamily.of(address);
    }

    /** {@code 198.51.100.3:80} or {@code [2001:db8::3]:80}. */
    @Override
    public String toString() {
        return InetAddresses.toText(address, port);
    }
}
