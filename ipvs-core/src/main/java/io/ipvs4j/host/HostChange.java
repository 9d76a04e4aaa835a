package io.ipvs4j.host;

/**
 * One change a {@link DirectRouting} recipe made to the host, in the order made. A list of them
 * is the recipe's report and the input of {@link DirectRouting#undo}.
 *
 * <pre>{@code
 * List<HostChange> changes = dr.prepareRealServer(InetAddresses.parse("192.0.2.100"));
 * changes.forEach(c -> System.out.println(c.command()));
 * // sysctl -w net.ipv4.conf.lo.arp_ignore=1
 * // ...
 * // ip addr add 192.0.2.100/32 dev lo scope global
 * }</pre>
 */
public sealed interface HostChange {
    /** {@return the shell command with the same effect, for logs: {@code ip addr add ...}, {@code sysctl -w ...}} */
    String command();

    /** An address was added ({@code ip addr add}). */
    record AddressAdded(InterfaceAddress address) implements HostChange {
        @Override
        public String command() {
            return "ip addr add " + address;
        }
    }

    /** An address was removed ({@code ip addr del}). */
    record AddressRemoved(InterfaceAddress address) implements HostChange {
        @Override
        public String command() {
            return "ip addr del " + address;
        }
    }

    /** {@code net.ipv4.conf.IFACE.arp_ignore} went from {@code before} to {@code after}. */
    record ArpIgnoreChanged(String interfaceName, ArpIgnore before, ArpIgnore after) implements HostChange {
        @Override
        public String command() {
            return "sysctl -w net.ipv4.conf." + interfaceName + ".arp_ignore=" + after.value()
                    + "   # was " + before.value();
        }
    }

    /** {@code net.ipv4.conf.IFACE.arp_announce} went from {@code before} to {@code after}. */
    record ArpAnnounceChanged(String interfaceName, ArpAnnounce before, ArpAnnounce after) implements HostChange {
        @Override
        public String command() {
            return "sysctl -w net.ipv4.conf." + interfaceName + ".arp_announce=" + after.value()
                    + "   # was " + before.value();
        }
    }
}
