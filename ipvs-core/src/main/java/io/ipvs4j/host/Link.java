package io.ipvs4j.host;

/**
 * A network interface as the kernel lists it ({@code ip -o link show}).
 *
 * @param index the interface index ({@code ifindex}), positive
 * @param name the interface name, e.g. {@code eth0}
 * @param up whether the interface is administratively up ({@code IFF_UP})
 */
public record Link(int index, String name, boolean up) {
    /**
     * Validates the fields: index positive, name a valid interface name.
     *
     * @param index the kernel's interface index, positive
     * @param name the interface name
     * @param up whether the interface is administratively up
     */
    public Link {
        if (index <= 0) {
            throw new IllegalArgumentException("index must be positive, was " + index);
        }
        InterfaceNames.checkInterface(name);
    }

    @Override
    public String toString() {
        return index + ": " + name + (up ? " UP" : " DOWN");
    }
}
