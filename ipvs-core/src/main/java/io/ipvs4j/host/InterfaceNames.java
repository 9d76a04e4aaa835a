package io.ipvs4j.host;

import java.util.Objects;

/**
 * Checks interface names and address labels before they reach the kernel or become part of a
 * {@code /proc/sys} path.
 *
 * <p>The rules are the kernel's {@code dev_valid_name()} (net/core/dev.c): 1 to 15 bytes
 * ({@code IFNAMSIZ - 1}, linux/if.h), not {@code "."} or {@code ".."}, and no {@code '/'},
 * {@code ':'} or white space. ipvs4j also requires printable ASCII, so a name is the same
 * bytes in Java and in the kernel. Such a name can never leave the directory it is used in:
 * {@code /proc/sys/net/ipv4/conf/NAME/arp_ignore} stays inside {@code conf/}.
 *
 * <pre>{@code
 * InterfaceNames.checkInterface("eth0");          // ok
 * InterfaceNames.checkInterface("../../vs");      // IllegalArgumentException
 * InterfaceNames.checkLabel("eth0:1", "eth0");    // ok
 * InterfaceNames.checkLabel("lo:vip", "eth0");    // IllegalArgumentException: must start with eth0
 * }</pre>
 */
public final class InterfaceNames {
    /** The longest interface name or label, in bytes: {@code IFNAMSIZ - 1} (linux/if.h). */
    public static final int MAX_LENGTH = 15;

    private InterfaceNames() {
    }

    /**
     * Returns {@code name} if it is a valid interface name.
     *
     * @param name the interface name
     * @return the name, unchanged
     * @throws IllegalArgumentException naming the field and the value otherwise
     */
    public static String checkInterface(String name) {
        return check("interface name", name, false);
    }

    /**
     * Returns {@code label} if it is a valid IPv4 address label for {@code interfaceName}: it
     * starts with the interface name (as {@code ip addr add ... label} demands, e.g.
     * {@code eth0:1} for {@code eth0}), is at most {@value #MAX_LENGTH} bytes and follows the
     * same character rules as a name, except that {@code ':'} is allowed.
     *
     * @param label the label, e.g. {@code eth0:1}
     * @param interfaceName the interface, e.g. {@code eth0}
     * @return the label, unchanged
     * @throws IllegalArgumentException naming the label otherwise
     */
    public static String checkLabel(String label, String interfaceName) {
        check("label", label, true);
        if (!label.startsWith(interfaceName)) {
            throw new IllegalArgumentException("label must start with the interface name '" + interfaceName
                    + "' (e.g. '" + interfaceName + ":1'), was '" + label + "'");
        }
        return label;
    }

    private static String check(String field, String name, boolean colonAllowed) {
        Objects.requireNonNull(name, field);
        if (name.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(field + " must be at most " + MAX_LENGTH
                    + " characters (IFNAMSIZ - 1), was '" + name + "' (" + name.length() + ")");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(field + " must not be '.' or '..', was '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || (c == ':' && !colonAllowed) || c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException(field + " must be printable ASCII without white space, '/'"
                        + (colonAllowed ? "" : " or ':'") + ", was '" + name + "' (bad character at index " + i + ")");
            }
        }
        return name;
    }
}
