package io.ipvs4j.model;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * Numeric IP address literals, parsed and printed without ever touching DNS.
 *
 * <p>{@link InetAddress#getByName(String)} silently falls back to a name lookup for anything
 * that is not a literal, which would make a typo in a service address block on the resolver
 * and then program whatever address it returns. Everything in ipvs4j that takes a string
 * address goes through {@link #parse(String)} instead.
 *
 * <pre>{@code
 * InetAddress vip = InetAddresses.parse("192.0.2.100");
 * InetAddresses.parse("[2001:db8::1]");            // brackets are accepted
 * InetAddresses.toText(vip);                       // "192.0.2.100"
 * InetAddresses.parse("lb.example.com");           // IllegalArgumentException
 * }</pre>
 */
public final class InetAddresses {
    private InetAddresses() {
    }

    /**
     * Parses a numeric IPv4 (dotted quad, {@code 192.0.2.1}) or IPv6 literal ({@code 2001:db8::1},
     * optionally in brackets). The result carries no host name. As everywhere in the JDK, an
     * IPv4-mapped IPv6 literal ({@code ::ffff:192.0.2.1}) yields an IPv4 address.
     *
     * @throws IllegalArgumentException if {@code text} is not such a literal, e.g. a host name,
     *     or carries an IPv6 zone ({@code %eth0}), which IPVS has no field for
     * @param text the literal
     * @return the address, without host name
     */
    public static InetAddress parse(String text) {
        Objects.requireNonNull(text, "address");
        String s = text.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("address must be a numeric IPv4 or IPv6 literal, was \"" + text + "\"");
        }
        if (s.indexOf(':') >= 0) {
            return parseV6(text, s);
        }
        byte[] v4 = parseV4(s);
        if (v4 == null) {
            throw new IllegalArgumentException("address must be a numeric IPv4 or IPv6 literal"
                    + " (host names are not resolved), was \"" + text + "\"");
        }
        return fromBytes(v4);
    }

    private static InetAddress parseV6(String original, String s) {
        if (s.indexOf('%') >= 0) {
            throw new IllegalArgumentException("address must not carry an IPv6 zone id, was \"" + original + "\"");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!ok) {
                throw new IllegalArgumentException("address must be a numeric IPv4 or IPv6 literal, was \"" + original + "\"");
            }
        }
        try {
            // A string containing ':' is only ever parsed as an IPv6 literal by the JDK,
            // never looked up, so this cannot reach DNS.
            return fromBytes(InetAddress.getByName(s).getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address is not a valid IPv6 literal, was \"" + original + "\"", e);
        }
    }

    private static byte[] parseV4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3) {
                return null;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /**
     * An address from its raw bytes: 4 for IPv4, 16 for IPv6 (network order).
     *
     * @param bytes the address in network order
     * @return the address, without host name
     * @throws IllegalArgumentException for any other length
     */
    public static InetAddress fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != 4 && bytes.length != 16) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes, was " + bytes.length);
        }
        try {
            if (bytes.length == 16) {
                // getByAddress would turn an IPv4-mapped address into an Inet4Address; keep
                // IPv6 as IPv6 so the family the caller gave is the family we send.
                return Inet6Address.getByAddress(null, bytes, -1);
            }
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("length was checked", e);
        }
    }

    /**
     * Returns {@code address} without host name or scope, so that it prints and compares by
     * its bytes only.
     */
    static InetAddress normalize(InetAddress address, String field) {
        if (address == null) {
            throw new NullPointerException(field);
        }
        AddressFamily.of(address);
        return fromBytes(address.getAddress());
    }

    /**
     * The canonical text of {@code address}: dotted quad for IPv4, RFC 5952 for IPv6
     * (lower case, longest run of zero groups compressed to {@code ::}), no brackets.
     *
     * @param address the address
     * @return its canonical text
     */
    public static String toText(InetAddress address) {
        Objects.requireNonNull(address, "address");
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // RFC 5952 4.2: compress the longest run of >= 2 zero groups, the first one on a tie.
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /**
     * {@code 192.0.2.1:80} or {@code [2001:db8::1]:80}, as ipvsadm prints an address and port.
     *
     * @param address the address
     * @param port the port
     * @return the address (IPv6 in brackets), a colon and the port
     */
    public static String toText(InetAddress address, int port) {
        String a = toText(address);
        return (address instanceof Inet6Address ? "[" + a + "]" : a) + ":" + port;
    }
}
