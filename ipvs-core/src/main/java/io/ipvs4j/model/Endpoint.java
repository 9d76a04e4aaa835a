package io.ipvs4j.model;

import java.net.InetAddress;

/**
 * An address and port: the identity of a real server within a service
 * ({@code IPVS_DEST_ATTR_ADDR}, {@code _PORT}).
 *
 * <pre>{@code
 * Endpoint.of("198.51.100.3", 80);   // 198.51.100.3:80
 * Endpoint.of("2001:db8::3", 80);    // [2001:db8::3]:80
 * Endpoint.parse("198.51.100.3:80"); // the same as the first
 * Endpoint.parse("[2001:db8::3]:80");
 * }</pre>
 *
 * @param address a numeric address (no host name is kept)
 * @param port 0..65535
 */
public record Endpoint(InetAddress address, int port) {
    /**
     * Checks the port and keeps the address without host name or scope (it prints and
     * compares by its bytes only).
     *
     * @param port 0..65535
     * @param address a numeric address (no host name is kept)
     * @throws IllegalArgumentException naming the field, if the port is not 0..65535
     * @throws NullPointerException if the address is null
     */
    public Endpoint {
        address = InetAddresses.normalize(address, "address");
        Checks.port("port", port);
    }

    /**
     * An endpoint from a numeric address literal (never resolved, see
     * {@link InetAddresses#parse(String)}).
     *
     * @param address a numeric IPv4 or IPv6 literal, such as {@code 198.51.100.3}
     * @param port 0..65535
     * @return the endpoint
     * @throws IllegalArgumentException naming the value, if the address is no numeric literal
     *     or the port is out of range
     */
    public static Endpoint of(String address, int port) {
        return new Endpoint(InetAddresses.parse(address), port);
    }

    /**
     * The endpoint written as {@link #toString()} writes it: {@code 198.51.100.3:80} or
     * {@code [2001:db8::3]:80} (ipvsadm's {@code address:port}). The port is required and
     * decimal; the address numeric (never resolved).
     *
     * @throws IllegalArgumentException naming the text, if it is not of that form, the port
     *     is not 0..65535, or an IPv6 address is not in brackets
     * @param text the endpoint as {@code address:port} or {@code [IPv6 address]:port}
     * @return the endpoint
     */
    public static Endpoint parse(String text) {
        java.util.Objects.requireNonNull(text, "endpoint");
        String address;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("endpoint must be [IPv6 address]:port, was \"" + text + "\"");
            }
            address = text.substring(1, close);
            port = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException("endpoint must be address:port (IPv6 in brackets:"
                        + " [2001:db8::1]:80), was \"" + text + "\"");
            }
            address = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        return new Endpoint(InetAddresses.parse(address), parsePort(port, text));
    }

    private static int parsePort(String port, String text) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("endpoint port must be a decimal number 0..65535, was \"" + port
                    + "\" in \"" + text + "\"");
        }
        int p = Integer.parseInt(port);
        if (p > 65535) {
            throw new IllegalArgumentException("endpoint port must be 0..65535, was " + p + " in \"" + text + "\"");
        }
        return p;
    }

    /**
     * The address family of {@link #address()}.
     *
     * @return {@code INET} or {@code INET6}
     */
    public AddressFamily family() {
        return AddressFamily.of(address);
    }

    /** {@code 198.51.100.3:80} or {@code [2001:db8::3]:80}. */
    @Override
    public String toString() {
        return InetAddresses.toText(address, port);
    }
}
